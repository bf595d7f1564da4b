/**
 * SurveyJS source. SurveyJS is a browser library: the page itself POSTs `survey.data` in our
 * envelope (envelope.ts), so there is nothing a server could sign. The binding's secret is a token
 * the page sends in `X-Kinerja-Token`, compared in constant time. Anyone who can open the page can
 * read that token, so it only says "this came from our survey page": serve the page behind
 * per-rater links or a login, or post through a proxy that adds the token, and rate-limit it
 * (README.md). Idempotency: the envelope's `clientSubmissionId`.
 */
import { timingSafeEqual } from '../../src/util/crypto.ts'
import type { Delivery, Normalised, SourcePlugin } from '../plugin.ts'
import { normaliseEnvelope, SUBMISSION_ID } from './envelope.ts'

export const TOKEN_HEADER = 'x-kinerja-token'

export const surveyjsPlugin: SourcePlugin = {
  name: 'surveyjs',
  secretKind: 'token',
  secretHeaders: [TOKEN_HEADER],

  async authenticate(d: Delivery, secret: string) {
    const token = d.headers[TOKEN_HEADER]
    return secret !== '' && token !== undefined && timingSafeEqual(token, secret)
  },

  idempotencyKey(d: Delivery) {
    try {
      const id = JSON.parse(d.text)?.clientSubmissionId
      // An id the strict parse would refuse is no key either (nor a megabyte-long receipt key).
      return typeof id === 'string' && SUBMISSION_ID.test(id) ? id : undefined
    } catch {
      return undefined
    }
  },

  normalise(d: Delivery): Normalised {
    return normaliseEnvelope(d.text)
  },
}
