import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { readPackageDir } from '../../src/entry/package-files.ts'
import { loadPackage } from '../../src/package/load-package.ts'
import { createPackageRegistry } from '../../src/services/package-registry.ts'
import { instanceId } from '../../src/services/cycles.ts'
import { applyEvent } from '../../src/services/instances.ts'
import { harness, PLAJU_DIR, sampleSubmissions } from '../support/harness.ts'

/** The Plaju package with its collecting state renamed, as version 9.0.0. */
async function renamedVersion() {
  const files = await readPackageDir(PLAJU_DIR)
  const wf = JSON.parse(files['workflow.json']!)
  wf.version = '9.0.0'
  wf.states.pengumpulan = wf.states.collect
  delete wf.states.collect
  wf.start = 'pengumpulan'
  const { package: pkg, problems } = await loadPackage({ ...files, 'workflow.json': JSON.stringify(wf) })
  if (!pkg) throw new Error(JSON.stringify(problems))
  return pkg
}

async function setup() {
  const h = await harness()
  const cycle = await h.runningCycle()
  const subs = await sampleSubmissions()
  const nip = subs.find((s) => s.role === 'peer').subject
  const self = subs.find((s) => s.subject === nip && s.role === 'self')
  await applyEvent(h.deps, instanceId(cycle, nip), { type: 'submission', submission: { ...self, receipt: 'r1', receivedAt: h.clock.now().toISOString() } })
  // The server restarts with the new version of the package in workflows/.
  const v2 = await renamedVersion()
  const deps = { ...h.deps, packages: createPackageRegistry(h.store, loadPackage, [v2]) }
  const app = createApp(deps)
  const call = async (method: string, path: string, json?: unknown, key = h.admin) => {
    const res = await app.request(path, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: json === undefined ? undefined : JSON.stringify(json) })
    return { status: res.status, data: (await res.json()) as any }
  }
  return { h, deps, call, cycle, nip, subs, v1: h.pkg, v2 }
}

describe('POST /cycles/{cycle}/migrate', () => {
  it('keeps running instances on their version until an admin moves them, state by state, with an audit trail', async () => {
    const { call, cycle, nip, v1, v2, deps, subs } = await setup()
    // Before: still served by the version it started on.
    const before = (await call('GET', `/instances/${cycle}.${nip}`)).data
    expect(before.state).toBe('collect')
    expect(before.explanation.package.hash).toBe(v1.hash)

    expect((await call('POST', `/cycles/${cycle}/migrate`, { version: '9.0.0' })).data.errors[0]).toMatchObject({ path: '/states/collect' })
    expect((await call('POST', `/cycles/${cycle}/migrate`, { version: '8.0.0', states: { collect: 'pengumpulan' } })).status).toBe(409)

    const moved = await call('POST', `/cycles/${cycle}/migrate`, { version: '9.0.0', states: { collect: 'pengumpulan' } })
    expect(moved.status, JSON.stringify(moved.data)).toBe(200)
    expect(moved.data.moved).toBe(moved.data.cycle.rosterSize)
    expect(moved.data.cycle.package.hash).toBe(v2.hash)
    expect(moved.data.cycle.migrations[0]).toMatchObject({ from: { hash: v1.hash }, to: { hash: v2.hash }, states: { collect: 'pengumpulan' } })

    const after = (await call('GET', `/instances/${cycle}.${nip}`)).data
    expect(after.state).toBe('pengumpulan')
    expect(after.explanation.package.hash).toBe(v2.hash)
    expect(after.responses.self.count).toBe(1)
    const events = (await call('GET', `/instances/${cycle}.${nip}/events`)).data.events
    const migrated = events.find((e: any) => e.type === 'migrated')
    expect(migrated.data).toMatchObject({ from: { state: 'collect', package: { version: v1.version } }, to: { state: 'pengumpulan', package: { version: '9.0.0' } }, by: expect.stringMatching(/^key_/) })

    // It keeps collecting on the new version.
    const sup = subs.find((s) => s.subject === nip && s.role === 'supervisor')
    const r = await applyEvent(deps, `${cycle}.${nip}`, { type: 'submission', submission: { ...sup, receipt: 'r2', receivedAt: new Date().toISOString() } })
    expect(r.instance.responses.supervisor).toHaveLength(1)

    // Repeating the call moves nothing.
    const again = await call('POST', `/cycles/${cycle}/migrate`, { version: '9.0.0', states: { collect: 'pengumpulan' } })
    expect(again.data).toMatchObject({ moved: 0 })
  })

  it('is for admins only', async () => {
    const { h, call, cycle } = await setup()
    const hr = (await h.request('POST', '/offices/kecamatan-plaju/keys', { json: { role: 'hr' } })).data.key
    expect((await call('POST', `/cycles/${cycle}/migrate`, { version: '9.0.0', states: { collect: 'pengumpulan' } }, hr)).status).toBe(403)
  })
})
