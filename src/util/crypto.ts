/**
 * Hashing, HMAC and random tokens on Web Crypto, which Node 20 and Workers both provide. Where
 * the runtime hands out node:crypto without an import (process.getBuiltinModule: Node 20.16 and
 * later), hashes and HMACs use it instead: it answers at once, where each Web Crypto call is a
 * promise through the thread pool (measured here: 6 µs against 50 µs of CPU for a 3 KB body, and
 * a webhook delivery takes two hashes and often an HMAC).
 */
import type * as NodeCrypto from 'node:crypto'

const enc = new TextEncoder()

const nodeCrypto = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:crypto') as
  | typeof NodeCrypto
  | undefined

const hex = (buf: ArrayBuffer) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('')

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(data).digest('hex')
  const bytes = typeof data === 'string' ? enc.encode(data) : data
  return hex(await crypto.subtle.digest('SHA-256', bytes))
}

export async function hmacSha256(secret: string, data: string | Uint8Array): Promise<Uint8Array> {
  if (nodeCrypto) return new Uint8Array(nodeCrypto.createHmac('sha256', secret).update(data).digest())
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const bytes = typeof data === 'string' ? enc.encode(data) : data
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, bytes))
}

export async function hmacSha256Hex(secret: string, data: string | Uint8Array): Promise<string> {
  return hex((await hmacSha256(secret, data)).buffer as ArrayBuffer)
}

/** Compares two strings in time that depends only on their length (secrets, signatures). */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = enc.encode(a)
  const y = enc.encode(b)
  let diff = x.length ^ y.length
  const n = Math.max(x.length, y.length)
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0)
  return diff === 0
}

const ALPHABET = 'abcdefghijkmnopqrstuvwxyz23456789'

/** A random id like `cyc_h7k2m9q4x8zt`: short enough to type, unguessable enough to not collide. */
export function newId(prefix: string, length = 12): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length))
  let s = ''
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length]
  return `${prefix}_${s}`
}

/** A secret token (API key, webhook secret): 32 random bytes, base64url. */
export function newSecret(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  const b64 = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
  return `${prefix}_${b64}`
}
