/**
 * KoboToolbox REST Services (kpi hooks): the JSON export (default) and the XML export.
 * Authentication: Basic auth and/or a custom header (credentials.ts); Kobo signs nothing.
 * Idempotency: asset uid + `_id`, else `meta/rootUuid` (submission-identity.ts).
 * Fields: Kobo's XPaths plus aliases and array forms (answer-fields.ts). The setup guide for HR
 * is README.md beside this file.
 */
import type { Delivery, Normalised, SourcePlugin } from '../plugin.ts'
import { SECRET_HEADER_NAMES, verifyKoboCredentials } from './credentials.ts'
import { koboIdempotencyKey, normaliseKobo } from './normalise.ts'

export const koboPlugin: SourcePlugin = {
  name: 'kobo',
  secretHeaders: ['authorization', ...SECRET_HEADER_NAMES],
  secretKind: 'basic',

  async authenticate(d: Delivery, secret: string) {
    try {
      return verifyKoboCredentials(d, secret)
    } catch {
      return false
    }
  },

  idempotencyKey(d: Delivery) {
    return koboIdempotencyKey(d.text)
  },

  normalise(d: Delivery): Normalised {
    return normaliseKobo(d.text)
  },
}
