/**
 * Tally.so webhooks. Authentication: `Tally-Signature: base64(HMAC-SHA256(signing secret, raw
 * body))`, no prefix and no timestamp. Idempotency: `data.submissionId`, else `data.responseId`
 * (2021-era payloads have no submissionId); `eventId` names a delivery, not a submission.
 */
import { AppError, type FieldError } from '../../src/errors.ts'
import { parsePointer } from '../../src/json/json-pointer.ts'
import type { Delivery, Normalised, SourcePlugin } from '../plugin.ts'
import { fieldName, tallyFields } from './fields.ts'
import { failIfAny, idOf, isObject, isoInstant, peek, readBody, verifyBase64Hmac, type JsonObject } from '../shared/plugin-kit.ts'

const SIGNATURE = 'tally-signature'

const submissionId = (data: unknown) => (isObject(data) ? (idOf(data.submissionId) ?? idOf(data.responseId)) : undefined)

/** The question a pointer into the body is about, for error messages. */
function questionAt(root: JsonObject, pointer: string): string | undefined {
  const [top, list, index] = parsePointer(pointer)
  const fields = isObject(root.data) ? root.data.fields : undefined
  return top === 'data' && list === 'fields' && Array.isArray(fields) && index !== undefined ? fieldName(fields[Number(index)]) : undefined
}

export const tallyPlugin: SourcePlugin = {
  name: 'tally',
  secretHeaders: [SIGNATURE],
  secretKind: 'hmac',

  authenticate(d: Delivery, secret: string) {
    return verifyBase64Hmac(secret, d.body, d.headers[SIGNATURE])
  },

  idempotencyKey(d: Delivery) {
    return submissionId(peek(d.text)?.data)
  },

  normalise(d: Delivery): Normalised {
    const body = readBody(d.text, questionAt)
    if (body.eventType !== undefined && body.eventType !== 'FORM_RESPONSE') {
      throw new AppError('validation-failed', 'this hook only takes Tally form responses', {
        errors: [{ path: '/eventType', message: `is ${JSON.stringify(body.eventType)}; expected "FORM_RESPONSE"` }],
      })
    }
    const data = body.data
    if (!isObject(data)) {
      throw new AppError('validation-failed', 'this is not a Tally webhook body', {
        errors: [{ path: '/data', message: 'must be the submission object Tally sends ({responseId, submissionId, fields, ...})' }],
      })
    }
    const errors: FieldError[] = []
    const { fields } = tallyFields(data.fields, errors).resolve()
    failIfAny(errors, 'the Tally answers are not in the shape Tally sends')
    const externalId = submissionId(data)
    const submittedAt = isoInstant(data.createdAt) ?? isoInstant(body.createdAt)
    return { fields, ...(externalId ? { externalId } : {}), ...(submittedAt ? { submittedAt } : {}) }
  },
}
