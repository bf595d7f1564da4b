import { describe, expect, it } from 'vitest'
import { transition } from '../../src/engine/transition.ts'
import { AppError } from '../../src/errors.ts'
import type { CollectState, Workflow } from '../../src/generated/types.ts'
import type { Instance } from '../../src/store/records.ts'
import { answer, apply, days, env, makePackage, NIP, start, submit, T0 } from './make-package.ts'
import { workflow360 } from './workflow-360.ts'

const high = { integritas_1: 5, integritas_2: 5, kerjasama_1: 4 }
const low = { integritas_1: 2, integritas_2: 2, kerjasama_1: 3 }

/** Self rates high, the supervisor low: the gap opens the objection review. */
async function inObjection(wf: Workflow = workflow360()) {
  const pkg = makePackage(wf)
  const { instance } = await start(pkg)
  const r = await apply(pkg, instance, [
    submit(answer('self', NIP.camat, high)),
    submit(answer('supervisor', NIP.sekcam, low)),
    ...[NIP.peer1, NIP.peer2, NIP.peer3, NIP.peer4].map((p) => submit(answer('peer', p, low))),
  ])
  return { pkg, instance: r.instance, trail: r.trail }
}

/** A workflow that starts in one compute state with `assign`, then ends. */
function computing(assign: Record<string, string | { file: string }>, files?: Record<string, string>) {
  const wf = workflow360()
  wf.start = 'calc'
  wf.states.calc = { type: 'compute', assign, next: 'final' }
  return makePackage(wf, files ? { files } : {})
}

describe('compute', () => {
  it('evaluates assign in document order, each seeing the variables before it', async () => {
    const { instance, events } = await start(computing({ a: '2', b: 'vars.a * 10', c: 'vars.a + vars.b + params.margin' }))
    expect(instance.vars).toEqual({ a: 2, b: 20, c: 23 })
    expect(events.find((e) => e.type === 'assigned')?.data).toEqual({ state: 'calc', vars: { a: 2, b: 20, c: 23 } })
  })

  it('records which formula of which package version produced each variable', async () => {
    const { instance } = await start(computing({ a: '2', total: { file: 'total.jsonata' } }, { 'total.jsonata': 'vars.a * 3' }))
    expect(instance.vars.total).toBe(6)
    expect(instance.explanations.total).toEqual({
      var: 'total',
      state: 'calc',
      file: 'total.jsonata',
      pointer: '/states/calc/assign/total',
      source: 'vars.a * 3',
      package: { id: 'test', version: '1.0.0', hash: 'test-hash' },
      at: T0.toISOString(),
    })
    expect(instance.explanations.a?.file).toBe('workflow.json')
  })

  it('sees the employee, the position with its required levels, the cycle and the time', async () => {
    const { instance } = await start(
      computing({ who: 'employee.name', need: 'position.required.integritas', cycle: 'cycle.name', when: 'now', office: 'cycle.office' }),
    )
    expect(instance.vars).toEqual({ who: 'Andi', need: 4, cycle: 'Penilaian 2026', when: T0.toISOString(), office: 'plaju' })
  })
})

describe('choice', () => {
  it('takes the first choice whose condition holds', async () => {
    const { instance, trail } = await inObjection()
    expect(instance.vars.gap).toBe(3)
    expect(instance.state).toBe('objection')
    expect(trail.slice(-5)).toEqual(['submission-accepted', 'entered', 'assigned', 'entered', 'entered'])
  })

  it('takes the default when no condition holds', async () => {
    const wf = workflow360()
    wf.states.route = { type: 'choice', choices: [{ when: 'vars.gap > 100', next: 'objection' }, { when: '[]', next: 'objection' }], default: 'final' }
    const { instance } = await inObjection(wf)
    expect(instance.outcome).toBe('selesai')
  })
})

describe('review', () => {
  it('waits for the superior, listing the actions they may take', async () => {
    const { instance } = await inObjection()
    expect(instance.tasks).toEqual([{ state: 'objection', role: 'superior', remaining: 1, who: [NIP.bupati], actions: ['uphold', 'dismiss'], due: days(14).toISOString() }])
    expect(instance.deadlines).toEqual([{ state: 'objection', kind: 'deadline', at: days(14).toISOString() }])
  })

  it('applies an action: validates its input, assigns with the action in context, moves on', async () => {
    const { pkg, instance } = await inObjection()
    const r = await transition(pkg, instance, { type: 'action', action: 'uphold', actor: NIP.bupati, input: { reason: 'nilai atasan terlalu rendah' } }, env(days(2)))
    expect(r.instance.vars.decision).toBe('uphold: nilai atasan terlalu rendah')
    expect(r.instance.vars.decidedBy).toBe(NIP.bupati)
    expect(r.instance.explanations.decision?.pointer).toBe('/states/objection/actions/uphold/assign/decision')
    expect(r.instance.outcome).toBe('selesai')
    expect(r.events.map((e) => e.type)).toEqual(['action', 'assigned', 'entered', 'ended'])
    expect(r.events[0]?.data).toEqual({ state: 'objection', action: 'uphold', actor: NIP.bupati, input: { reason: 'nilai atasan terlalu rendah' } })
  })

  it('rejects an input that does not fit the action, with field errors', async () => {
    const { pkg, instance } = await inObjection()
    const e = await transition(pkg, instance, { type: 'action', action: 'uphold', actor: NIP.bupati, input: { reason: 'x', extra: 1 } }, env()).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(AppError)
    expect(e).toMatchObject({ code: 'action-rejected', detail: "the input of 'uphold' is invalid" })
    expect((e as AppError).errors).toEqual(
      expect.arrayContaining([
        { path: '/reason', message: 'must NOT have fewer than 3 characters' },
        { path: '', message: 'must NOT have additional properties' },
      ]),
    )
  })

  it('forbids an action by someone who is not the actor, naming the state, action and actor for the trail', async () => {
    const { pkg, instance } = await inObjection()
    const e = await transition(pkg, instance, { type: 'action', action: 'dismiss', actor: NIP.sekcam }, env()).catch((x: unknown) => x)
    expect(e).toMatchObject({ code: 'action-forbidden', status: 403, extra: { state: 'objection', action: 'dismiss', actor: NIP.sekcam } })
    expect((e as AppError).detail).toContain(`only role 'superior' acts in 'objection'`)
    expect((e as AppError).detail).toContain(`rater ${NIP.sekcam} is not the supervisor's superior of ${NIP.camat}`)
  })

  it('rejects an unknown action and actions outside a review state', async () => {
    const { pkg, instance } = await inObjection()
    await expect(transition(pkg, instance, { type: 'action', action: 'approve', actor: NIP.bupati }, env())).rejects.toMatchObject({
      detail: "the state 'objection' has no action 'approve' (its actions: uphold, dismiss)",
    })
    const fresh = (await start(pkg)).instance
    await expect(transition(pkg, fresh, { type: 'action', action: 'dismiss', actor: NIP.bupati }, env())).rejects.toMatchObject({
      code: 'action-rejected',
      detail: "the state 'assess' takes no actions",
    })
  })

  it('goes to onDeadline when the deadline passes without a decision', async () => {
    const { pkg, instance } = await inObjection()
    const r = await transition(pkg, instance, { type: 'deadline', state: 'objection', kind: 'deadline' }, env(days(14)))
    expect(r.events.map((e) => e.type)).toEqual(['deadline', 'entered', 'ended'])
    expect(r.instance.outcome).toBe('selesai')
  })

  it('keeps waiting after the deadline when the review has no onDeadline, firing it once', async () => {
    const wf = workflow360()
    const objection = wf.states.objection
    if (objection?.type === 'review') delete objection.onDeadline
    const { pkg, instance } = await inObjection(wf)
    const r = await transition(pkg, instance, { type: 'deadline', state: 'objection', kind: 'deadline' }, env(days(14)))
    expect(r.instance.state).toBe('objection')
    expect(r.instance.deadlines).toEqual([])
    expect(r.events.map((e) => e.type)).toEqual(['deadline'])
    const again = await transition(pkg, r.instance, { type: 'deadline', state: 'objection', kind: 'deadline' }, env(days(15)))
    expect(again.events).toEqual([])
  })
})

describe('notify and end', () => {
  it('emits a notify effect with the evaluated recipient and message, then moves on', async () => {
    const wf = workflow360()
    wf.start = 'tell'
    wf.states.tell = { type: 'notify', channel: 'email', to: 'employee.nip', template: '"Penilaian " & cycle.name & " dimulai"', next: 'final' }
    const { instance, events, effects } = await start(makePackage(wf))
    expect(effects).toEqual([{ type: 'notify', channel: 'email', to: NIP.camat, message: 'Penilaian Penilaian 2026 dimulai', state: 'tell' }])
    expect(instance.status).toBe('done')
    expect(events.map((e) => e.type)).toEqual(['started', 'entered', 'notified', 'entered', 'ended'])
  })

  it('ends with the outcome, no tasks and no deadlines', async () => {
    const { pkg, instance } = await inObjection()
    const r = await transition(pkg, instance, { type: 'action', action: 'dismiss', actor: NIP.bupati }, env())
    expect(r.instance).toMatchObject({ status: 'done', outcome: 'selesai', state: 'final', tasks: [], deadlines: [] })
    expect(r.events.at(-1)).toEqual({ type: 'ended', at: T0.toISOString(), data: { outcome: 'selesai' } })
  })
})

describe('failures', () => {
  it('fails the instance, without throwing, when an expression errors', async () => {
    const { instance, events } = await start(computing({ a: '1', b: '"x" + vars.a' }))
    expect(instance.status).toBe('failed')
    expect(instance.state).toBe('calc')
    expect(instance.error).toEqual({ code: 'expression-failed', message: expect.stringContaining('workflow.json /states/calc/assign/b'), state: 'calc', at: T0.toISOString() })
    expect(events.at(-1)).toMatchObject({ type: 'failed', data: { state: 'calc', code: 'expression-failed' } })
    expect(instance.tasks).toEqual([])
    expect(instance.deadlines).toEqual([])
  })

  it('fails quickly on an endless loop instead of hanging', async () => {
    const started = performance.now()
    const { instance } = await start(computing({ a: '($f := function($n) { $f($n + 1) }; $f(0))' }))
    expect(instance.status).toBe('failed')
    expect(instance.error?.message).toMatch(/endless loop/)
    expect(performance.now() - started).toBeLessThan(2500)
  })

  it('fails when an assignment yields nothing', async () => {
    const { instance } = await start(computing({ a: 'vars.missing' }))
    expect(instance.error?.message).toBe("workflow.json /states/calc/assign/a: 'a' yielded nothing, but a value is required")
  })

  it('fails when a choice condition errors', async () => {
    const wf = workflow360()
    wf.start = 'route'
    wf.states.route = { type: 'choice', choices: [{ when: '$number("abc") > 1', next: 'final' }], default: 'final' }
    const { instance } = await start(makePackage(wf))
    expect(instance.status).toBe('failed')
    expect(instance.error?.message).toContain('/states/route/choices/0/when')
  })

  it('fails a workflow whose automatic states loop forever', async () => {
    const wf = workflow360()
    wf.start = 'a'
    wf.states.a = { type: 'compute', assign: { n: '$exists(vars.n) ? vars.n + 1 : 1' }, next: 'b' }
    wf.states.b = { type: 'choice', choices: [{ when: 'true', next: 'a' }], default: 'final' }
    const { instance } = await start(makePackage(wf))
    expect(instance.error?.code).toBe('workflow-loop')
    expect(instance.error?.message).toMatch(/more than 100 automatic steps/)
  })

  it('fails a review action whose assignment errors, after recording the action', async () => {
    const wf = workflow360()
    const objection = wf.states.objection
    if (objection?.type === 'review') objection.actions.dismiss = { assign: { x: 'action.input.nothing' }, next: 'final' }
    const { pkg, instance } = await inObjection(wf)
    const r = await transition(pkg, instance, { type: 'action', action: 'dismiss', actor: NIP.bupati }, env())
    expect(r.events.map((e) => e.type)).toEqual(['action', 'failed'])
    expect(r.instance.status).toBe('failed')
  })
})

describe('purity', () => {
  it('never changes the instance or the event it is given, and keeps the rev', async () => {
    const pkg = makePackage(workflow360())
    const { instance } = await start(pkg)
    const submission = answer('self', NIP.camat, high)
    const event = submit(submission)
    const before: Instance = structuredClone(instance)
    const eventBefore = structuredClone(event)
    const r = await transition(pkg, instance, event, env(days(1)))
    expect(instance).toEqual(before)
    expect(event).toEqual(eventBefore)
    expect(r.instance).not.toBe(instance)
    expect(r.instance.rev).toBe(instance.rev)
    expect(r.instance.responses.self).toHaveLength(1)
  })

  it('gives the same result for the same inputs', async () => {
    const { pkg, instance } = await inObjection()
    const event = { type: 'action', action: 'uphold', actor: NIP.bupati, input: { reason: 'alasan' } } as const
    const a = await transition(pkg, instance, event, env(days(3)))
    const b = await transition(pkg, instance, event, env(days(3)))
    expect(a).toEqual(b)
  })
})

describe('anonymity in formulas', () => {
  it('never shows a formula the NIPs a form carries in its identity fields', async () => {
    const wf = workflow360()
    wf.states.score = { type: 'compute', assign: { seen: '$string(responses.peer)', kerjasama: '$sum(responses.peer.kerjasama_1)' }, next: 'final' }
    const form = {
      type: 'object' as const,
      title: 'Penilaian',
      properties: {
        subject: { type: 'string' as const, 'x-subject': true as const },
        rater: { type: 'string' as const, 'x-rater': true as const },
        integritas_1: { type: 'integer' as const, minimum: 1, maximum: 5, 'x-competency': 'integritas' },
        kerjasama_1: { type: 'integer' as const, minimum: 1, maximum: 5, 'x-competency': 'kerjasama' },
      },
      additionalProperties: false,
    }
    const pkg = makePackage(wf, { forms: { penilaian: form } })
    const { instance } = await start(pkg)
    const peers = [NIP.peer1, NIP.peer2, NIP.peer3, NIP.peer4]
    const r = await apply(pkg, instance, [
      submit(answer('self', NIP.camat, { subject: NIP.camat, rater: NIP.camat, integritas_1: 4, kerjasama_1: 4 })),
      submit(answer('supervisor', NIP.sekcam, { subject: NIP.camat, rater: NIP.sekcam, integritas_1: 4, kerjasama_1: 4 })),
      ...peers.map((p) => submit(answer('peer', p, { subject: NIP.camat, rater: p, integritas_1: 3, kerjasama_1: 2 }))),
    ])
    expect(r.instance.vars.kerjasama).toBe(8)
    for (const p of peers) expect(String(r.instance.vars.seen)).not.toContain(p)
  })
})

describe('anonymous answers below the threshold', () => {
  it('are not visible to formulas at all, as $means is empty', async () => {
    const wf = workflow360()
    wf.states.assess = { type: 'collect', await: { self: 1, peer: 2 }, next: 'score' }
    wf.states.score = { type: 'compute', assign: { count: '$count(responses.peer)', means: "$means('peer')", seen: '$responseCount("peer")' }, next: 'final' }
    const pkg = makePackage(wf)
    const { instance } = await start(pkg)
    const r = await apply(pkg, instance, [
      submit(answer('self', NIP.camat, { integritas_1: 4, kerjasama_1: 4 })),
      submit(answer('peer', NIP.peer1, { integritas_1: 1, kerjasama_1: 1 })),
      submit(answer('peer', NIP.peer2, { integritas_1: 2, kerjasama_1: 2 })),
    ])
    expect(r.instance.vars).toEqual({ count: 0, means: {}, seen: 2 })
  })
})

describe('the same delivery applied twice', () => {
  it('changes nothing the second time', async () => {
    const pkg = makePackage(workflow360())
    const { instance } = await start(pkg)
    const self = answer('self', NIP.camat, { integritas_1: 4, kerjasama_1: 4 })
    const once = await apply(pkg, instance, [submit(self)])
    const again = await transition(pkg, once.instance, submit(self), (await import('./make-package.ts')).env())
    expect(again.events).toEqual([])
    expect(again.instance.responses.self).toHaveLength(1)
  })
})

describe('migrate', () => {
  it('moves an active instance onto a new version at the mapped state, keeping its answers and recording both versions', async () => {
    const v1 = makePackage(workflow360())
    const { instance } = await start(v1)
    const answered = await apply(v1, instance, [submit(answer('self', NIP.camat, { integritas_1: 4, kerjasama_1: 4 }))])
    const wf2 = workflow360({ version: '2.0.0' })
    wf2.states.kumpul = { ...(wf2.states.assess as CollectState), deadline: 'P21D' }
    delete wf2.states.assess
    wf2.start = 'kumpul'
    const v2 = { ...makePackage(wf2), hash: 'hash-v2' }
    const moved = await transition(v2, answered.instance, { type: 'migrate', to: 'kumpul', from: { id: v1.id, version: v1.version, hash: v1.hash } }, env(days(3)))
    expect(moved.instance.state).toBe('kumpul')
    expect(moved.instance.responses.self).toHaveLength(1)
    expect(moved.instance.deadlines.find((d) => d.kind === 'deadline')?.at).toBe(days(24).toISOString())
    expect(moved.events[0]).toMatchObject({ type: 'migrated', data: { from: { package: { version: '1.0.0' }, state: 'assess' }, to: { package: { version: '2.0.0', hash: 'hash-v2' }, state: 'kumpul' } } })
    const nowhere = await transition(v2, answered.instance, { type: 'migrate', to: 'assess', from: v1 }, env()).catch((e) => e)
    expect(nowhere).toBeInstanceOf(AppError)
    expect(nowhere.detail).toContain("no state 'assess'")
  })
})
