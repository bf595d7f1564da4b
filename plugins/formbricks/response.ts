/**
 * A Formbricks webhook body `{webhookId, event, data: {id, createdAt, updatedAt, finished, data,
 * meta, contact, ...}}` to normalised answers. Fields come from `data.data`, keyed by question id
 * (and hidden field id), with values as Formbricks sent them (ratings and NPS numbers, choices
 * strings, multi-select arrays); a matrix `{row: column}` is also spread into `<id>.<row>`.
 * `meta`, `contact`, `variables`, `ttc` and `tags` are not answers and are ignored.
 *
 * Only `responseFinished` is a complete response. `responseCreated` and `responseUpdated` fire
 * while the respondent is still answering (one per question in a multi-page survey), so they are
 * returned with `partial: true`: the intake keeps them and never scores them.
 */
import { AppError } from '../../src/errors.ts'
import { joinPointer } from '../../src/json/json-pointer.ts'
import { FORBIDDEN_KEYS } from '../../src/json/parse-json.ts'
import type { Normalised } from '../plugin.ts'
import { parseStrictJson } from '../shared/strict-json.ts'

export const EVENTS = ['responseCreated', 'responseUpdated', 'responseFinished'] as const

const DATE_TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$/

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const invalid = (path: string, message: string) => new AppError('validation-failed', message, { errors: [{ path, message }] })

type Put = (name: string, value: unknown, path: string) => void

/** Puts the answer under `name`, then its members under `name.sub` / `name[i].sub`. Nulls are unanswered. */
function spread(name: string, value: unknown, path: string, put: Put): void {
  if (value !== null) put(name, value, path)
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) spread(`${name}.${k}`, v, joinPointer(path, k), put)
  } else if (Array.isArray(value) && value.some(isObject)) {
    value.forEach((v, i) => spread(`${name}[${i}]`, v, joinPointer(path, i), put))
  }
}

/** Flat fields of `data.data`; a name produced twice (a question id containing '.') is refused. */
export function fieldsOf(answers: Record<string, unknown>, base: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {}
  const from = new Map<string, string>()
  for (const [id, value] of Object.entries(answers)) {
    spread(id, value, joinPointer(base, id), (name, v, path) => {
      if (FORBIDDEN_KEYS.has(name)) throw invalid(path, `the field name '${name}' is not allowed; change the question id`)
      const first = from.get(name)
      if (first !== undefined) throw invalid(path, `the field name '${name}' is produced by both ${first} and ${path}; change one of the question ids`)
      from.set(name, path)
      fields[name] = v
    })
  }
  return fields
}

export function normaliseResponse(text: string): Normalised {
  const body = parseStrictJson(text)
  if (!isObject(body)) throw invalid('/', 'the body must be a Formbricks webhook object')
  const event = body.event
  // Formbricks' "Test endpoint" ping (see index.ts): nothing to score, answered 200.
  if (event === 'testEndpoint' && Object.keys(body).length === 1) return { fields: {}, partial: true }
  if (typeof event !== 'string' || !(EVENTS as readonly string[]).includes(event)) {
    throw invalid('/event', `must be one of ${EVENTS.join(', ')}`)
  }
  const response = body.data
  if (!isObject(response)) throw invalid('/data', 'the response object is missing')
  if (typeof response.id !== 'string' || response.id === '') throw invalid('/data/id', 'the response id is missing')
  const answers = response.data ?? {}
  if (!isObject(answers)) throw invalid('/data/data', 'must be an object of answers by question id')

  const at = response.updatedAt ?? response.createdAt
  const atPath = response.updatedAt !== undefined ? '/data/updatedAt' : '/data/createdAt'
  if (at !== undefined && (typeof at !== 'string' || !DATE_TIME.test(at) || Number.isNaN(Date.parse(at)))) {
    throw invalid(atPath, 'must be an ISO 8601 date-time such as 2026-03-04T02:14:09.877Z')
  }
  const finished = event === 'responseFinished' && response.finished !== false
  return {
    fields: fieldsOf(answers, '/data/data'),
    externalId: response.id,
    ...(typeof at === 'string' ? { submittedAt: at } : {}),
    ...(finished ? {} : { partial: true }),
  }
}
