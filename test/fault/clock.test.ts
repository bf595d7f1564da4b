/**
 * Clock: a deadline that passes while the server is down fires exactly once when it comes back
 * (the tick runs once at start), and never again on the restarts after. The real Node server is
 * killed with SIGKILL and restarted with its clock moved on by KINERJA_CLOCK_OFFSET_MS.
 *
 * Day 0: one appraisal gets all its answers and waits in 'rating' (deadline 7 days); the others
 * stay in 'collect' (deadline 14 days). Restart on day 8: the rating deadline fires once. Restart
 * on day 15: the collect deadlines fire once each (so that start's tick surely ran) and the rating
 * deadline, still in the past, does not fire again.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { clockFrom } from '../../src/entry/env-config.ts'
import { FIXTURES } from '../support/deliveries.ts'
import { killServer } from '../support/kill-server.ts'
import { startServer } from '../support/node-server.ts'
import { bindingInput, buildDelivery, hookSecretsEnv, type Role } from '../support/payloads.ts'
import { adminCaller, send } from './http.ts'

const ADMIN = 'kj_fault-clock-admin-key-0123456789'
const DAY = 86_400_000

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const got = await probe()
    if (got !== undefined) return got
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('a deadline passed while the server was down', () => {
  const dirs: string[] = []
  let child: ChildProcess | undefined
  afterAll(async () => {
    if (child) await killServer(child)
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('fires exactly once after a restart, and not again after the next ones', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kinerja-fault-clock-'))
    dirs.push(dataDir)
    const env = hookSecretsEnv()
    let url = ''
    const start = async (days: number) => {
      if (child) await killServer(child)
      const server = await startServer(dataDir, ADMIN, { ...env, KINERJA_CLOCK_OFFSET_MS: String(Math.round(days * DAY)) })
      child = server.child
      url = server.url
      return adminCaller(server.url, ADMIN)
    }
    const deadlines = async (call: ReturnType<typeof adminCaller>, id: string) =>
      ((await call('GET', `/instances/${id}/events`)).data.events as any[]).filter((e) => e.type === 'deadline').map((e) => e.data.state)
    const views = async (call: ReturnType<typeof adminCaller>, cycle: string) => {
      const list = (await call('GET', `/cycles/${cycle}/instances`)).data.instances as any[]
      return Promise.all(list.map(async (i) => (await call('GET', `/instances/${i.id}`)).data))
    }

    // Day 0: one appraisal gets all its answers and waits for its results rating.
    let call = await start(0)
    const csv = await readFile(`${FIXTURES}roster.csv`, 'utf8')
    const rows = csv.trim().split('\n').slice(1).map((l) => l.split(','))
    const [nip, name, , , , supervisor, , peers] = rows[0]!
    expect((await call('POST', '/offices', { id: 'kecamatan-plaju', name: 'Kecamatan Plaju' })).status).toBe(201)
    const cycle = (await call('POST', '/offices/kecamatan-plaju/cycles', { name: 'Kompetensi 2026', package: 'plaju-kompetensi-360' })).data.id as string
    expect((await call('PUT', `/cycles/${cycle}/roster`, csv, 'text/csv')).status).toBe(200)
    expect((await call('POST', `/cycles/${cycle}/start`)).status).toBe(200)
    const hook = (await call('POST', `/cycles/${cycle}/bindings`, bindingInput('kobo'))).data.id as string
    const rated = `${cycle}.${nip}`
    const raters: [Role, string][] = [['self', nip!], ['supervisor', supervisor!], ...peers!.split(';').map((p): [Role, string] => ['peer', p])]
    for (const [seq, [role, rater]] of raters.entries()) {
      const scores = { integritas: 4, kerjasama: 4, komunikasi: 4, pelayanan_publik: 4 }
      const sent = await send(`${url}/hooks/${hook}`, buildDelivery('kobo', { seq, subject: { nip: nip!, name: name! }, rater: { nip: rater, name: rater }, role, scores }, { hookUrl: '', now: new Date() }))
      expect(sent.status, JSON.stringify(sent)).toBe(200)
    }
    const day0 = await views(call, cycle)
    const waiting = day0.find((v) => v.id === rated)
    expect(waiting.state).toBe('rating')
    expect(waiting.deadlines.filter((d: any) => d.kind === 'deadline')).toEqual([expect.objectContaining({ state: 'rating' })])
    const others = day0.filter((v) => v.id !== rated)
    expect(others.length).toBeGreaterThan(0)
    expect(others.every((v) => v.state === 'collect')).toBe(true)

    // Killed; back on day 8: the rating deadline (day 7) fires, once.
    call = await start(8)
    await waitFor('the rating deadline to fire', async () => ((await call('GET', `/instances/${rated}`)).data.state !== 'rating' ? true : undefined))
    expect(await deadlines(call, rated)).toEqual(['rating'])
    const day8 = (await call('GET', `/instances/${rated}`)).data
    expect(day8.state).toBe('objection')
    for (const o of others) expect(await deadlines(call, o.id), o.id).toEqual([])

    // Killed; back on day 15: the collect deadlines (day 14) fire, once each, so this start's tick
    // surely ran; the rating deadline, still in the past, does not fire again.
    call = await start(15)
    await waitFor('the collect deadlines to fire', async () => ((await views(call, cycle)).every((v) => v.state !== 'collect') ? true : undefined))
    expect(await deadlines(call, rated)).toEqual(['rating'])
    expect((await call('GET', `/instances/${rated}`)).data).toEqual(day8)
    for (const o of others) expect(await deadlines(call, o.id), o.id).toEqual(['collect'])
  }, 60_000)

  it('(the offset itself) moves the clock by KINERJA_CLOCK_OFFSET_MS and refuses what is not a whole number', () => {
    const now = Date.now()
    expect(Math.abs(clockFrom({}).now().getTime() - now)).toBeLessThan(1000)
    expect(Math.abs(clockFrom({ KINERJA_CLOCK_OFFSET_MS: String(8 * DAY) }).now().getTime() - (now + 8 * DAY))).toBeLessThan(1000)
    expect(Math.abs(clockFrom({ KINERJA_CLOCK_OFFSET_MS: String(-DAY) }).now().getTime() - (now - DAY))).toBeLessThan(1000)
    for (const bad of ['8d', '1.5', 'NaN', '1e400']) expect(() => clockFrom({ KINERJA_CLOCK_OFFSET_MS: bad }), bad).toThrow(/KINERJA_CLOCK_OFFSET_MS/)
  })
})
