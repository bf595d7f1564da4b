/**
 * Checks of the competency framework that its JSON Schema cannot express: ids are unique, and
 * positions require only competencies the framework defines.
 */
import type { Framework } from '../generated/types.ts'
import { joinPointer } from '../json/json-pointer.ts'
import { didYouMean } from '../json/suggest.ts'
import type { ProblemList } from './problems.ts'

function uniqueIds(file: string, list: readonly { id: string }[], what: string, at: string, problems: ProblemList): void {
  const first = new Map<string, number>()
  list.forEach(({ id }, i) => {
    const seen = first.get(id)
    if (seen === undefined) first.set(id, i)
    else problems.error(file, `${at}/${i}/id`, `duplicate ${what} id '${id}' (also at ${at}/${seen})`)
  })
}

/** Cross-checks of a schema-valid framework file. */
export function lintFramework(file: string, fw: Framework, problems: ProblemList): void {
  uniqueIds(file, fw.competencies, 'competency', '/competencies', problems)
  uniqueIds(file, fw.positions, 'position', '/positions', problems)
  const ids = new Set(fw.competencies.map((c) => c.id))
  fw.positions.forEach((p, i) => {
    for (const competency of Object.keys(p.required)) {
      if (!ids.has(competency)) {
        problems.error(
          file,
          joinPointer('/positions', i, 'required', competency),
          `position '${p.id}' requires '${competency}', which is not a competency of this framework${didYouMean(competency, ids)}`,
          'key',
        )
      }
    }
  })
}
