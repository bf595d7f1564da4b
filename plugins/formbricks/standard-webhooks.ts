/**
 * Standard Webhooks verification (https://www.standardwebhooks.com), as Formbricks signs:
 * `webhook-signature: v1,<base64 HMAC-SHA256>` over `${webhook-id}.${webhook-timestamp}.${body}`,
 * keyed with the base64-decoded part of the `whsec_...` secret. The timestamp (Unix seconds) must
 * be within 5 minutes of when the delivery arrived, so a captured request cannot be replayed later.
 * Web Crypto only (Workers too); never throws on bad input.
 */
import { timingSafeEqual } from '../../src/util/crypto.ts'

export const TOLERANCE_SECONDS = 5 * 60

export interface SignedMessage {
  id: string | undefined
  timestamp: string | undefined
  signature: string | undefined
  body: Uint8Array
  receivedAt: Date
}

/** The HMAC key of a `whsec_<base64>` secret (the prefix is optional, as in the reference libraries). */
export function secretKey(secret: string): Uint8Array | undefined {
  const b64 = secret.startsWith('whsec_') ? secret.slice(6) : secret
  if (b64 === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined
  try {
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
  } catch {
    return undefined
  }
}

async function sign(key: Uint8Array, content: Uint8Array): Promise<string> {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', k, content))
  let s = ''
  for (const b of mac) s += String.fromCharCode(b)
  return btoa(s)
}

/** The `webhook-signature` value for a message (used by tests and by senders we write ourselves). */
export async function standardWebhookSignature(secret: string, id: string, timestamp: string, body: Uint8Array): Promise<string | undefined> {
  const key = secretKey(secret)
  if (!key) return undefined
  const prefix = new TextEncoder().encode(`${id}.${timestamp}.`)
  const content = new Uint8Array(prefix.length + body.length)
  content.set(prefix)
  content.set(body, prefix.length)
  return `v1,${await sign(key, content)}`
}

/** True when one of the space-separated `v1,` signatures matches and the timestamp is fresh. */
export async function verifyStandardWebhook(m: SignedMessage, secret: string): Promise<boolean> {
  const { id, timestamp, signature } = m
  if (!id || !timestamp || !signature || !/^[0-9]{1,12}$/.test(timestamp)) return false
  const skew = Math.abs(m.receivedAt.getTime() / 1000 - Number(timestamp))
  if (!(skew <= TOLERANCE_SECONDS)) return false
  const expected = await standardWebhookSignature(secret, id, timestamp, m.body)
  if (expected === undefined) return false
  // Several signatures appear while a secret is rotated; other versions (v1a: asymmetric) are skipped.
  let ok = false
  for (const candidate of signature.split(' ')) {
    if (candidate.startsWith('v1,') && timingSafeEqual(candidate, expected)) ok = true
  }
  return ok
}
