/**
 * The JSON envelope our guide asks a SurveyJS page to POST from `survey.onComplete`:
 *
 *   { "clientSubmissionId": "<crypto.randomUUID(), made once per completed survey>",
 *     "surveyId": "<which survey, free text>",            (optional)
 *     "completedAt": "<new Date().toISOString()>",         (optional)
 *     "partial": true,                                     (optional: onPartialSend saves)
 *     "data": survey.data }
 *
 * Anything else at the top level is refused, so a page sending the SurveyJS docs' own
 * `{postId, surveyResult}` learns at once which member to rename. The page is the sender and the
 * body is fully untrusted: it is parsed strictly like every other plugin's.
 */
import { AppError, type FieldError } from '../../src/errors.ts'
import type { Normalised } from '../plugin.ts'
import { parseStrictJson } from '../shared/strict-json.ts'
import { flattenAnswers } from '../shared/flatten-answers.ts'

export const ENVELOPE_MEMBERS = ['clientSubmissionId', 'surveyId', 'completedAt', 'partial', 'data'] as const

/** What a clientSubmissionId may look like (crypto.randomUUID() fits). */
export const SUBMISSION_ID = /^[0-9A-Za-z._:-]{1,128}$/
const DATE_TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$/
/** What pages send by mistake, and what they meant. */
const MEANT: Record<string, string> = { surveyResult: 'data', result: 'data', answers: 'data', postId: 'surveyId', id: 'clientSubmissionId' }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export function normaliseEnvelope(text: string): Normalised {
  const body = parseStrictJson(text)
  if (!isObject(body)) throw new AppError('validation-failed', 'the body must be a JSON object', { errors: [{ path: '/', message: 'must be an object: {"clientSubmissionId", "data", ...}' }] })
  const errors: FieldError[] = []
  for (const key of Object.keys(body)) {
    if ((ENVELOPE_MEMBERS as readonly string[]).includes(key)) continue
    const hint = MEANT[key] ? `: did you mean '${MEANT[key]}'?` : ''
    errors.push({ path: `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, message: `unknown member${hint} (expected ${ENVELOPE_MEMBERS.join(', ')})` })
  }
  const { clientSubmissionId: id, surveyId, completedAt, partial, data } = body
  if (id !== undefined && (typeof id !== 'string' || !SUBMISSION_ID.test(id))) errors.push({ path: '/clientSubmissionId', message: 'must be 1 to 128 letters, digits or ._:- (crypto.randomUUID() fits)' })
  if (surveyId !== undefined && typeof surveyId !== 'string') errors.push({ path: '/surveyId', message: 'must be a string' })
  if (completedAt !== undefined && (typeof completedAt !== 'string' || !DATE_TIME.test(completedAt) || Number.isNaN(Date.parse(completedAt)))) {
    errors.push({ path: '/completedAt', message: 'must be an ISO 8601 date-time such as 2026-03-05T03:22:18.640Z (new Date().toISOString())' })
  }
  if (partial !== undefined && typeof partial !== 'boolean') errors.push({ path: '/partial', message: 'must be true or false' })
  if (!isObject(data)) errors.push({ path: '/data', message: data === undefined ? 'required: send survey.data here' : 'must be an object (survey.data)' })
  if (errors.length || !isObject(data)) throw new AppError('validation-failed', 'the SurveyJS envelope is invalid', { errors })
  return {
    fields: flattenAnswers(data, '/data', 'the question name'),
    ...(typeof id === 'string' ? { externalId: id } : {}),
    ...(typeof completedAt === 'string' ? { submittedAt: completedAt } : {}),
    ...(partial === true ? { partial: true } : {}),
  }
}
