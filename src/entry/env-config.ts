/**
 * Settings both entries read from their environment (Node's process.env, a Worker's env): the
 * outbound channels and the action links. One reading, so Node and Workers behave the same.
 */
import type { ChannelConfig } from '../../plugins/outbound.ts'
import type { LinkConfig } from '../services/action-links.ts'

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
