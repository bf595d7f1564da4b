/**
 * The contract of an outbound plugin: how a stored message (a notify state's message or a
 * reminder) leaves kinerja. The outbox service stores every message before it calls `send`, and
 * retries on `retry: true`, so a plugin only sends once per call and says what happened.
 */
import type { OutboxMessage } from '../src/store/records.ts'

export interface ChannelConfig {
  name: string
  plugin: string
  url: string
  /** The secret that signs what goes out (from the environment). */
  secret: string
}

export interface OutboundPorts {
  fetch: (url: string, init: { method: string; headers: Record<string, string>; body: string }) => Promise<Response>
}

export type SendResult = { ok: true } | { ok: false; retry: boolean; error: string }

export interface OutboundPlugin {
  name: string
  send(message: OutboxMessage, channel: ChannelConfig, ports: OutboundPorts): Promise<SendResult>
}
