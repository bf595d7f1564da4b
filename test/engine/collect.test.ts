import { describe, expect, it } from 'vitest'
import { transition } from '../../src/engine/transition.ts'
import type { EngineEvent } from '../../src/engine/types.ts'
import { AppError } from '../../src/errors.ts'
import type { Instance } from '../../src/store/records.ts'
import { answer, apply, days, EMPLOYEE, env, makePackage, NIP, start, submit, T0 } from './make-package.ts'
import { workflow360 } from './workflow-360.ts'

const good = { integritas_1: 4, integritas_2: 4, kerjasama_1: 3 }
const pkg = makePackage(workflow360())

async function rejection(instance: Instance, event: EngineEvent): Promise<AppError> {
  try {
    await transition(pkg, instance, event, env())
  } catch (e) {
    if (e instanceof AppError) return e
    throw e
  }
  throw new Error('the event was accepted')
}

const everyone = [
  submit(answer('self', NIP.camat, good)),
  submit(answer('supervisor', NIP.sekcam, good)),
  submit(answer('peer', NIP.peer1, good)),
  submit(answer('peer', NIP.peer2, good)),
  submit(answer('peer', NIP.peer3, good)),
]

describe('start', () => {
  it('enters the first state and records its deadline and reminders from now', async () => {
    const { instance, events } = await start(pkg)
    expect(instance.state).toBe('assess')
    expect(instance.status).toBe('active')
    expect(instance.stateEnteredAt).toBe(T0.toISOString())
    expect(instance.deadlines).toEqual([
      { state: 'assess', kind: 'deadline', at: '2026-03-16T08:00:00.000Z' },
      { state: 'assess', kind: 'remind', at: '2026-03-09T08:00:00.000Z' },
      { state: 'assess', kind: 'remind', at: '2026-03-14T08:00:00.000Z' },
    ])
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['started', { package: { id: 'test', version: '1.0.0', hash: 'test-hash' } }],
      ['entered', { state: 'assess', from: null }],
    ])
    expect(events.every((e) => e.at === T0.toISOString())).toBe(true)
    expect(instance.rev).toBe(0)
  })

  it('lists a task per awaited role, naming who may answer except for anonymous peers', async () => {
    const { instance } = await start(pkg)
    const due = '2026-03-16T08:00:00.000Z'
    expect(instance.tasks).toEqual([
      { state: 'assess', role: 'self', remaining: 1, who: [NIP.camat], due },
      { state: 'assess', role: 'supervisor', remaining: 1, who: [NIP.sekcam], due },
      { state: 'assess', role: 'peer', remaining: 4, due },
    ])
  })

  it('refuses to start an instance twice', async () => {
    const { instance } = await start(pkg)
    await expect(transition(pkg, instance, { type: 'start' }, env())).rejects.toMatchObject({ code: 'conflict' })
  })
})

describe('quorum', () => {
  it('waits for every assigned peer when peers are awaited as {min}', async () => {
    const { instance } = await start(pkg)
    const partial = await apply(pkg, instance, everyone)
    expect(partial.instance.state).toBe('assess')
    expect(partial.instance.tasks).toEqual([{ state: 'assess', role: 'peer', remaining: 1, due: '2026-03-16T08:00:00.000Z' }])
    const done = await apply(pkg, partial.instance, [submit(answer('peer', NIP.peer4, good))])
    expect(done.instance.state).toBe('final')
    expect(done.trail).toEqual(['submission-accepted', 'entered', 'assigned', 'entered', 'entered', 'ended'])
  })

  it('moves on as soon as max answers arrived when max caps the assigned raters', async () => {
    const wf = workflow360()
    wf.states.assess = { type: 'collect', await: { self: 1, peer: { min: 1, max: 2 } }, next: 'final' }
    const p = makePackage(wf)
    const { instance } = await start(p)
    expect(instance.tasks.find((t) => t.role === 'peer')?.remaining).toBe(2)
    const r = await apply(p, instance, [submit(answer('self', NIP.camat, good)), submit(answer('peer', NIP.peer2, good)), submit(answer('peer', NIP.peer3, good))])
    expect(r.instance.state).toBe('final')
    expect(r.instance.responses.peer).toHaveLength(2)
  })

  it('waits for exactly n answers when a role awaits a number', async () => {
    const wf = workflow360()
    wf.states.assess = { type: 'collect', await: { peer: 2 }, next: 'final' }
    const p = makePackage(wf)
    const { instance } = await start(p)
    const one = await apply(p, instance, [submit(answer('peer', NIP.peer1, good))])
    expect(one.instance.state).toBe('assess')
    expect(one.instance.tasks[0]?.remaining).toBe(1)
    const two = await apply(p, one.instance, [submit(answer('peer', NIP.peer4, good))])
    expect(two.instance.state).toBe('final')
  })

  it('passes straight through a collect state whose quorum is already met', async () => {
    const wf = workflow360()
    wf.states.assess = { type: 'collect', await: { peer: { min: 0 } }, next: 'final' }
    const p = makePackage(wf)
    const { instance } = await start(p, env(T0, { ...EMPLOYEE, peers: [] }))
    expect(instance.status).toBe('done')
  })
})

describe('submission', () => {
  it('records the rater for attributed roles but never for anonymous ones', async () => {
    const { instance } = await start(pkg)
    const self = await transition(pkg, instance, everyone[0] as EngineEvent, env())
    expect(self.events[0]?.data).toEqual({ role: 'self', form: 'penilaian', receipt: expect.any(String), replaced: false, rater: NIP.camat })
    const peer = await transition(pkg, self.instance, everyone[2] as EngineEvent, env())
    expect(peer.events[0]?.data).not.toHaveProperty('rater')
    expect(JSON.stringify(peer.events)).not.toContain(NIP.peer1)
    expect(peer.instance.responses.peer?.[0]?.answers).toEqual(good)
  })

  it('rejects a rater who is not a peer of the employee', async () => {
    const { instance } = await start(pkg)
    const e = await rejection(instance, submit(answer('peer', NIP.outsider, good)))
    expect(e.code).toBe('submission-rejected')
    expect(e.detail).toBe(`rater ${NIP.outsider} is not a peer of ${NIP.camat} on the roster`)
  })

  it('rejects a supervisor answer from someone else, naming the rostered supervisor', async () => {
    const { instance } = await start(pkg)
    const e = await rejection(instance, submit(answer('supervisor', NIP.peer1, good)))
    expect(e.detail).toContain(`rater ${NIP.peer1} is not the supervisor of ${NIP.camat}`)
    expect(e.detail).toContain(NIP.sekcam)
  })

  it('rejects a role the state does not await', async () => {
    const { instance } = await start(pkg)
    const e = await rejection(instance, submit(answer('superior', NIP.bupati, good)))
    expect(e.detail).toBe("the state 'assess' does not await answers from role 'superior' (it awaits self, supervisor, peer)")
  })

  it('rejects an answer about another employee', async () => {
    const { instance } = await start(pkg)
    const e = await rejection(instance, submit(answer('self', NIP.camat, good, 'penilaian', NIP.peer1)))
    expect(e.detail).toBe(`the answer is about ${NIP.peer1}, but this appraisal is of ${NIP.camat}`)
  })

  it('rejects a form that is not the role\'s form', async () => {
    const { instance } = await start(pkg)
    const e = await rejection(instance, submit(answer('self', NIP.camat, good, 'kuesioner-lain')))
    expect(e.detail).toBe("role 'self' answers form 'penilaian', not 'kuesioner-lain'")
  })

  it('rejects answers in a state that collects none', async () => {
    const { instance } = await start(pkg)
    const done = await apply(pkg, instance, [...everyone, submit(answer('peer', NIP.peer4, good))])
    const e = await rejection(done.instance, submit(answer('self', NIP.camat, good)))
    expect(e.detail).toBe(`the appraisal of ${NIP.camat} has ended; it takes no more answers`)
    const inReview = { ...done.instance, status: 'active' as const, state: 'objection' }
    expect((await rejection(inReview, submit(answer('self', NIP.camat, good)))).detail).toBe("the state 'objection' does not collect answers")
  })

  it('rejects invalid answers with one field error per problem', async () => {
    const { instance } = await start(pkg)
    const e = await rejection(instance, submit(answer('self', NIP.camat, { integritas_1: 9, kerjasama_1: 'baik' })))
    expect(e.detail).toBe("the answers do not fit form 'penilaian'")
    expect(e.errors).toEqual(
      expect.arrayContaining([
        { path: '/integritas_1', message: 'must be <= 5' },
        { path: '/kerjasama_1', message: 'must be integer' },
      ]),
    )
  })

  it('rejects a second answer from the same rater', async () => {
    const { instance } = await start(pkg)
    const once = await apply(pkg, instance, [submit(answer('peer', NIP.peer1, good))])
    const e = await rejection(once.instance, submit(answer('peer', NIP.peer1, good)))
    expect(e.detail).toContain(`rater ${NIP.peer1} already answered as 'peer'`)
  })

  it('replaces the rater\'s earlier answer when the event is an edit', async () => {
    const { instance } = await start(pkg)
    const once = await apply(pkg, instance, [submit(answer('peer', NIP.peer1, good)), submit(answer('peer', NIP.peer2, good))])
    const edited = { ...good, kerjasama_1: 5 }
    const r = await transition(pkg, once.instance, submit(answer('peer', NIP.peer1, edited), true), env())
    expect(r.events[0]?.data.replaced).toBe(true)
    expect(r.instance.responses.peer?.map((s) => s.answers)).toEqual([edited, good])
    expect(r.instance.tasks.find((t) => t.role === 'peer')?.remaining).toBe(2)
  })

  it('accepts an hr answer from any officer, without listing who', async () => {
    const wf = workflow360()
    wf.forms.hr = 'penilaian'
    wf.states.assess = { type: 'collect', await: { hr: 1 }, next: 'final' }
    const p = makePackage(wf)
    const { instance } = await start(p)
    expect(instance.tasks).toEqual([{ state: 'assess', role: 'hr', remaining: 1 }])
    const r = await apply(p, instance, [submit(answer('hr', NIP.outsider, good))])
    expect(r.instance.outcome).toBe('selesai')
  })

  it('lists only the people who have not answered yet', async () => {
    const wf = workflow360()
    wf.roles.peer = { rater: 'peers' }
    const p = makePackage(wf)
    const { instance } = await start(p)
    const r = await apply(p, instance, [submit(answer('peer', NIP.peer2, good))])
    expect(r.instance.tasks.find((t) => t.role === 'peer')?.who).toEqual([NIP.peer1, NIP.peer3, NIP.peer4])
  })
})

describe('collect deadlines', () => {
  it('goes to onIncomplete when a role has fewer answers than its minimum', async () => {
    const { instance } = await start(pkg)
    const some = await apply(pkg, instance, everyone.slice(0, 4))
    const r = await transition(pkg, some.instance, { type: 'deadline', state: 'assess', kind: 'deadline' }, env(days(14)))
    expect(r.instance.outcome).toBe('tidak-lengkap')
    expect(r.events.map((e) => e.type)).toEqual(['deadline', 'entered', 'ended'])
    expect(r.instance.deadlines).toEqual([])
  })

  it('goes on with what arrived when every minimum is met', async () => {
    const { instance } = await start(pkg)
    const enough = await apply(pkg, instance, everyone)
    const r = await transition(pkg, enough.instance, { type: 'deadline', state: 'assess', kind: 'deadline' }, env(days(14)))
    expect(r.instance.outcome).toBe('selesai')
    expect(r.instance.vars.peer).toEqual({ integritas: 4, kerjasama: 3 })
  })

  it('prefers onDeadline over next when the minimum is met', async () => {
    const wf = workflow360()
    wf.states.assess = { type: 'collect', await: { self: 1 }, deadline: 'P3D', next: 'score', onDeadline: 'incomplete' }
    const p = makePackage(wf)
    const { instance } = await start(p)
    const r = await transition(p, instance, { type: 'deadline', state: 'assess', kind: 'deadline' }, env(days(3)))
    expect(r.instance.outcome).toBe('tidak-lengkap')
  })

  it('reminds the roles still awaited and drops that reminder', async () => {
    const { instance } = await start(pkg)
    const some = await apply(pkg, instance, everyone.slice(0, 1))
    const r = await transition(pkg, some.instance, { type: 'deadline', state: 'assess', kind: 'remind' }, env(days(7)))
    expect(r.effects).toEqual([{ type: 'remind', state: 'assess', roles: ['supervisor', 'peer'] }])
    expect(r.events.map((e) => [e.type, e.data])).toEqual([['reminded', { state: 'assess', roles: ['supervisor', 'peer'] }]])
    expect(r.instance.deadlines.map((d) => d.kind)).toEqual(['deadline', 'remind'])
    expect(r.instance.deadlines[1]?.at).toBe('2026-03-14T08:00:00.000Z')
    expect(r.instance.state).toBe('assess')
  })

  it('ignores a deadline of a state the instance has left', async () => {
    const { instance } = await start(pkg)
    const r = await transition(pkg, instance, { type: 'deadline', state: 'objection', kind: 'deadline' }, env(days(30)))
    expect(r.events).toEqual([])
    expect(r.instance).toEqual(instance)
  })
})
