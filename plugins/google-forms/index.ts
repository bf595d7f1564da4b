/**
 * Google Forms has no webhook of its own: the Apps Script in apps-script.gs (bound to the form,
 * on an installable onFormSubmit trigger) POSTs each response. Authentication:
 * `X-Appraisal-Signature: sha256=<base64 HMAC-SHA256(secret, raw body)>`. Idempotency:
 * `responseId` (FormResponse.getId(), kept across edits); for the Sheets-bound variant the row.
 */
import { AppError } from '../../src/errors.ts'
import { parsePointer } from '../../src/json/json-pointer.ts'
import type { Delivery, Normalised, SourcePlugin } from '../plugin.ts'
import { answerName, normaliseFormResponse } from './form-response.ts'
import { idOf, peek, readBody, verifyBase64Hmac, type JsonObject } from '../shared/plugin-kit.ts'
import { normaliseSheetResponse, sheetKey } from './sheet-response.ts'

const SIGNATURE = 'x-appraisal-signature'

/** The question a pointer into the body is about, for error messages. */
function questionAt(root: JsonObject, pointer: string): string | undefined {
  const [top, index] = parsePointer(pointer)
  if (top === 'answers' && Array.isArray(root.answers) && index !== undefined) return answerName(root.answers[Number(index)])
  if (top === 'namedValues' && index !== undefined) return `"${index}"`
  return undefined
}

export const googleFormsPlugin: SourcePlugin = {
  name: 'google-forms',
  secretHeaders: [SIGNATURE],
  secretKind: 'hmac',

  authenticate(d: Delivery, secret: string) {
    return verifyBase64Hmac(secret, d.body, d.headers[SIGNATURE], 'sha256=')
  },

  idempotencyKey(d: Delivery) {
    const body = peek(d.text)
    if (!body) return undefined
    return body.source === 'google-sheets' ? sheetKey(body) : idOf(body.responseId)
  },

  normalise(d: Delivery): Normalised {
    const body = readBody(d.text, questionAt)
    if (body.schemaVersion !== undefined && body.schemaVersion !== 1) {
      throw new AppError('validation-failed', 'this kinerja reads schemaVersion 1 of the Apps Script body', {
        errors: [{ path: '/schemaVersion', message: `is ${JSON.stringify(body.schemaVersion)}; use plugins/google-forms/apps-script.gs from this kinerja version` }],
      })
    }
    if (body.source === 'google-sheets') return normaliseSheetResponse(body)
    if (body.source === undefined || body.source === 'google-forms') return normaliseFormResponse(body)
    throw new AppError('validation-failed', 'this hook expects a body from the kinerja Apps Script', {
      errors: [{ path: '/source', message: `is ${JSON.stringify(body.source)}; expected "google-forms" (or "google-sheets")` }],
    })
  },
}
