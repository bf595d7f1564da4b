/**
 * Per-person signed links: a token that says "this NIP, for this appraisal, until then", signed
 * with the server's link secret (HMAC-SHA256). A notify or reminder message carries one per person
 * who must act, so a supervisor or an employee acts from WhatsApp or e-mail without an API key.
 * The link proves who the person is; the workflow still decides what they may do (the review
 * state's actor), so a link that outlives its state can do nothing the person could not do anyway.
 * A 'report' link only opens the employee's own report (GET /instances/{id}/report?link=...).
 */
import { AppError } from '../errors.ts'
import type { Instance } from '../store/records.ts'
import { hmacSha256, timingSafeEqual } from '../util/crypto.ts'
import type { Deps } from './deps.ts'

export interface LinkConfig {
  /** The signing secret (KINERJA_LINK_SECRET on Node); never stored in the repository. */
  secret: string
  /** Where people reach the service, e.g. https://kinerja.plaju.go.id; links are paths without it. */
  baseUrl?: string
  /** How long a link works. Default 30 days. */
  ttlDays?: number
}

/** 'act': take the actions the workflow offers; 'report': read one's own report. */
export type LinkPurpose = 'act' | 'report'

export interface LinkClaims {
  instance: string
  nip: string
  purpose: LinkPurpose
  /** Expiry, ISO time. */
  expiresAt: string
}

export interface PersonLink {
  nip: string
  url: string
  expiresAt: string
}

const DAY_MS = 86_400_000
const VERSION = 'v1'

const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

function fromB64url(s: string): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)))
  } catch {
    return null
  }
}

function config(deps: Deps): LinkConfig {
  if (!deps.links) throw new AppError('not-found', 'signed links are off on this server: set KINERJA_LINK_SECRET')
  return deps.links
}

async function sign(secret: string, payload: string): Promise<string> {
  return b64url(await hmacSha256(secret, `${VERSION}.${payload}`))
}

/** A signed token for `nip` on `instance`, valid from now for the configured days. */
export async function createLink(deps: Deps, instance: string, nip: string, purpose: LinkPurpose = 'act'): Promise<PersonLink> {
  const cfg = config(deps)
  const expiresAt = new Date(deps.clock.now().getTime() + (cfg.ttlDays ?? 30) * DAY_MS).toISOString()
  const payload = b64url(new TextEncoder().encode(JSON.stringify({ i: instance, n: nip, p: purpose, e: expiresAt })))
  const token = `${VERSION}.${payload}.${await sign(cfg.secret, payload)}`
  const path = purpose === 'report' ? `/instances/${encodeURIComponent(instance)}/report?link=${token}` : `/act/${token}`
  return { nip, url: `${cfg.baseUrl?.replace(/\/+$/, '') ?? ''}${path}`, expiresAt }
}

/**
 * The claims of a genuine, unexpired token for `purpose` (or one of several); 401 otherwise (never
 * says which part failed).
 */
export async function verifyLink(deps: Deps, token: string, purpose: LinkPurpose | readonly LinkPurpose[] = 'act'): Promise<LinkClaims> {
  const purposes: readonly unknown[] = typeof purpose === 'string' ? [purpose] : purpose
  const cfg = config(deps)
  const invalid = new AppError('unauthorized', 'this link is not valid: ask for a new one')
  const [version, payload, signature, ...rest] = token.split('.')
  if (version !== VERSION || !payload || !signature || rest.length > 0 || token.length > 2048) throw invalid
  if (!timingSafeEqual(signature, await sign(cfg.secret, payload))) throw invalid
  const json = fromB64url(payload)
  let claims: { i?: unknown; n?: unknown; p?: unknown; e?: unknown }
  try {
    claims = JSON.parse(json ?? '')
  } catch {
    throw invalid
  }
  if (typeof claims.i !== 'string' || typeof claims.n !== 'string' || !purposes.includes(claims.p) || typeof claims.e !== 'string') throw invalid
  if (claims.e <= deps.clock.now().toISOString()) throw new AppError('unauthorized', `this link expired at ${claims.e}: ask for a new one`)
  return { instance: claims.i, nip: claims.n, purpose: claims.p as LinkPurpose, expiresAt: claims.e }
}

/**
 * Links for everyone a review state waits on (the people its tasks name), for a message about
 * the instance. Empty when links are off or nobody named must act (collect states are answered in
 * the form builders, not here).
 */
export async function linksForTasks(deps: Deps, instance: Instance): Promise<(PersonLink & { state: string; actions: string[] })[]> {
  if (!deps.links) return []
  const out: (PersonLink & { state: string; actions: string[] })[] = []
  for (const task of instance.tasks) {
    if (!task.actions || !task.who) continue
    for (const nip of task.who) out.push({ ...(await createLink(deps, instance.id, nip)), state: task.state, actions: task.actions })
  }
  return out
}
