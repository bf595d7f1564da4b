/**
 * The contract of a source plugin: how one form builder authenticates its webhooks, where its
 * idempotency key is, and how its payload becomes flat `field -> value` answers. Plugins never
 * store anything; the intake service runs them in the order of DESIGN.md section 6.
 */

export interface Delivery {
  /** Header names lower-cased. */
  headers: Record<string, string>
  body: Uint8Array
  /** The body decoded as UTF-8. */
  text: string
  /** The full request URL (query tokens included: redact before showing). */
  url: string
  /** When it arrived (for timestamp tolerance checks; never read a clock in a plugin). */
  receivedAt: Date
}

export interface Normalised {
  /** Flat field -> typed value. */
  fields: Record<string, unknown>
  /** The builder's own id of this submission (stable across edits where the builder has one). */
  externalId?: string
  submittedAt?: string
  /** A partial response (Typeform): stored, never scored. */
  partial?: boolean
}

export interface SourcePlugin {
  name: string
  /** Verifies the delivery's credentials over the exact bytes, in constant time. */
  authenticate(delivery: Delivery, secret: string): Promise<boolean>
  /**
   * The builder's idempotency key, read leniently before strict parsing (the receipt is stored
   * before parsing). undefined: the body's hash is used.
   */
  idempotencyKey(delivery: Delivery): string | undefined
  /** Strict parse + normalise; throws AppError ('invalid-json' / 'validation-failed') naming the field. */
  normalise(delivery: Delivery): Normalised
  /** Header names whose values must never be stored or shown (secrets, tokens). */
  secretHeaders: string[]
  /**
   * Removes secrets that travel inside the body (e.g. Jotform echoes the hook URL with its token)
   * before a receipt is listed or logged. The stored receipt keeps the exact bytes for replay.
   */
  redactBody?(text: string, secret: string): string
  /** How the binding's secret is used, for the setup guide and error messages. */
  secretKind: 'hmac' | 'basic' | 'token' | 'standard-webhooks' | 'url-token' | 'none'
}
