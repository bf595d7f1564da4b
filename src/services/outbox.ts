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
import { VersionConflict } from '../errors.ts'
import { linksForTasks } from './action-links.ts'

const PLUGINS: Record<string, OutboundPlugin> = { [webhookOutPlugin.name]: webhookOutPlugin }
const FIRST_PAUSE_MS = 60_000
const MAX_PAUSE_MS = 3_600_000
export const MAX_ATTEMPTS = 12

/**
 * The messages of one commit's effects, for the instance as that commit saves it (`instance.rev`
 * is the rev after the commit): the caller saves them in the instance with the change itself,
 * then `moveToOutbox` moves them.
 */
export async function messagesFor(deps: Deps, instance: Instance, effects: Effect[]): Promise<OutboxMessage[]> {
  if (effects.length === 0) return []
  const now = deps.clock.now().toISOString()
  // Everyone the appraisal now waits on for a decision gets their own signed link in the message.
  const links = await linksForTasks(deps, instance)
  return effects.map((effect, i) => {
    const base = { id: `msg_${instance.id}.${instance.rev}.${i}`, instance: instance.id, cycle: instance.cycle, office: instance.office, state: effect.state, status: 'pending' as const, attempts: 0, nextAttemptAt: now, createdAt: now }
    const message: OutboxMessage =
      effect.type === 'notify'
        ? { ...base, channel: effect.channel, kind: 'notify', to: effect.to, message: effect.message }
        : { ...base, channel: 'reminder', kind: 'remind', to: { roles: effect.roles, nip: instance.nip }, message: { state: effect.state, roles: effect.roles } }
    return links.length > 0 ? { ...message, links } : message
  })
}

/**
 * Moves the messages an instance holds into the outbox and takes them off the instance. Safe to
 * repeat (the outbox keeps the first message of an id), so the tick can finish what a crash cut.
 */
export async function moveToOutbox(deps: Deps, instance: Instance): Promise<void> {
  const held = instance.outbox ?? []
  if (held.length === 0) return
  for (const m of held) await deps.store.putOutbox(m)
  const moved = new Set(held.map((m) => m.id))
  for (let attempt = 1; attempt <= 8; attempt++) {
    const current = await deps.store.getInstance(instance.id)
    const left = (current?.outbox ?? []).filter((m) => !moved.has(m.id))
    if (!current || left.length === current.outbox?.length) return
    const { outbox: _, ...rest } = current
    try {
      await deps.store.commitInstance(left.length > 0 ? { ...rest, outbox: left } : rest, current.rev, [])
      return
    } catch (e) {
      if (!(e instanceof VersionConflict)) throw e
    }
  }
  // Still held after repeated races: the next tick moves them (putOutbox ignores repeats).
}

/** Sends what is due; never throws. Returns how many were sent. */
export async function deliverDue(deps: Deps, limit = 100): Promise<number> {
  const now = deps.clock.now()
  let sent = 0
  const closed = new Map<string, boolean>()
  for (const message of await deps.store.listOutboxDue(now.toISOString(), limit)) {
    // A reminder to answer in a cycle that has closed asks for what can no longer be given.
    if (message.kind === 'remind') {
      if (!closed.has(message.cycle)) closed.set(message.cycle, (await deps.store.getCycle(message.cycle))?.status === 'closed')
      if (closed.get(message.cycle)) {
        await deps.store.updateOutbox({ ...message, status: 'failed', lastError: 'not sent: the cycle closed before it went out' })
        continue
      }
    }
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
