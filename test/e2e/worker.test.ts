/**
 * End to end in workerd: `wrangler dev` (the real Workers runtime, no code generation allowed) on
 * a free local port with a fresh local D1 that `wrangler d1 migrations apply` prepared, running the
 * same whole-cycle scenario as the Node server. Then the cron path: the objection window of the
 * appraisal left waiting is moved into the past in D1 (as time would move it), the scheduled
 * handler is triggered, and the deadline fires exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hookSecretsEnv } from '../support/payloads.ts'
import { ROOT, WRANGLER, WRANGLER_ENV, freePort, runWrangler as wrangler } from '../support/wrangler.ts'
import { caller, wholeCycle, type WholeCycleResult } from '../support/whole-cycle.ts'

const ADMIN = 'kj_e2e-worker-admin-key-0123456789abcdef'

describe('the Worker under wrangler dev with a local D1', () => {
  let state = ''
  let dev: ChildProcess | undefined
  let url = ''
  let log = ''
  let run: WholeCycleResult

  beforeAll(async () => {
    state = await mkdtemp(join(tmpdir(), 'kinerja-workerd-'))
    await wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state])
    const port = await freePort()
    const vars = { ...hookSecretsEnv(), KINERJA_ADMIN_KEY: ADMIN, KINERJA_LINK_SECRET: 'e2e-link-secret' }
    dev = spawn(
      WRANGLER,
      ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state, '--test-scheduled', '--inspector-port', String(await freePort()), ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`])],
      { cwd: ROOT, env: WRANGLER_ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    )
    dev.stdout!.on('data', (d) => (log += d))
    dev.stderr!.on('data', (d) => (log += d))
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wrangler dev did not start:\n${log}`)), 60_000)
      const check = setInterval(() => {
        if (/Ready on http:\/\/127\.0\.0\.1:\d+/.test(log)) {
          clearInterval(check)
          clearTimeout(timer)
          resolve(`http://127.0.0.1:${port}`)
        }
      }, 100)
      dev!.on('exit', (code) => {
        clearInterval(check)
        clearTimeout(timer)
        reject(new Error(`wrangler dev exited with ${code}:\n${log}`))
      })
    })
  }, 90_000)

  afterAll(async () => {
    if (dev && dev.exitCode === null) {
      const exited = new Promise((r) => dev!.once('exit', r))
      process.kill(-dev.pid!, 'SIGTERM')
      await exited
    }
    if (state) await rm(state, { recursive: true, force: true })
  })

  it('runs the whole cycle: roster, Kobo and Google Forms answers, discussion, rating, objection by link, decision', async () => {
    const health = await fetch(`${url}/health`)
    expect(await health.json()).toMatchObject({ status: 'ok', packages: expect.arrayContaining([expect.stringMatching(/^plaju-kompetensi-360@/)]) })
    run = await wholeCycle({ url, admin: ADMIN })
    // workerd refuses code generation from strings: had any path tried it, a request would have failed.
    expect(log).not.toMatch(/EvalError|Code generation from strings disallowed/)
  }, 120_000)

  it('imports a roster of 10,000 employees in one call within D1 limits, and refuses an oversized delivery with 413', async () => {
    const call = caller({ url, admin: ADMIN })
    const cycle = (await call('POST', '/offices/kecamatan-plaju/cycles', { name: 'Kantor besar', package: 'plaju-kompetensi-360' })).data.id
    const nip = (i: number) => `1990010120201${String(i).padStart(5, '0')}`
    const rows = Array.from({ length: 10_000 }, (_, i) => `${nip(i)},Pegawai ${i},staf-pelayanan,Seksi ${i % 40},,${nip((i + 1) % 10_000)},${nip((i + 2) % 10_000)},${[3, 4, 5].map((d) => nip((i + d) % 10_000)).join(';')}`)
    const csv = ['nip,name,position,unit,email,supervisor,superior,peers', ...rows].join('\n')
    const imported = await call('PUT', `/cycles/${cycle}/roster`, csv, { type: 'text/csv' })
    expect(imported.status, JSON.stringify(imported.data).slice(0, 500)).toBe(200)
    expect(imported.data.imported).toBe(10_000)
    const roster = (await call('GET', `/cycles/${cycle}/roster`)).data.roster as any[]
    expect(roster).toHaveLength(10_000)
    expect(roster[9_999]).toMatchObject({ nip: nip(9_999), name: 'Pegawai 9999' })

    const binding = (await call('POST', `/cycles/${run.cycle}/bindings`, { plugin: 'json', form: 'ringkas' })).data
    const huge = await fetch(`${url}/hooks/${binding.id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }) })
    expect(huge.status).toBe(413)
    expect(huge.headers.get('content-type')).toContain('application/problem+json')
  }, 120_000)

  it('fires a deadline that has passed when the cron trigger runs, once', async () => {
    const call = caller({ url, admin: ADMIN })
    const before = (await call('GET', `/instances/${run.waiting}`)).data
    expect(before).toMatchObject({ state: 'objection', status: 'active' })
    // The 14-day objection window ends in the past, as if the days had gone by.
    const past = '2026-01-01T00:00:00.000Z'
    const deadlines = JSON.stringify([{ state: 'objection', kind: 'deadline', at: past }])
    await wrangler(['d1', 'execute', 'DB', '--local', '--persist-to', state, '--command', `UPDATE instances SET due_ms = ${Date.parse(past)}, doc = json_set(doc, '$.deadlines', json('${deadlines}')) WHERE id = '${run.waiting}'`])

    const cron = await fetch(`${url}/__scheduled?cron=*/5+*+*+*+*`)
    expect(cron.status).toBe(200)
    let after = before
    for (let i = 0; i < 50 && after.status === 'active'; i++) {
      await new Promise((r) => setTimeout(r, 100))
      after = (await call('GET', `/instances/${run.waiting}`)).data
    }
    expect(after).toMatchObject({ state: 'done', status: 'done' })
    await fetch(`${url}/__scheduled?cron=*/5+*+*+*+*`)
    await new Promise((r) => setTimeout(r, 300))
    const events = (await call('GET', `/instances/${run.waiting}/events`)).data.events as any[]
    expect(events.filter((e) => e.type === 'deadline')).toHaveLength(1)
  }, 60_000)
})
