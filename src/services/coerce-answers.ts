/**
 * Brings answers to the types the form declares. Form builders disagree on types (Kobo, Google
 * Forms and Jotform send every answer as a string; Tally and Typeform send numbers), so a plain
 * decimal string becomes a number where the form wants one. Anything else is left as sent for ajv
 * to refuse with a field error: "4,5", "lima", 1e309 or an array never become a score.
 */
import type { Form } from '../generated/types.ts'

const INTEGER = /^[+-]?\d{1,15}$/
const DECIMAL = /^[+-]?\d{1,15}(\.\d{1,15})?$/
const IDENTITY = ['x-subject', 'x-rater']

export function coerceAnswers(form: Form, answers: Record<string, unknown>): Record<string, unknown> {
  const props = form.properties as Record<string, Record<string, unknown>>
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(answers)) {
    const prop = props[name]
    out[name] = prop ? coerce(prop, value) : value
  }
  return out
}

function coerce(prop: Record<string, unknown>, value: unknown): unknown {
  if (typeof value !== 'string') return value
  // A NIP typed with spaces ("1985 0312 2010 01 1 001") is still that NIP.
  if (IDENTITY.some((m) => prop[m] === true)) return value.replace(/\s+/g, '')
  const text = value.trim()
  if (prop.type === 'integer' && INTEGER.test(text)) return Number(text)
  if (prop.type === 'number' && DECIMAL.test(text)) return Number(text)
  if (prop.type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true'
  return value
}
