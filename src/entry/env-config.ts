/**
 * Settings both entries read from their environment (Node's process.env, a Worker's env): the
 * outbound channels and the action links. One reading, so Node and Workers behave the same.
 */
import type { ChannelConfig } from '../../plugins/outbound.ts'
import type { LinkConfig } from '../services/action-links.ts'
import { systemClock, type Clock } from '../services/deps.ts'

type Env = Record<string, unknown>

const text = (env: Env, name: string): string | undefined => {
  const v = env[name]
  return typeof v === 'string' && v !== '' ? v : undefined
}

/** A notify state's channel `wa` is KINERJA_CHANNEL_WA_URL (+ _SECRET); reminders use `reminder`. */
export function channelsFrom(env: Env): (name: string) => ChannelConfig | undefined {
  return (name) => {
    const key = `KINERJA_CHANNEL_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`
    const url = text(env, `${key}_URL`)
    const secret = text(env, `${key}_SECRET`)
    return url && secret ? { name, plugin: 'webhook', url, secret } : undefined
  }
}

/** Signed links: KINERJA_LINK_SECRET (or `fallbackSecret`), KINERJA_PUBLIC_URL, KINERJA_LINK_DAYS. */
export function linksFrom(env: Env, fallbackSecret?: string): LinkConfig | undefined {
  const secret = text(env, 'KINERJA_LINK_SECRET') ?? fallbackSecret
  if (!secret) return undefined
  const days = Number(text(env, 'KINERJA_LINK_DAYS'))
  return { secret, baseUrl: text(env, 'KINERJA_PUBLIC_URL'), ttlDays: Number.isFinite(days) && days > 0 ? days : undefined }
}

/** Web origins allowed to post to the hooks from a browser (comma-separated). */
export const corsOriginsFrom = (env: Env): string[] => (text(env, 'KINERJA_CORS_ORIGINS') ?? '').split(',').map((o) => o.trim()).filter(Boolean)

/**
 * The service's clock: the system clock shifted by KINERJA_CLOCK_OFFSET_MS (default 0). For tests
 * and drills only (test/fault/clock.test.ts restarts a real server "after" a deadline); a value that
 * is not a whole number stops the start rather than run on a clock nobody meant.
 */
export function clockFrom(env: Env): Clock {
  const raw = text(env, 'KINERJA_CLOCK_OFFSET_MS')
  const offset = raw === undefined ? 0 : Number(raw)
  if (!Number.isSafeInteger(offset)) throw new Error(`KINERJA_CLOCK_OFFSET_MS must be a whole number of milliseconds, not ${JSON.stringify(raw)}`)
  return offset === 0 ? systemClock : { now: () => new Date(Date.now() + offset) }
}
