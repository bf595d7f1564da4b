import { describe, expect, it } from 'vitest'
import { competencyMeans } from '../../src/engine/helpers.ts'
import { answer, apply, env, makePackage, NIP, start, submit } from './make-package.ts'
import { workflow360 } from './workflow-360.ts'

/** A workflow that only collects, then copies the helpers' results into vars. */
function scoring(peerThreshold?: number) {
  const wf = workflow360()
  wf.roles.peer = { rater: 'peers', anonymous: true, ...(peerThreshold ? { threshold: peerThreshold } : {}) }
  wf.states.assess = { type: 'collect', await: { self: 1, supervisor: 1, peer: { min: 1, max: 2 } }, next: 'score' }
  wf.states.score = {
    type: 'compute',
    assign: { self: "$means('self')", peer: "$means('peer')", peers: "$responseCount('peer')", at: '$now()', year: "$now('[Y]')" },
    next: 'final',
  }
  return makePackage(wf)
}

describe('$means', () => {
  it('weights answers within a competency by x-weight', async () => {
    const pkg = scoring(1)
    const { instance } = await start(pkg)
    const r = await apply(pkg, instance, [
      // integritas: (5*2 + 2*1) / 3 = 4
      submit(answer('self', NIP.camat, { integritas_1: 5, integritas_2: 2, kerjasama_1: 3 })),
      submit(answer('supervisor', NIP.sekcam, { integritas_1: 3, kerjasama_1: 3 })),
      submit(answer('peer', NIP.peer1, { integritas_1: 4, kerjasama_1: 2 })),
      submit(answer('peer', NIP.peer2, { integritas_1: 2, integritas_2: 5, kerjasama_1: 4 })),
    ])
    expect(r.instance.vars.self).toEqual({ integritas: 4, kerjasama: 3 })
    // Each peer counts once: (4 + (2*2 + 5)/3) / 2 = 3.5, not the mean of all three answers.
    expect(r.instance.vars.peer).toEqual({ integritas: 3.5, kerjasama: 3 })
    expect(r.instance.vars.peers).toBe(2)
  })

  it('leaves out competencies that got no numeric answer', async () => {
    const pkg = scoring(1)
    const { instance } = await start(pkg)
    const r = await apply(pkg, instance, [submit(answer('self', NIP.camat, { integritas_1: 4, kerjasama_1: 2, komentar: 'baik' }))])
    expect(competencyMeans(pkg, r.instance, 'self')).toEqual({ integritas: 4, kerjasama: 2 })
    expect(competencyMeans(pkg, r.instance, 'self')).not.toHaveProperty('komunikasi')
    expect(competencyMeans(pkg, r.instance, 'supervisor')).toEqual({})
  })

  it('hides an anonymous role below its threshold (default 3)', async () => {
    const pkg = scoring()
    const { instance } = await start(pkg)
    const r = await apply(pkg, instance, [
      submit(answer('self', NIP.camat, { integritas_1: 4, kerjasama_1: 2 })),
      submit(answer('supervisor', NIP.sekcam, { integritas_1: 4, kerjasama_1: 2 })),
      submit(answer('peer', NIP.peer1, { integritas_1: 1, kerjasama_1: 1 })),
      submit(answer('peer', NIP.peer2, { integritas_1: 5, kerjasama_1: 5 })),
    ])
    expect(r.instance.status).toBe('done')
    expect(r.instance.vars.peer).toEqual({})
    expect(r.instance.vars.peers).toBe(2)
  })

  it('shows an anonymous role once its threshold is reached', async () => {
    const pkg = scoring(2)
    const { instance } = await start(pkg)
    const r = await apply(pkg, instance, [
      submit(answer('peer', NIP.peer1, { integritas_1: 1, kerjasama_1: 1 })),
      submit(answer('peer', NIP.peer2, { integritas_1: 5, kerjasama_1: 5 })),
    ])
    expect(competencyMeans(pkg, r.instance, 'peer')).toEqual({ integritas: 3, kerjasama: 3 })
  })

  it('fails the appraisal with a clear message for a role the workflow does not have', async () => {
    const wf = workflow360()
    wf.start = 'score'
    wf.states.score = { type: 'compute', assign: { x: "$means('peers')" }, next: 'final' }
    const { instance } = await start(makePackage(wf))
    expect(instance.status).toBe('failed')
    expect(instance.error?.message).toContain('unknown role "peers" (the workflow\'s roles: self, supervisor, peer, superior, hr)')
  })
})

describe('$now', () => {
  it('reads the engine clock, not the machine clock', async () => {
    const pkg = scoring(1)
    const { instance } = await start(pkg)
    const r = await apply(pkg, instance, [
      submit(answer('self', NIP.camat, { integritas_1: 4, kerjasama_1: 2 })),
      submit(answer('supervisor', NIP.sekcam, { integritas_1: 4, kerjasama_1: 2 })),
      submit(answer('peer', NIP.peer1, { integritas_1: 4, kerjasama_1: 2 })),
      submit(answer('peer', NIP.peer2, { integritas_1: 4, kerjasama_1: 2 })),
    ], env(new Date('2031-07-01T00:00:00Z')))
    expect(r.instance.vars.at).toBe('2031-07-01T00:00:00.000Z')
    expect(r.instance.vars.year).toBe('2031')
  })
})
