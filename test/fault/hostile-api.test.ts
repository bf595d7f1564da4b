/**
 * Hostile requests to the admin API, generated from /openapi.json (hostile-api-suite.ts says what
 * and what must hold), in a worker thread so a hang fails instead of freezing the run; then raw,
 * malformed HTTP against the real Node server (hostile-raw-http.ts). A failure prints its seed:
 * HOSTILE_SEED=<seed> runs the same cases again. Below, the failures the corpus found.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { harness, SAMPLE, sampleSubmissions } from '../support/harness.ts'
import { startServer, stopServer } from '../support/node-server.ts'
import type { ApiInput, ApiSummary } from './hostile-api-suite.ts'
import { RAW_CASES, sendRaw } from './hostile-raw-http.ts'
import { runSuiteInWorker, suiteInput } from './hostile-worker.ts'

describe('hostile requests to every API operation (a generated corpus)', () => {
  it('never answers 5xx or hangs, answers problem+json, and leaves every page readable', async () => {
    const input: ApiInput = suiteInput(60, 5000, 14_000)
    const verdict = await runSuiteInWorker<ApiInput, ApiSummary>(new URL('./hostile-api-suite.ts', import.meta.url), 'runApiSuite', input, 26_000)
    expect(verdict.failure, verdict.failure).toBeUndefined()
    const { properties, statuses, succeeded } = verdict.result!
    for (const [name, run] of Object.entries(properties)) expect(run.runs, name).toBeGreaterThanOrEqual(20)
    for (const status of ['200', '400', '401', '404', '422']) expect(statuses[status], `answers ${status}`).toBeGreaterThan(0)
    // Some requests got through validation into the handlers that change things.
    expect(succeeded.filter((op) => !op.startsWith('GET ')).length).toBeGreaterThanOrEqual(2)
  }, 30_000)
})

describe('malformed HTTP on the wire, to the real Node server', () => {
  it('answers every malformed request below 500 (or closes), logs no unhandled error, and goes on serving', async () => {
    const admin = 'kj_hostile-raw-http-admin-0123456789'
    const dataDir = await mkdtemp(join(tmpdir(), 'kinerja-hostile-raw-'))
    const server = await startServer(dataDir, admin)
    try {
      const port = Number(new URL(server.url).port)
      const ctx = { host: `127.0.0.1:${port}`, admin }
      // A sender that stops half-way is waited for (up to Node's request timeout); the rest answer at once.
      const answers = await Promise.all(RAW_CASES.map(async (c) => ({ c, a: await sendRaw(port, c.bytes(ctx), c.keepOpen ?? false, c.keepOpen ? 1500 : 8000) })))
      for (const { c, a } of answers) {
        for (const status of a.statuses) expect(status, `${c.name}: ${a.head}`).toBeLessThan(500)
        if (!c.keepOpen) expect(a.silent, `${c.name}: no answer and no close`).toBe(false)
      }
      expect(answers.find((x) => x.c.name === 'a 2 MB hook body in chunks, no length')!.a.statuses).toEqual([413])
      expect(answers.find((x) => x.c.name === 'pipelined requests')!.a.statuses).toEqual([200, 401, 200])
      expect((await fetch(`${server.url}/health`)).status).toBe(200)
      const office = await fetch(`${server.url}/offices`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'kecamatan-plaju', name: 'Plaju' }) })
      expect(office.status).toBe(201)
      expect(server.child.exitCode).toBeNull()
      expect(server.log()).not.toMatch(/unhandled error/)
    } finally {
      await stopServer(server.child)
      await rm(dataDir, { recursive: true, force: true })
    }
  }, 30_000)
})

describe('what the corpus found', () => {
  it('refuses a simulation whose submission names its subject with an object, by pointer (was a 500)', async () => {
    const h = await harness()
    const [first, ...rest] = (await sampleSubmissions()).slice(0, 3)
    const body = {
      roster: JSON.parse(readFileSync(`${SAMPLE}roster.json`, 'utf8')).slice(0, 4),
      submissions: [{ ...first, subject: { toString: 1, valueOf: 'x' } }, null, ...rest],
      actions: [{ nip: [], action: 'confirm' }],
    }
    const res = await h.request('POST', `/packages/${h.pkg.id}/simulate`, { json: body })
    expect(res.status).toBe(422)
    expect(res.type).toContain('application/problem+json')
    const paths = res.data.errors.map((e: { path: string }) => e.path)
    expect(paths).toEqual(expect.arrayContaining(['/submissions/0/subject', '/submissions/1', '/actions/0/nip', '/actions/0/actor']))
  })

  it('refuses a request body nested 3,000 levels deep with a 422 naming where (was a 500: a stack overflow)', async () => {
    const h = await harness()
    const deep = JSON.parse(`${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`)
    const sim = await h.request('POST', `/packages/${h.pkg.id}/simulate`, { json: { roster: [], submissions: [{ deep }] } })
    expect(sim.status).toBe(422)
    // The body is level 1, submissions 2, the item 3, deep 4: the 65th level is 61 'a's below deep.
    expect(sim.data.errors[0].path).toBe(`/submissions/0/deep${'/a'.repeat(61)}`)
    const cycle = await h.runningCycle()
    const instance = (await h.request('GET', `/cycles/${cycle}/instances`)).data.instances[0].id
    const action = await h.request('POST', `/instances/${instance}/actions/confirm`, { json: { actor: '197604152000031002', input: deep } })
    expect(action.status).toBe(422)
    expect(action.data.detail).toMatch(/nested deeper than 64 levels/)
    // 64 levels is still fine (the limit webhook bodies have too): body, submissions, item, answers, then 60 arrays.
    const roster = JSON.parse(readFileSync(`${SAMPLE}roster.json`, 'utf8'))
    const [sample] = await sampleSubmissions()
    const nested = (n: number) => JSON.parse(`${'['.repeat(n)}1${']'.repeat(n)}`)
    const at = (n: number) => h.request('POST', `/packages/${h.pkg.id}/simulate`, { json: { roster, submissions: [{ ...sample, answers: { ...sample.answers, x: nested(n) } }], runDeadlines: false } })
    expect((await at(60)).status).toBe(200)
    expect((await at(61)).status).toBe(422)
  })
})
