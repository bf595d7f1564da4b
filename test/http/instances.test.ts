import { describe, expect, it } from 'vitest'
import { instanceId } from '../../src/services/cycles.ts'
import { harness, sampleSubmissions } from '../support/harness.ts'
import { applyEvent } from '../../src/services/instances.ts'

/** A running cycle with the sample submissions of one employee applied (all, or only some roles). */
async function withAnswers(keep: (s: any) => boolean = () => true) {
  const h = await harness()
  const cycle = await h.runningCycle()
  const all = await sampleSubmissions()
  const subject = all.find((s) => s.role === 'peer')!.subject
  const mine = all.filter((s) => s.subject === subject && keep(s))
  for (const [n, s] of mine.entries()) {
    await applyEvent(h.deps, instanceId(cycle, subject), { type: 'submission', submission: { ...s, receipt: `r${n}`, receivedAt: h.clock.now().toISOString() } })
  }
  const roster = (await h.request('GET', `/cycles/${cycle}/roster`)).data.roster as any[]
  return { h, cycle, id: instanceId(cycle, subject), employee: roster.find((e) => e.nip === subject), peers: mine.filter((s) => s.role === 'peer') }
}

describe('GET /instances/{id}', () => {
  it('shows pending tasks while collecting, without naming the peers', async () => {
    const { h, id, employee } = await withAnswers((s) => s.role === 'self')
    const view = (await h.request('GET', `/instances/${id}`)).data
    expect(view.state).toBe('collect')
    const byRole = Object.fromEntries(view.tasks.map((t: any) => [t.role, t]))
    expect(byRole.supervisor).toMatchObject({ remaining: 1, who: [employee.supervisor] })
    expect(byRole.peer.remaining).toBeGreaterThanOrEqual(3)
    expect(byRole.peer.who).toBeUndefined()
    expect(byRole.self).toBeUndefined()
  })

  it('never returns a peer answer or identity, only how many answered', async () => {
    const { h, id, peers } = await withAnswers()
    const body = JSON.stringify((await h.request('GET', `/instances/${id}`)).data)
    const events = JSON.stringify((await h.request('GET', `/instances/${id}/events`)).data)
    for (const p of peers) {
      expect(body).not.toContain(p.rater)
      expect(events).not.toContain(p.rater)
    }
    const view = JSON.parse(body)
    expect(view.responses.peer).toEqual({ count: peers.length, anonymous: true, shown: true })
    expect(view.responses.supervisor.answers[0].rater).toMatch(/^[0-9]{18}$/)
  })

  it('explains every score: each role mean and weight, the required level, the gap, the formula and package version', async () => {
    const { h, id } = await withAnswers()
    const view = (await h.request('GET', `/instances/${id}`)).data
    expect(view.state).not.toBe('collect')
    const row = view.explanation.scores.find((r: any) => r.roles?.peer)
    expect(row).toMatchObject({ competency: expect.any(String), score: expect.any(Number), required: expect.any(Number), gap: expect.any(Number) })
    expect(row.roles.supervisor).toMatchObject({ mean: expect.any(Number), weight: 50 })
    expect(row.roles.peer.weight).toBe(30)
    const formula = view.explanation.formulas.find((f: any) => f.var === 'scores')
    expect(formula).toMatchObject({ file: 'scoring.jsonata', package: { id: 'plaju-kompetensi-360', version: h.pkg.version, hash: h.pkg.hash } })
    expect(formula.source.length).toBeGreaterThan(20)
  })

  it('hides the peer aggregate below the threshold of three', async () => {
    let seen = 0
    const { h, id } = await withAnswers((s) => s.role !== 'peer' || seen++ < 2)
    const view = (await h.request('GET', `/instances/${id}`)).data
    expect(view.responses.peer).toEqual({ count: 2, anonymous: true, shown: false })
    // Let the deadline pass: scores are computed without any peer aggregate.
    h.clock.advance(15 * 86_400_000)
    const { tick } = await import('../../src/services/instances.ts')
    expect(await tick(h.deps)).toBeGreaterThan(0)
    const after = (await h.request('GET', `/instances/${id}`)).data
    expect(after.state).not.toBe('collect')
    for (const row of after.explanation.scores) expect(row.roles.peer).toBeUndefined()
  })
})

describe('POST /instances/{id}/actions/{action}', () => {
  it('refuses an action by someone who is not the actor, an unknown action and a missing input, with reasons', async () => {
    const { h, id, employee } = await withAnswers()
    const state = (await h.request('GET', `/instances/${id}`)).data.state
    expect(['discussion', 'objection']).toContain(state)
    const stranger = '199912312020121001'
    const wrong = await h.request('POST', `/instances/${id}/actions/accept`, { json: { actor: stranger, input: { note: 'bukan saya' } } })
    expect(wrong.status).toBe(403)
    expect(wrong.type).toContain('application/problem+json')
    expect(wrong.data.code).toBe('action-forbidden')
    expect(wrong.data.detail).toContain(stranger)
    // The attempt is on the trail: who tried what, when, and by which key; the appraisal did not move.
    const trail = (await h.request('GET', `/instances/${id}/events`)).data.events
    expect(trail.at(-1)).toMatchObject({ type: 'action-refused', at: h.clock.now().toISOString(), data: { state, action: 'accept', actor: stranger, via: expect.stringMatching(/^key:key_/) } })
    expect((await h.request('GET', `/instances/${id}`)).data.state).toBe(state)
    const unknown = await h.request('POST', `/instances/${id}/actions/launch`, { json: { actor: employee.nip } })
    expect(unknown.status).toBe(422)
    expect(unknown.data.detail).toMatch(/launch/)
    const badNip = await h.request('POST', `/instances/${id}/actions/accept`, { json: { actor: 12345 } })
    expect(badNip.status).toBe(422)
    expect(badNip.data.errors[0].path).toBe('/actor')
  })

  it('runs the objection: the employee objects with a reason, the superior revises, the decision is final and recorded', async () => {
    const { h, id, employee } = await withAnswers()
    let view = (await h.request('GET', `/instances/${id}`)).data
    if (view.state === 'discussion') view = (await h.request('POST', `/instances/${id}/actions/confirm`, { json: { actor: employee.supervisor } })).data
    expect(view.state).toBe('objection')
    const short = await h.request('POST', `/instances/${id}/actions/object`, { json: { actor: employee.nip, input: { reason: 'tidak' } } })
    expect(short.status).toBe(422)
    expect(short.data.errors[0].path).toContain('reason')
    const objected = await h.request('POST', `/instances/${id}/actions/object`, { json: { actor: employee.nip, input: { reason: 'Tugas lapangan saya tidak diperhitungkan dalam penilaian.' } } })
    expect(objected.data.state).toBe('decision')
    expect(objected.data.tasks[0]).toMatchObject({ role: 'superior', who: [employee.superior] })
    const notSuperior = await h.request('POST', `/instances/${id}/actions/revise`, { json: { actor: employee.supervisor, input: { predikat: 'Sangat Baik', note: 'x' } } })
    expect(notSuperior.status).toBe(403)
    const decided = await h.request('POST', `/instances/${id}/actions/revise`, { json: { actor: employee.superior, input: { predikat: 'Sangat Baik', note: 'Bukti tugas lapangan lengkap.' } } })
    expect(decided.data).toMatchObject({ status: 'done', vars: { predikat: 'Sangat Baik' } })
    expect((await h.request('POST', `/instances/${id}/actions/revise`, { json: { actor: employee.superior, input: { predikat: 'Baik', note: 'x' } } })).status).toBe(422)
    const events = (await h.request('GET', `/instances/${id}/events`)).data.events
    expect(events.map((e: any) => e.type)).toEqual(expect.arrayContaining(['action', 'action-refused', 'ended']))
    expect(events.map((e: any) => e.seq)).toEqual(events.map((_: any, i: number) => i + 1))
  })

  it('closes the objection window after 14 days without an objection', async () => {
    const { h, id, employee } = await withAnswers()
    let view = (await h.request('GET', `/instances/${id}`)).data
    if (view.state === 'discussion') view = (await h.request('POST', `/instances/${id}/actions/confirm`, { json: { actor: employee.supervisor } })).data
    h.clock.advance(13 * 86_400_000)
    const { tick } = await import('../../src/services/instances.ts')
    await tick(h.deps)
    expect((await h.request('GET', `/instances/${id}`)).data.state).toBe('objection')
    h.clock.advance(2 * 86_400_000)
    await tick(h.deps)
    expect((await h.request('GET', `/instances/${id}`)).data.status).toBe('done')
  })
})
