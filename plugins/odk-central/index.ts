/**
 * ODK Central (pull): a poller (odata.ts) reads new and edited submissions from Central's OData
 * feed with the binding's secret `email:password` as Basic auth, and hands each one to the intake
 * as a delivery whose body is that submission's JSON.
 *
 * Authentication: the hook URL of an ODK binding is as public as any other, so the intake still
 * authenticates each delivery. The poller signs the body with the binding's secret
 * (`X-Kinerja-Signature: sha256=<hex HMAC-SHA256>`, as the generic JSON plugin), which only holders
 * of the Central password can do; so a script an office runs next to Central may push the same way.
 * `secretKind` is 'basic' because what HR pastes is Central's Basic auth credential.
 * Idempotency: `__id`; an edit keeps it and changes the body, so it replaces the earlier answer.
 */
import { hmacSha256Hex, timingSafeEqual } from '../../src/util/crypto.ts'
import type { Delivery, Normalised, SourcePlugin } from '../plugin.ts'
import { normaliseOdkSubmission, odkIdempotencyKey } from './submission.ts'

const SIGNATURE = 'x-kinerja-signature'

/** The headers the poller sends with a submission body it hands to the intake. */
export async function signedDeliveryHeaders(secret: string, body: string | Uint8Array): Promise<Record<string, string>> {
  return { 'content-type': 'application/json', [SIGNATURE]: `sha256=${await hmacSha256Hex(secret, body)}` }
}

export const odkCentralPlugin: SourcePlugin = {
  name: 'odk-central',
  secretHeaders: [SIGNATURE, 'authorization'],
  secretKind: 'basic',

  async authenticate(d: Delivery, secret: string) {
    const signature = /^sha256=([0-9a-f]{64})$/i.exec(d.headers[SIGNATURE]?.trim() ?? '')?.[1]
    if (signature === undefined || secret === '') return false
    try {
      return timingSafeEqual(signature.toLowerCase(), await hmacSha256Hex(secret, d.body))
    } catch {
      return false
    }
  },

  idempotencyKey(d: Delivery) {
    return odkIdempotencyKey(d.text)
  },

  normalise(d: Delivery): Normalised {
    return normaliseOdkSubmission(d.text)
  },
}
