/**
 * SurveyJS `survey.data` (question name -> value) to flat fields. Every question appears under its
 * name as the page sent it (rating: number, checkbox/tagbox/ranking: array, text: string); answers
 * with structure are also spread so a binding can map their parts:
 *   matrix `{row: column}`                 -> `<question>.<row>`
 *   matrixdropdown / multipletext objects  -> `<question>.<row>.<column>`, `<question>.<item>`
 *   paneldynamic / matrixdynamic arrays    -> `<question>[i].<name>` (i from 0)
 * `null` means unanswered and is left out. A name produced twice (a question named `a.b` next to a
 * matrix `a` with row `b`) is refused rather than guessed.
 */
import { AppError } from '../../src/errors.ts'
import { joinPointer } from '../../src/json/json-pointer.ts'
import { FORBIDDEN_KEYS } from '../../src/json/parse-json.ts'

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const invalid = (path: string, message: string) => new AppError('validation-failed', message, { errors: [{ path, message }] })

type Put = (name: string, value: unknown, path: string) => void

function spread(name: string, value: unknown, path: string, put: Put): void {
  if (value !== null) put(name, value, path)
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) spread(`${name}.${k}`, v, joinPointer(path, k), put)
  } else if (Array.isArray(value) && value.some(isObject)) {
    value.forEach((v, i) => spread(`${name}[${i}]`, v, joinPointer(path, i), put))
  }
}

/** Flat fields of `data` (found at pointer `base` of the body). */
export function fieldsOfSurveyData(data: Record<string, unknown>, base: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {}
  const from = new Map<string, string>()
  for (const [question, value] of Object.entries(data)) {
    spread(question, value, joinPointer(base, question), (name, v, path) => {
      if (FORBIDDEN_KEYS.has(name)) throw invalid(path, `the field name '${name}' is not allowed; rename the question`)
      const first = from.get(name)
      if (first !== undefined) throw invalid(path, `the field name '${name}' is produced by both ${first} and ${path}; rename one of the questions`)
      from.set(name, path)
      fields[name] = v
    })
  }
  return fields
}
