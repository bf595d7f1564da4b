/**
 * Checks the binding templates of workflow.json: each names a form of the package, maps onto
 * properties that form has, and carries a transform that compiles. (Which plugins exist is the
 * service's business: it refuses an unknown plugin when a cycle uses the template.)
 */
import { compileExpression, ExpressionSyntaxError, recursiveFunctions, selfApplications } from '../engine/expression.ts'
import type { Form, Workflow } from '../generated/types.ts'
import { joinPointer } from '../json/json-pointer.ts'
import type { ProblemList } from './problems.ts'
import { didYouMean } from '../json/suggest.ts'

const F = 'workflow.json'

export function lintBindings(wf: Workflow, forms: Record<string, Form>, problems: ProblemList): void {
  for (const [name, t] of Object.entries(wf.bindings ?? {})) {
    const at = joinPointer('/bindings', name)
    const form = forms[t.form]
    if (!form) {
      problems.error(F, joinPointer(at, 'form'), `no form '${t.form}'${didYouMean(t.form, new Set(Object.keys(forms)))}`)
      continue
    }
    const props = new Set(Object.keys(form.properties))
    for (const [field, prop] of Object.entries(t.mapping ?? {})) {
      if (!props.has(prop)) problems.error(F, joinPointer(at, 'mapping', field), `form '${t.form}' has no property '${prop}'${didYouMean(prop, props)}`)
    }
    for (const prop of Object.keys(t.values ?? {})) {
      if (!props.has(prop)) problems.error(F, joinPointer(at, 'values', prop), `form '${t.form}' has no property '${prop}'${didYouMean(prop, props)}`, 'key')
    }
    if (t.transform !== undefined) {
      const pointer = joinPointer(at, 'transform')
      try {
        compileExpression(t.transform, { file: F, pointer })
        const recursive = recursiveFunctions(t.transform)
        if (recursive.length) problems.error(F, pointer, `recursive function $${recursive[0]}: use $map, $filter or $reduce instead`)
        const selfApplied = selfApplications(t.transform)[0]
        if (selfApplied) problems.error(F, pointer, `function applies its argument $${selfApplied.name} to itself: use $map, $filter or $reduce instead`)
      } catch (e) {
        if (!(e instanceof ExpressionSyntaxError)) throw e
        problems.error(F, pointer, e.message.replace(`${F} ${pointer}: `, ''))
      }
    }
  }
}
