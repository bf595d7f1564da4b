/**
 * Jotform cannot sign or send a header, so the hook URL carries a high-entropy token
 * (`?token=<secret>`), compared in constant time. Jotform echoes the whole URL back in the
 * `webhookURL` part of every body, so the token must be blanked wherever it appears before a body
 * is listed or logged.
 */
import { timingSafeEqual } from '../../src/util/crypto.ts'

export const REDACTED = '[redacted]'

/** True when the URL has exactly one `token` query parameter and it equals the secret. */
export function urlTokenMatches(url: string, secret: string): boolean {
  if (secret === '') return false
  let tokens: string[]
  try {
    tokens = new URL(url).searchParams.getAll('token')
  } catch {
    return false
  }
  // Two tokens: which one a proxy or a log keeps is anyone's guess, so neither counts.
  return tokens.length === 1 && timingSafeEqual(tokens[0]!, secret)
}

/**
 * Replaces the secret (as written, URL-encoded, or with PHP's `\/` escaping) and the value of any
 * `token=` query parameter, so a body echoing an earlier secret is blanked too.
 */
export function redactToken(text: string, secret: string): string {
  let out = text
  if (secret !== '') {
    const forms = new Set([secret, encodeURIComponent(secret), secret.replace(/\//g, '\\/')])
    for (const form of forms) out = out.split(form).join(REDACTED)
  }
  return out.replace(/([?&]token=)(?!\[redacted\])[^&#\s"'<>\\]+/gi, `$1${REDACTED}`)
}
