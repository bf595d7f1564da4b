/**
 * The ports the services and the HTTP app receive. Entries (src/entry/*) build them for their
 * runtime; tests pass a memory store and a fixed clock.
 */
import type { Store } from '../store/store.ts'
import type { PackageRegistry } from './package-registry.ts'
import type { PluginRegistry } from '../../plugins/registry.ts'
import type { ChannelConfig } from '../../plugins/outbound.ts'
import type { LinkConfig } from './action-links.ts'

export interface Clock {
  now(): Date
}

export interface Logger {
  info(message: string, data?: Record<string, unknown>): void
  warn(message: string, data?: Record<string, unknown>): void
  error(message: string, data?: Record<string, unknown>): void
}

export interface Deps {
  store: Store
  clock: Clock
  packages: PackageRegistry
  plugins: PluginRegistry
  logger: Logger
  /** Reads a secret by the name a binding references (an environment variable on Node). */
  secrets: (name: string) => string | undefined
  /** Largest webhook body accepted, in bytes (413 above it, before parsing). */
  maxBodyBytes?: number
  /** Largest body of any other request (a roster, a package), in bytes (413 above it). */
  maxAdminBodyBytes?: number
  /**
   * Web origins whose pages may post to the hooks from a browser (a SurveyJS page on the office's
   * site). Empty: no cross-origin posts.
   */
  corsOrigins?: string[]
  /** Outbound HTTP, for pulled sources (ODK Central). Absent: nothing is pulled. */
  fetch?: (url: string, init: { method?: string; headers: Record<string, string>; body?: string }) => Promise<Response>
  /**
   * Outbound channels by name (a notify state's `channel`; `reminder` for reminders). Absent or
   * unknown: the message is kept in the outbox as failed with the reason, and the workflow goes on.
   */
  channels?: (name: string) => ChannelConfig | undefined
  /** Per-person signed links (act without an API key). Absent: messages carry no links. */
  links?: LinkConfig
}

export const fixedClock = (iso: string): Clock & { set(iso: string): void; advance(ms: number): void } => {
  let t = new Date(iso).getTime()
  return {
    now: () => new Date(t),
    set: (v) => void (t = new Date(v).getTime()),
    advance: (ms) => void (t += ms),
  }
}

export const systemClock: Clock = { now: () => new Date() }

export const silentLogger: Logger = { info() {}, warn() {}, error() {} }
