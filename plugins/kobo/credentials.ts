/**
 * Kobo signs nothing (webhooks.md section 1): a REST Service can only send Basic auth and custom
 * headers. The binding's secret says which of them the hook must carry, as one or more parts
 * separated by spaces, all of which must match:
 *
 * - `user:password`: the Basic auth user and password typed in the REST Service;
 * - `header:X-Api-Key:<value>`: a custom header (name case-insensitive);
 * - a bare token without ':' (such as the `whs_...` secret kinerja generates): the `X-Api-Key` header.
 *
 * e.g. `kobo-hook:s3cret header:X-Api-Key:4f9c...` requires both. Custom headers are limited to
 * names whose values receipts redact (SECRET_HEADER_NAMES), so a secret is never stored.
 */
import { timingSafeEqual } from '../../src/util/crypto.ts'
import type { Delivery } from '../plugin.ts'

export const SECRET_HEADER_NAMES = ['x-api-key', 'api-key', 'x-auth-token', 'x-token', 'x-kinerja-token']

export type KoboCredential = { kind: 'basic'; userPass: string } | { kind: 'header'; name: string; value: string }

/** The credentials a secret asks for; undefined when the secret cannot be used. */
export function parseKoboSecret(secret: string): KoboCredential[] | undefined {
  const parts = secret.trim().split(/\s+/).filter((p) => p !== '')
  const out: KoboCredential[] = []
  for (const part of parts) {
    if (part.startsWith('header:')) {
      const rest = part.slice('header:'.length)
      const colon = rest.indexOf(':')
      const name = rest.slice(0, colon).toLowerCase()
      const value = rest.slice(colon + 1)
      if (colon < 0 || value === '' || !SECRET_HEADER_NAMES.includes(name)) return undefined
      out.push({ kind: 'header', name, value })
    } else if (part.includes(':')) {
      const colon = part.indexOf(':')
      if (colon === 0 || colon === part.length - 1) return undefined
      out.push({ kind: 'basic', userPass: part })
    } else {
      out.push({ kind: 'header', name: 'x-api-key', value: part })
    }
  }
  return out.length ? out : undefined
}

const binary = (bytes: Uint8Array): string => Array.from(bytes, (b) => String.fromCharCode(b)).join('')

/** The bytes of `Authorization: Basic <base64>`, as a binary string; undefined when malformed. */
function basicBytes(header: string | undefined): string | undefined {
  const match = /^basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i.exec(header ?? '')
  if (!match) return undefined
  try {
    return atob(match[1]!)
  } catch {
    return undefined
  }
}

function checkBasic(header: string | undefined, userPass: string): boolean {
  const sent = basicBytes(header) ?? ''
  // Kobo's sender (python-requests) encodes a str user and password as Latin-1; others use UTF-8.
  const utf8 = binary(new TextEncoder().encode(userPass))
  const latin1 = /^[\u0000-\u00ff]*$/.test(userPass) ? userPass : utf8
  const a = timingSafeEqual(sent, utf8)
  const b = timingSafeEqual(sent, latin1)
  return header !== undefined && (a || b)
}

export function verifyKoboCredentials(d: Delivery, secret: string): boolean {
  const wanted = parseKoboSecret(secret)
  if (!wanted) return false
  // Every part is checked, so the time taken does not reveal which one failed.
  let ok = true
  for (const c of wanted) {
    const pass = c.kind === 'basic' ? checkBasic(d.headers.authorization, c.userPass) : timingSafeEqual(d.headers[c.name] ?? '', c.value) && d.headers[c.name] !== undefined
    ok = pass && ok
  }
  return ok
}
