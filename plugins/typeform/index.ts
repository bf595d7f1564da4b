/**
 * Typeform webhooks. Authentication: `Typeform-Signature: sha256=<base64 HMAC-SHA256(secret, raw
 * body)>`. Idempotency: `form_response.token` (`event_id` names a delivery). A partial response
 * (`form_response_partial`, or no `submitted_at`) is marked partial: stored, never scored.
 * Typeform disables a webhook answered with 404 or 410; the intake never sends those.
 */
import { AppError, type FieldError } from '../../src/errors.ts'
import { parsePointer } from '../../src/json/json-pointer.ts'
import type { Delivery, Normalised, SourcePlugin } from '../plugin.ts'
import { answerName, typeformFields } from './answers.ts'
import { failIfAny, idOf, isObject, isoInstant, peek, readBody, verifyBase64Hmac, type JsonObject } from '../shared/plugin-kit.ts'

const SIGNATURE = 'typeform-signature'
const EVENTS = new Set(['form_response', 'form_response_partial'])

/** The question a pointer into the body is about, for error messages. */
function questionAt(root: JsonObject, pointer: string): string | undefined {
  const [top, list, key] = parsePointer(pointer)
  const response = isObject(root.form_response) ? root.form_response : undefined
  if (top !== 'form_response' || !response || key === undefined) return undefined
  if (list === 'answers' && Array.isArray(response.answers)) return answerName(response.answers[Number(key)])
  if (list === 'hidden') return `hidden field "${key}"`
  return undefined
}

export const typeformPlugin: SourcePlugin = {
  name: 'typeform',
  secretHeaders: [SIGNATURE],
  secretKind: 'hmac',

  authenticate(d: Delivery, secret: string) {
    return verifyBase64Hmac(secret, d.body, d.headers[SIGNATURE], 'sha256=')
  },

  idempotencyKey(d: Delivery) {
    const response = peek(d.text)?.form_response
    return isObject(response) ? idOf(response.token) : undefined
  },

  normalise(d: Delivery): Normalised {
    const body = readBody(d.text, questionAt)
    const event = body.event_type
    const response = body.form_response
    const problems: FieldError[] = []
    if (event !== undefined && !EVENTS.has(event as string)) problems.push({ path: '/event_type', message: `is ${JSON.stringify(event)}; expected "form_response" or "form_response_partial"` })
    if (!isObject(response)) problems.push({ path: '/form_response', message: 'must be the form_response object Typeform sends' })
    if (problems.length || !isObject(response)) throw new AppError('validation-failed', 'this is not a Typeform response webhook', { errors: problems })

    const errors: FieldError[] = []
    const { fields } = typeformFields(response, errors).resolve()
    const submittedAt = isoInstant(response.submitted_at)
    if (response.submitted_at !== undefined && response.submitted_at !== null && submittedAt === undefined) {
      errors.push({ path: '/form_response/submitted_at', message: 'must be an ISO 8601 time such as 2026-03-02T02:36:48Z' })
    }
    failIfAny(errors, 'the Typeform answers are not in the shape Typeform sends')
    const externalId = idOf(response.token)
    const partial = event === 'form_response_partial' || submittedAt === undefined
    return { fields, ...(externalId ? { externalId } : {}), ...(submittedAt ? { submittedAt } : {}), ...(partial ? { partial: true } : {}) }
  },
}
