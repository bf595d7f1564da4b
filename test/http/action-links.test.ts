/**
 * Per-person signed links: a reminder carries one for each person the appraisal waits on, and that
 * person acts through it without an API key. A forged, altered or expired link is 401; a link of
 * someone who is not the named actor is 403 and the attempt is recorded.
 */
import { createHmac } from 'node:crypto'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { instanceId } from '../../src/services/cycles.ts'
import { applyEvent, tick } from '../../src/services/instances.ts'
import { harness, sampleSubmissions } from '../support/harness.ts'

const DAY = 86_400_000
const SECRET = 'rahasia-gateway'

/** One employee of a running cycle whose appraisal waits in the 14-day objection window. */
async function inObjection() {
  const h = await harness()
  const cycle = await h.runningCycle()
  const all = await sampleSubmissions()
  const subject = all.find((s) => s.role === 'peer')!.subject
  for (const [n, s] of all.filter((x) => x.subject === subject).entries()) {
    await applyEvent(h.deps, instanceId(cycle, subject), { type: 'submission', submission: { ...s, receipt: `r${n}`, receivedAt: h.clock.now().toISOString() } })
  }
  const roster = (await h.request('GET', `/cycles/${cycle}/roster`)).data.roster as any[]
  const employee = roster.find((e) => e.nip === subject)
  const id = instanceId(cycle, subject)
  let view = (await h.request('GET', `/instances/${id}`)).data
  if (view.state === 'discussion') view = (await h.request('POST', `/instances/${id}/actions/confirm`, { json: { actor: employee.supervisor } })).data
  expect(view.state).toBe('objection')
  return { h, cycle, id, employee }
}

/** The path of a link (the harness's links carry https://kinerja.test in front). */
const pathOf = (url: string) => new URL(url).pathname

describe('signed action links', () => {
  it('go out in the reminder, one per person who must decide, and let that person act without a key', async () => {
    const { h, cycle, id, employee } = await inObjection()
    const got: any[] = []
    const gateway = new Hono().post('/kirim', async (c) => {
      const raw = await c.req.text()
      expect(c.req.header('x-kinerja-signature')).toBe(`sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`)
      got.push(JSON.parse(raw))
      return c.text('ok')
    })
    h.deps.fetch = (url, init) => Promise.resolve(gateway.request(url, init))
    h.deps.channels = (name) => (name === 'reminder' ? { name, plugin: 'webhook', url: 'http://gateway.local/kirim', secret: SECRET } : undefined)

    // The objection window reminds the employee after 10 days.
    h.clock.advance(10 * DAY + 1000)
    await tick(h.deps)
    const reminder = got.find((m) => m.instance === id && m.kind === 'remind')
    expect(reminder.links).toEqual([{ nip: employee.nip, state: 'objection', actions: ['accept', 'object'], url: expect.stringMatching(/^https:\/\/kinerja\.test\/act\/v1\./), expiresAt: expect.any(String) }])
    // HR sees who got a link, never the link itself.
    const listed = (await h.request('GET', `/cycles/${cycle}/outbox`)).data.messages.find((m: any) => m.instance === id)
    expect(listed.links).toEqual([{ nip: employee.nip, state: 'objection', actions: ['accept', 'object'], expiresAt: reminder.links[0].expiresAt }])

    const link = pathOf(reminder.links[0].url)
    const opened = await h.request('GET', link, { key: null })
    expect(opened.status).toBe(200)
    expect(opened.data.you).toMatchObject({ nip: employee.nip, relation: 'employee' })
    expect(opened.data.actions.map((a: any) => a.name)).toEqual(['accept', 'object'])
    expect(opened.data.actions[1].input.required).toContain('reason')
    expect(opened.data.instance.vars.predikat).toEqual(expect.any(String))

    const invalid = await h.request('POST', `${link}/object`, { key: null, json: { input: { reason: 'x' } } })
    expect(invalid.status).toBe(422)
    expect(invalid.data.errors[0].path).toContain('reason')
    const objected = await h.request('POST', `${link}/object`, { key: null, json: { input: { reason: 'Tugas lapangan saya tidak diperhitungkan dalam penilaian.' } } })
    expect(objected.status).toBe(200)
    expect(objected.data.state).toBe('decision')
    const trail = (await h.request('GET', `/instances/${id}/events`)).data.events
    expect(trail.find((e: any) => e.type === 'action')).toMatchObject({ data: { action: 'object', actor: employee.nip, via: 'link' } })
    // The employee's link now opens a state that waits on the superior: nothing to do.
    expect((await h.request('GET', link, { key: null })).data.actions).toEqual([])
  })

  it("refuses a link's person who is not the actor with 403 and records the attempt", async () => {
    const { h, id, employee } = await inObjection()
    const made = await h.request('POST', `/instances/${id}/links`, { json: { nip: employee.supervisor } })
    expect(made.status).toBe(201)
    const link = pathOf(made.data.url)
    expect((await h.request('GET', link, { key: null })).data).toMatchObject({ you: { relation: 'supervisor' }, actions: [] })
    const res = await h.request('POST', `${link}/accept`, { key: null, json: {} })
    expect(res.status).toBe(403)
    expect(res.data.code).toBe('action-forbidden')
    const trail = (await h.request('GET', `/instances/${id}/events`)).data.events
    expect(trail.at(-1)).toMatchObject({ type: 'action-refused', data: { state: 'objection', action: 'accept', actor: employee.supervisor, via: 'link' } })
    expect((await h.request('GET', `/instances/${id}`)).data.state).toBe('objection')
  })

  it('shows someone outside the appraisal line only their tasks, not the results', async () => {
    const { h, id } = await inObjection()
    const stranger = '199912312020121001'
    const link = pathOf((await h.request('POST', `/instances/${id}/links`, { json: { nip: stranger } })).data.url)
    const opened = (await h.request('GET', link, { key: null })).data
    expect(opened.you.relation).toBe('other')
    expect(opened.instance.vars).toBeUndefined()
    expect(opened.instance.responses).toBeUndefined()
  })

  it('answers forged, altered, expired and malformed links with 401 problem+json, never more', async () => {
    const { h, id, employee } = await inObjection()
    const link = pathOf((await h.request('POST', `/instances/${id}/links`, { json: { nip: employee.nip } })).data.url)
    const token = link.slice('/act/'.length)
    const [v, payload, sig] = token.split('.')
    // Another person's NIP in the payload, with the old signature.
    const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), n: employee.supervisor })).toString('base64url')
    const forged = createHmac('sha256', 'not-the-secret').update(`v1.${payload}`).digest('base64url')
    for (const bad of [`${v}.${altered}.${sig}`, `${v}.${payload}.${forged}`, 'v1', 'v1..', `v2.${payload}.${sig}`, `${token}.x`, 'v1.%%%.%%%', 'x'.repeat(3000), `v1.${Buffer.from('not json').toString('base64url')}.${sig}`]) {
      const res = await h.request('POST', `/act/${encodeURIComponent(bad)}/object`, { key: null, json: { input: { reason: 'Tugas lapangan saya tidak diperhitungkan.' } } })
      expect([400, 401], bad).toContain(res.status)
      expect(res.type).toContain('application/problem+json')
    }
    expect((await h.request('GET', `/instances/${id}`)).data.state).toBe('objection')

    h.clock.advance(31 * DAY)
    const expired = await h.request('GET', link, { key: null })
    expect(expired.status).toBe(401)
    expect(expired.data.detail).toMatch(/expired/)
  })

  it('are made only by HR of the office, for a well-formed NIP', async () => {
    const { h, id } = await inObjection()
    const viewer = (await h.request('POST', '/offices/kecamatan-plaju/keys', { json: { role: 'viewer' } })).data.key
    expect((await h.request('POST', `/instances/${id}/links`, { key: viewer, json: { nip: '199912312020121001' } })).status).toBe(403)
    expect((await h.request('POST', `/instances/${id}/links`, { key: null, json: { nip: '199912312020121001' } })).status).toBe(401)
    expect((await h.request('POST', `/instances/${id}/links`, { json: { nip: '1999' } })).status).toBe(422)
  })

  it('are off, with a clear answer, when the server has no link secret', async () => {
    const h = await harness({ links: undefined })
    h.deps.links = undefined
    const res = await h.request('GET', '/act/v1.abc.def', { key: null })
    expect(res.status).toBe(404)
    expect(res.data.detail).toContain('KINERJA_LINK_SECRET')
  })
})
