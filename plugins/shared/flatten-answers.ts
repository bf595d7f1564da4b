/**
 * Flattens a builder's answers object into fields: each answer under its own name, then its
 * members under `name.sub` (a matrix row) and `name[i].sub` (a dynamic panel). Nulls are unanswered.
 * A name produced twice (a question id containing '.') is refused rather than guessed.
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

/**
 * `answers` sits at pointer `base` of the body; `fix` tells HR what to rename in their builder
 * ("the question id", "the question").
 */
export function flattenAnswers(answers: Record<string, unknown>, base: string, fix: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {}
  const from = new Map<string, string>()
  for (const [question, value] of Object.entries(answers)) {
    spread(question, value, joinPointer(base, question), (name, v, path) => {
      if (FORBIDDEN_KEYS.has(name)) throw invalid(path, `the field name '${name}' is not allowed; change ${fix}`)
      const first = from.get(name)
      if (first !== undefined) throw invalid(path, `the field name '${name}' is produced by both ${first} and ${path}; change one of them (${fix})`)
      from.set(name, path)
      fields[name] = v
    })
  }
  return fields
}
