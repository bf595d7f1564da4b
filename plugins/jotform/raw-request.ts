/**
 * Jotform's answers: the `rawRequest` part, a JSON object (PHP json_encode) keyed `q<n>_<name>`.
 * Each answer becomes a field under its full key and under the bare `<name>` the HR officer sets
 * as the question's "unique name". Full names become "first last", dates `YYYY-MM-DD`; other
 * objects are also spread into `<name>.<sub>`. Scales stay strings and checkboxes arrays, as sent:
 * the intake coerces them to the form's types. Never read the `pretty` part: `Label:Value, ...`
 * cannot be split when an answer contains ':' or ', '.
 */
import { AppError } from '../../src/errors.ts'
import { joinPointer } from '../../src/json/json-pointer.ts'
import { FORBIDDEN_KEYS } from '../../src/json/parse-json.ts'
import { parseStrictJson } from '../shared/strict-json.ts'

/** Keys of Jotform's own bookkeeping, never answers. */
export const BOOKKEEPING_KEYS: ReadonlySet<string> = new Set([
  'slug', 'jsExecutionTracker', 'submitSource', 'buildDate', 'uploadServerUrl', 'eventObserver', 'timeToSubmit',
  'validatedNewRequiredFieldIDs', 'path', 'event_id', 'temp_upload', 'file_server',
])

const QUESTION_KEY = /^q([0-9]+)_(.+)$/
const NAME_PARTS = ['prefix', 'first', 'middle', 'last', 'suffix']
const BASE = '/rawRequest'

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const invalid = (path: string, message: string) => new AppError('validation-failed', message, { errors: [{ path, message }] })

/** A `control_fullname` answer: only name parts, all text. */
const isFullName = (v: Record<string, unknown>) => {
  const keys = Object.keys(v)
  return keys.length > 0 && keys.every((k) => NAME_PARTS.includes(k) && typeof v[k] === 'string') && ('first' in v || 'last' in v)
}

/** A `control_datetime` answer: {day, month, year} (time parts, when present, are spread as usual). */
const isDate = (v: Record<string, unknown>) => ['day', 'month', 'year'].every((k) => typeof v[k] === 'string')

/** `YYYY-MM-DD` of a Jotform date; undefined when left empty; AppError when not a real date. */
export function jotformDate(v: Record<string, unknown>, path: string): string | undefined {
  const [day, month, year] = [v.day, v.month, v.year].map((x) => String(x).trim())
  if (!day && !month && !year) return undefined
  if (!/^[0-9]{1,2}$/.test(day!) || !/^[0-9]{1,2}$/.test(month!) || !/^[0-9]{4}$/.test(year!)) {
    throw invalid(path, `'${year}-${month}-${day}' is not a complete date (day, month and year are needed)`)
  }
  const iso = `${year}-${month!.padStart(2, '0')}-${day!.padStart(2, '0')}`
  const d = new Date(`${iso}T00:00:00Z`)
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso) throw invalid(path, `${iso} is not a date in the calendar`)
  return iso
}

/** The value a question shows under its own name. */
function ownValue(value: unknown, path: string): unknown {
  if (!isObject(value)) return value
  if (isFullName(value)) return NAME_PARTS.map((k) => value[k]).filter((s) => typeof s === 'string' && s.trim() !== '').join(' ')
  if (isDate(value)) return jotformDate(value, path)
  return value
}

type Put = (name: string, value: unknown, path: string) => void

/** Puts the answer under `name`, then its members under `name.sub` / `name[i].sub`. Nulls are unanswered. */
function spread(name: string, value: unknown, path: string, put: Put): void {
  const own = ownValue(value, path)
  if (own !== undefined && own !== null) put(name, own, path)
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) spread(`${name}.${k}`, v, joinPointer(path, k), put)
  } else if (Array.isArray(value) && value.some(isObject)) {
    value.forEach((v, i) => spread(`${name}[${i}]`, v, joinPointer(path, i), put))
  }
}

/** Parses the rawRequest text and returns the flat fields. */
export function fieldsFromRawRequest(text: string): Record<string, unknown> {
  const raw = parseStrictJson(text, BASE, 'the rawRequest part')
  if (!isObject(raw)) throw invalid(BASE, 'rawRequest must be a JSON object of answers')
  const fields: Record<string, unknown> = {}
  const from = new Map<string, string>()
  const put: Put = (name, value, path) => {
    // A field named __proto__ would set the prototype of the intake's mapped object.
    if (FORBIDDEN_KEYS.has(name)) throw invalid(path, `the field name '${name}' is not allowed; rename the question`)
    const first = from.get(name)
    if (first !== undefined) throw invalid(path, `the field name '${name}' is produced by both ${first} and ${path}; rename one of the questions`)
    from.set(name, path)
    fields[name] = value
  }

  const answers = Object.entries(raw).filter(([k]) => !BOOKKEEPING_KEYS.has(k))
  // Bare keys other than q<n>_ ones (Jotform repeats uploads there as URL lists) win over the alias.
  const bare = new Set(answers.filter(([k]) => !QUESTION_KEY.test(k)).map(([k]) => k))
  const aliasOf = new Map<string, string>()
  for (const [key] of answers) {
    const name = QUESTION_KEY.exec(key)?.[2]
    if (name === undefined) continue
    const other = aliasOf.get(name)
    if (other !== undefined) throw invalid(joinPointer(BASE, key), `'${other}' and '${key}' have the same unique name '${name}'; Jotform keeps unique names unique, so this body was not made by Jotform`)
    aliasOf.set(name, key)
  }

  for (const [key, value] of answers) {
    const path = joinPointer(BASE, key)
    spread(key, value, path, put)
    const name = QUESTION_KEY.exec(key)?.[2]
    if (name !== undefined && !bare.has(name)) spread(name, value, path, put)
  }
  return fields
}
