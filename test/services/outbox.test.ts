/**
 * Outbound messages: stored before sending, sent by the tick through a signed webhook, retried
 * with growing pauses, never sent twice for one effect, and never in the way of the workflow.
 * The receiver is a real Hono app reached through the fetch port.
 */
import { createHmac } from 'node:crypto'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { instanceId } from '../../src/services/cycles.ts'
import { tick } from '../../src/services/instances.ts'
import { moveToOutbox } from '../../src/services/outbox.ts'
import { harness } from '../support/harness.ts'

const SECRET = 'rahasia-gateway-wa'
const DAY = 86_400_000

/** Answers each message's n-th delivery with answers[n] (then 200). */
function receiver(answers: number[]) {
  const got: { id: string; body: any; signed: boolean }[] = []
  const app = new Hono()
  app.post('/kirim', async (c) => {
    const raw = await c.req.text()
    const signed = c.req.header('x-kinerja-signature') === `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`
    got.push({ id: c.req.header('x-kinerja-message-id')!, body: JSON.parse(raw), signed })
    const nth = got.filter((g) => g.id === c.req.header('x-kinerja-message-id')).length - 1
    return c.text('', (answers[nth] ?? 200) as 200)
  })
  return { got, fetch: (url: string, init: { method?: string; headers: Record<string, string>; body?: string }) => Promise.resolve(app.request(url, init)) }
}

async function setup(answers: number[], withChannel = true) {
  const h = await harness()
  const r = receiver(answers)
  h.deps.fetch = r.fetch
  if (withChannel) h.deps.channels = (name) => (name === 'reminder' ? { name, plugin: 'webhook', url: 'http://gateway.local/kirim', secret: SECRET } : undefined)
  const cycle = await h.runningCycle()
  return { h, r, cycle }
}

describe('the outbox', () => {
  it('sends each reminder once, signed, retrying a receiver that fails with growing pauses', async () => {
    const { h, r, cycle } = await setup([503, 503])
    h.clock.advance(7 * DAY + 1000)
    await tick(h.deps)
    const pending = (await h.request('GET', `/cycles/${cycle}/outbox?status=pending`)).data.messages
    expect(pending.length).toBeGreaterThan(0)
    expect(pending[0]).toMatchObject({ kind: 'remind', channel: 'reminder', attempts: 1 })
    const id = pending[0].id
    // The next try waits a minute, the one after two.
    await tick(h.deps)
    expect(r.got.filter((g) => g.id === id)).toHaveLength(1)
    h.clock.advance(60_000)
    await tick(h.deps)
    h.clock.advance(120_000)
    await tick(h.deps)
    const mine = r.got.filter((g) => g.id === id)
    expect(mine).toHaveLength(3)
    expect(mine.every((g) => g.signed)).toBe(true)
    expect(mine[2]!.body).toMatchObject({ id, kind: 'remind', cycle, state: 'collect' })
    const sent = (await h.request('GET', `/cycles/${cycle}/outbox?status=sent`)).data.messages.find((m: any) => m.id === id)
    expect(sent).toMatchObject({ attempts: 3, status: 'sent' })
    // Nothing is sent again.
    h.clock.advance(DAY)
    await tick(h.deps)
    expect(r.got.filter((g) => g.id === id)).toHaveLength(3)
  })

  it('gives up at once on a receiver that refuses a message (4xx)', async () => {
    const { h, r, cycle } = await setup([400])
    h.clock.advance(7 * DAY + 1000)
    await tick(h.deps)
    h.clock.advance(DAY)
    await tick(h.deps)
    const failed = (await h.request('GET', `/cycles/${cycle}/outbox?status=failed`)).data.messages
    expect(failed.length).toBeGreaterThan(0)
    expect(failed[0]).toMatchObject({ attempts: 1, lastError: 'the receiver answered 400' })
    expect(new Set(r.got.map((g) => g.id)).size).toBe(r.got.length)
  })

  it('never holds up the workflow: with no channel the reminder is kept as failed and the deadline still moves on', async () => {
    const { h, cycle } = await setup([], false)
    h.clock.advance(8 * DAY)
    await tick(h.deps)
    h.clock.advance(7 * DAY)
    await tick(h.deps)
    const failed = (await h.request('GET', `/cycles/${cycle}/outbox?status=failed`)).data.messages
    expect(failed[0].lastError).toContain("no channel 'reminder'")
    const states = (await h.request('GET', `/cycles/${cycle}`)).data.byState
    expect(states.collect ?? 0).toBe(0)
  })

  it('drops the reminders still waiting when their cycle closes: nobody is asked for what no longer counts', async () => {
    const { h, r, cycle } = await setup([503])
    h.clock.advance(7 * DAY + 1000)
    await tick(h.deps)
    const waiting = (await h.request('GET', `/cycles/${cycle}/outbox?status=pending`)).data.messages
    expect(waiting.length).toBeGreaterThan(0)
    expect((await h.request('POST', `/cycles/${cycle}/close`, { json: { force: true } })).status).toBe(200)
    const tried = r.got.length
    h.clock.advance(60_000)
    await tick(h.deps)
    expect(r.got.length).toBe(tried)
    const failed = (await h.request('GET', `/cycles/${cycle}/outbox?status=failed`)).data.messages
    expect(failed.map((m: any) => m.id).sort()).toEqual(waiting.map((m: any) => m.id).sort())
    expect(failed.every((m: any) => m.lastError === 'not sent: the cycle closed before it went out')).toBe(true)
  })

  it('loses no message when the process dies between the commit and the outbox, and makes none twice', async () => {
    const { h, cycle } = await setup([])
    const everyone = (await h.store.listInstances(cycle)).length
    // The outbox write fails right after the reminders' commits, as a crash there would leave it.
    const putOutbox = h.store.putOutbox
    h.store.putOutbox = async () => {
      throw new Error('disk gone')
    }
    h.clock.advance(7 * DAY + 1000)
    await tick(h.deps)
    h.store.putOutbox = putOutbox
    expect(await h.store.listOutbox(cycle)).toEqual([])
    const held = (await h.store.listInstances(cycle)).map((i) => i.outbox ?? [])
    expect(held.every((m) => m.length === 1 && m[0]!.kind === 'remind')).toBe(true)

    // The next tick moves them; more ticks and a repeated move change nothing.
    await tick(h.deps)
    await tick(h.deps)
    const stale = held[0]![0]!
    await moveToOutbox(h.deps, { ...(await h.store.getInstance(stale.instance))!, outbox: [stale] })
    const messages = await h.store.listOutbox(cycle)
    expect(messages).toHaveLength(everyone)
    expect(new Set(messages.map((m) => m.id)).size).toBe(everyone)
    expect((await h.store.listInstances(cycle)).every((i) => i.outbox === undefined)).toBe(true)
  })
})
