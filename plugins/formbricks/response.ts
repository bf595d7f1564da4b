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
import type { Normalised } from '../plugin.ts'
import { parseStrictJson } from '../shared/strict-json.ts'
import { flattenAnswers } from '../shared/flatten-answers.ts'

export const EVENTS = ['responseCreated', 'responseUpdated', 'responseFinished'] as const

const DATE_TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$/

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const invalid = (path: string, message: string) => new AppError('validation-failed', message, { errors: [{ path, message }] })

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
    fields: flattenAnswers(answers, '/data/data', 'the question id'),
    externalId: response.id,
    ...(typeof at === 'string' ? { submittedAt: at } : {}),
    ...(finished ? {} : { partial: true }),
  }
}
