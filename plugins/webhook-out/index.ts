/**
 * Signed outbound webhook: POSTs each message as JSON with `X-Kinerja-Signature: sha256=<hex
 * HMAC-SHA256 of the exact body>` and `X-Kinerja-Message-Id` (the same on every retry, so the
 * receiver can drop repeats). 2xx: delivered. 408, 429 and 5xx or no answer: try again later.
 * Any other 4xx: the receiver refuses it; it is not sent again.
 */
import { hmacSha256Hex } from '../../src/util/crypto.ts'
import type { OutboundPlugin } from '../outbound.ts'

export const webhookOutPlugin: OutboundPlugin = {
  name: 'webhook',
  async send(message, channel, ports) {
    const body = JSON.stringify({
      id: message.id,
      kind: message.kind,
      office: message.office,
      cycle: message.cycle,
      instance: message.instance,
      state: message.state,
      to: message.to,
      message: message.message,
      // One signed link per person who must decide, for the gateway to put in their message.
      ...(message.links ? { links: message.links } : {}),
      createdAt: message.createdAt,
    })
    const headers = {
      'content-type': 'application/json',
      'x-kinerja-message-id': message.id,
      'x-kinerja-signature': `sha256=${await hmacSha256Hex(channel.secret, body)}`,
    }
    try {
      const res = await ports.fetch(channel.url, { method: 'POST', headers, body })
      await res.arrayBuffer().catch(() => undefined)
      if (res.ok) return { ok: true }
      const retry = res.status === 408 || res.status === 429 || res.status >= 500
      return { ok: false, retry, error: `the receiver answered ${res.status}` }
    } catch (e) {
      return { ok: false, retry: true, error: `no answer: ${e instanceof Error ? e.message : String(e)}` }
    }
  },
}
