/**
 * Generic JSON source: any sender that can POST JSON. The body is either
 * `{ "id"?, "subject"?, "rater"?, "role"?, "answers": {...} }` or a flat object of fields.
 * Authentication: `X-Kinerja-Signature: sha256=<hex HMAC-SHA256 of the raw body>` or, for tools
 * that cannot sign, `X-Kinerja-Token: <secret>`. Idempotency: the `Idempotency-Key` header or `id`.
 */
import { AppError } from '../../src/errors.ts'
import { parseJson } from '../../src/json/parse-json.ts'
import { hmacSha256Hex, timingSafeEqual } from '../../src/util/crypto.ts'
import type { Delivery, Normalised, SourcePlugin } from '../plugin.ts'

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export const jsonPlugin: SourcePlugin = {
  name: 'json',
  secretHeaders: ['x-kinerja-token', 'x-kinerja-signature', 'authorization'],
  secretKind: 'hmac',

  async authenticate(d: Delivery, secret: string) {
    const sig = d.headers['x-kinerja-signature']
    if (sig) return timingSafeEqual(sig.replace(/^sha256=/, ''), await hmacSha256Hex(secret, d.body))
    const token = d.headers['x-kinerja-token']
    return token !== undefined && timingSafeEqual(token, secret)
  },

  idempotencyKey(d: Delivery) {
    const header = d.headers['idempotency-key']
    if (header) return header
    try {
      const id = JSON.parse(d.text)?.id
      return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined
    } catch {
      return undefined
    }
  },

  normalise(d: Delivery): Normalised {
    const parsed = parseJson(d.text)
    if (!parsed.ok) {
      throw new AppError('invalid-json', 'the body is not valid JSON', {
        errors: parsed.errors.map((e) => ({ path: e.pointer || '/', message: `${e.message} (line ${e.line}, column ${e.col})` })),
      })
    }
    if (parsed.unsafeNumbers.length) {
      throw new AppError('validation-failed', 'numbers too large to be exact (a NIP must be sent as a string)', {
        errors: parsed.unsafeNumbers.map((n) => ({ path: n.pointer, message: `${n.raw} loses digits as a number; send it as the string "${n.raw}"` })),
      })
    }
    const body = parsed.value
    if (!isObject(body)) throw new AppError('validation-failed', 'the body must be a JSON object', { errors: [{ path: '/', message: 'must be an object' }] })
    const { id, answers, submittedAt, ...identity } = body
    const fields = isObject(answers) ? { ...identity, ...answers } : { ...identity }
    return {
      fields,
      externalId: typeof id === 'string' || typeof id === 'number' ? String(id) : undefined,
      submittedAt: typeof submittedAt === 'string' ? submittedAt : undefined,
    }
  },
}
