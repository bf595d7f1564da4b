/**
 * Jotform source. The webhook is `multipart/form-data`; the answers are in its `rawRequest` part
 * (see raw-request.ts for the field names). Jotform cannot sign, so the binding's secret is a
 * high-entropy token in the hook URL (`https://<server>/hooks/<binding>?token=<secret>`), which
 * Jotform also echoes in the body: `redactBody` blanks it. Idempotency: the `submissionID` part.
 * Jotform sends no submission time; the intake's receipt time stands in for it.
 */
import { AppError } from '../../src/errors.ts'
import type { Delivery, Normalised, SourcePlugin } from '../plugin.ts'
import { parseMultipart } from './multipart.ts'
import { fieldsFromRawRequest } from './raw-request.ts'
import { redactToken, urlTokenMatches } from './url-token.ts'

const SUBMISSION_ID = /^[0-9A-Za-z_-]{1,64}$/
/** The submissionID part, read leniently (before the strict parse). */
const SUBMISSION_ID_PART = /;\s*name="submissionID"[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n([^\r\n]+)\r?\n/

export const jotformPlugin: SourcePlugin = {
  name: 'jotform',
  secretKind: 'url-token',
  // The token travels in the URL, not in a header; the receipt stores no URL.
  secretHeaders: [],

  async authenticate(d: Delivery, secret: string) {
    return urlTokenMatches(d.url, secret)
  },

  idempotencyKey(d: Delivery) {
    const id = SUBMISSION_ID_PART.exec(d.text)?.[1]
    return id !== undefined && SUBMISSION_ID.test(id) ? id : undefined
  },

  normalise(d: Delivery): Normalised {
    const parts = parseMultipart(d.text, d.headers['content-type'])
    const raw = parts.get('rawRequest')
    if (raw === undefined) {
      throw new AppError('validation-failed', 'the rawRequest part with the answers is missing', { errors: [{ path: '/rawRequest', message: 'required: Jotform sends the answers in this part' }] })
    }
    const fields = fieldsFromRawRequest(raw.value)
    const id = parts.get('submissionID')?.value
    if (id !== undefined && id !== '' && !SUBMISSION_ID.test(id)) {
      throw new AppError('validation-failed', 'the submissionID part is not a Jotform submission id', { errors: [{ path: '/submissionID', message: 'must be letters and digits, at most 64' }] })
    }
    return { fields, ...(id ? { externalId: id } : {}) }
  },

  redactBody(text: string, secret: string) {
    return redactToken(text, secret)
  },
}
