/**
 * Formbricks source. Signed with Standard Webhooks (the binding's secret is the `whsec_...` secret
 * Formbricks shows for the webhook); see standard-webhooks.ts. Idempotency: `data.id` + `event`,
 * because one response sends up to three events and Formbricks re-sends all of an environment's
 * webhooks when any one of them fails. Fields and the partial rule: see response.ts. The one
 * unsigned body let through is Formbricks' fixed "Test endpoint" ping (TEST_PING below).
 */
import type { Delivery, Normalised, SourcePlugin } from '../plugin.ts'
import { normaliseResponse } from './response.ts'
import { verifyStandardWebhook } from './standard-webhooks.ts'

/**
 * The exact body of Formbricks' "Test endpoint" ping. Formbricks will not save a webhook unless
 * the ping gets a 2xx, and it generates the signing secret on that ping and shows it only
 * afterwards, so kinerja cannot know the secret yet. These fixed bytes carry no answers; they are
 * let through and end as one deduplicated partial receipt that is never scored.
 */
export const TEST_PING = '{"event":"testEndpoint"}'

export const formbricksPlugin: SourcePlugin = {
  name: 'formbricks',
  secretKind: 'standard-webhooks',
  secretHeaders: ['webhook-signature'],

  async authenticate(d: Delivery, secret: string) {
    if (d.text === TEST_PING) return true
    return verifyStandardWebhook(
      { id: d.headers['webhook-id'], timestamp: d.headers['webhook-timestamp'], signature: d.headers['webhook-signature'], body: d.body, receivedAt: d.receivedAt },
      secret,
    )
  },

  idempotencyKey(d: Delivery) {
    try {
      const body = JSON.parse(d.text)
      const id = body?.data?.id
      const event = body?.event
      // Bounded, so a hostile body cannot make a huge receipt key.
      if (typeof id !== 'string' || id === '' || id.length > 128) return undefined
      return typeof event === 'string' && /^[A-Za-z]{1,64}$/.test(event) ? `${id}:${event}` : id
    } catch {
      return undefined
    }
  },

  normalise(d: Delivery): Normalised {
    return normaliseResponse(d.text)
  },
}
