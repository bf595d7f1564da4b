/**
 * The outbox: every message an appraisal sends (a notify state, a reminder) is stored before it
 * is sent, sent by the tick, retried with growing pauses, and never sent twice for one effect (its
 * id comes from the instance, the commit and the effect's place in it). A receiver that is down
 * delays its messages; it never holds up the workflow.
 */
import type { Effect } from '../engine/types.ts'
import { webhookOutPlugin } from '../../plugins/webhook-out/index.ts'
import type { OutboundPlugin } from '../../plugins/outbound.ts'
import type { Instance, OutboxMessage } from '../store/records.ts'
import type { Deps } from './deps.ts'
import { linksForTasks } from './action-links.ts'

const PLUGINS: Record<string, OutboundPlugin> = { [webhookOutPlugin.name]: webhookOutPlugin }
const FIRST_PAUSE_MS = 60_000
const MAX_PAUSE_MS = 3_600_000
export const MAX_ATTEMPTS = 12

/** Stores the messages of one commit's effects (idempotent: a repeat of the same commit adds none). */
export async function enqueueEffects(deps: Deps, instance: Instance, effects: Effect[]): Promise<void> {
  if (effects.length === 0) return
  const now = deps.clock.now().toISOString()
  // Everyone the appraisal now waits on for a decision gets their own signed link in the message.
  const links = await linksForTasks(deps, instance)
  for (const [i, effect] of effects.entries()) {
    const base = { instance: instance.id, cycle: instance.cycle, office: instance.office, state: effect.state, status: 'pending' as const, attempts: 0, nextAttemptAt: now, createdAt: now }
    const message: OutboxMessage =
      effect.type === 'notify'
        ? { ...base, id: `msg_${instance.id}.${instance.rev}.${i}`, channel: effect.channel, kind: 'notify', to: effect.to, message: effect.message }
        : { ...base, id: `msg_${instance.id}.${instance.rev}.${i}`, channel: 'reminder', kind: 'remind', to: { roles: effect.roles, nip: instance.nip }, message: { state: effect.state, roles: effect.roles } }
    await deps.store.putOutbox(links.length > 0 ? { ...message, links } : message)
  }
}

/** Sends what is due; never throws. Returns how many were sent. */
export async function deliverDue(deps: Deps, limit = 100): Promise<number> {
  const now = deps.clock.now()
  let sent = 0
  for (const message of await deps.store.listOutboxDue(now.toISOString(), limit)) {
    const channel = deps.channels?.(message.channel)
    const plugin = channel ? PLUGINS[channel.plugin] : undefined
    const attempts = message.attempts + 1
    if (!channel || !plugin || !deps.fetch) {
      const why = !channel ? `no channel '${message.channel}' is configured` : !plugin ? `unknown outbound plugin '${channel.plugin}'` : 'outbound HTTP is off'
      await deps.store.updateOutbox({ ...message, status: 'failed', attempts, lastError: why })
      continue
    }
    const result = await plugin.send(message, channel, { fetch: (url, init) => deps.fetch!(url, init) }).catch((e) => ({ ok: false as const, retry: true, error: String(e) }))
    if (result.ok) {
      await deps.store.updateOutbox({ ...message, status: 'sent', attempts, sentAt: now.toISOString() })
      sent++
    } else {
      const giveUp = !result.retry || attempts >= MAX_ATTEMPTS
      const pause = Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS * 2 ** (attempts - 1))
      await deps.store.updateOutbox({ ...message, status: giveUp ? 'failed' : 'pending', attempts, lastError: result.error, nextAttemptAt: new Date(now.getTime() + pause).toISOString() })
      deps.logger.warn('outbound message not delivered', { message: message.id, channel: message.channel, attempts, giveUp, error: result.error })
    }
  }
  return sent
}
