/**
 * Concurrency: 500 distinct submissions for one appraisal, sent at once to the real Node server
 * (lowdb files on disk). The package is Plaju with a citizens' survey role (survey-package.ts)
 * whose collect quorum is 480, so every answer races for the same instance and 20 come too late.
 * Nothing may be lost: 500 receipts, 480 accepted (each present once in the instance and its
 * trail) and 20 refused with a reason; the instance leaves collect exactly when the 480th lands.
 * And the burst should be answered as it comes, without sending anyone back to retry.
 */
import type { ChildProcess } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { killServer } from '../support/kill-server.ts'
import { startServer } from '../support/node-server.ts'
import { adminCaller } from './http.ts'
import { SURVEY_FORM, SURVEY_PACKAGE, SURVEY_ROLE, writeSurveyPackage } from './survey-package.ts'

const ADMIN = 'kj_fault-concurrency-admin-0123456789'
const SECRET = 'json-hook-secret-for-the-concurrency-test'
const QUORUM = 480
const BURST = 500

const SUBJECT = '198503122010011001'
const SUPERVISOR = '197611042003121003'
const PEERS = ['199204182019031004', '199411082020121001', '199602142022032001']
/** Distinct citizens (anyone may answer the survey role), 18 digits. */
const citizen = (i: number) => `3671${String(i).padStart(14, '0')}`
const SCORES = { integritas: 4, kerjasama: 4, komunikasi: 3, pelayanan_publik: 4 }

function signed(body: unknown) {
  const text = JSON.stringify(body)
  return { text, headers: { 'content-type': 'application/json', 'x-kinerja-signature': `sha256=${createHmac('sha256', SECRET).update(text).digest('hex')}` } }
}

interface Answer {
  i: number
  status: number
  data: any
}

interface Burst {
  url: string
  cycle: string
  instance: string
  survey: string
  own: number
  /** What each sender was told the first time (index = citizen). */
  first: Answer[]
  /** The receipts of the burst right after it, before any retry. */
  receiptsAfterBurst: any[]
  /** What each was told in the end, after retrying what it was asked to retry. */
  final: Answer[]
  retries: number
  burstMs: number
  retryMs: number
}

const tally = (answers: { status: number }[]) => Object.fromEntries([...new Set(answers.map((a) => a.status))].sort().map((s) => [s, answers.filter((a) => a.status === s).length]))

async function burst(dataDir: string, workflows: string, onChild: (c: ChildProcess) => void): Promise<Burst> {
  await writeSurveyPackage(workflows, QUORUM)
  const server = await startServer(dataDir, ADMIN, { KINERJA_WORKFLOWS_DIR: workflows, KINERJA_HOOK_JSON: SECRET })
  onChild(server.child)
  const call = adminCaller(server.url, ADMIN)

  expect((await call('POST', '/offices', { id: 'kecamatan-plaju', name: 'Kecamatan Plaju' })).status).toBe(201)
  const cycle = (await call('POST', '/offices/kecamatan-plaju/cycles', { name: 'Survei 2026', package: SURVEY_PACKAGE })).data.id as string
  const roster = [{ nip: SUBJECT, name: 'Rahmat Hidayat', position: 'staf-pelayanan', supervisor: SUPERVISOR, superior: '197604152000031002', peers: PEERS }]
  expect((await call('PUT', `/cycles/${cycle}/roster`, roster)).status).toBe(200)
  expect((await call('POST', `/cycles/${cycle}/start`)).status).toBe(200)
  const ringkas = (await call('POST', `/cycles/${cycle}/bindings`, { plugin: 'json', form: 'ringkas', secretEnv: 'KINERJA_HOOK_JSON', mapping: {} })).data.id
  const survey = (await call('POST', `/cycles/${cycle}/bindings`, { plugin: 'json', form: SURVEY_FORM, secretEnv: 'KINERJA_HOOK_JSON', mapping: {} })).data.id
  const instance = `${cycle}.${SUBJECT}`

  // The appraisal's own raters first, so only the survey quorum is left.
  const own: [string, string][] = [['self', SUBJECT], ['supervisor', SUPERVISOR], ...PEERS.map((p): [string, string] => ['peer', p])]
  for (const [i, [role, rater]] of own.entries()) {
    const { text, headers } = signed({ id: `own-${i}`, subject: SUBJECT, rater, role, answers: SCORES })
    const res = await fetch(`${server.url}/hooks/${ringkas}`, { method: 'POST', headers, body: text })
    expect(res.status, await res.text()).toBe(200)
  }
  expect((await call('GET', `/instances/${instance}`)).data.state).toBe('collect')

  const bodies = Array.from({ length: BURST }, (_, i) => ({ i, ...signed({ id: `survey-${i}`, subject: SUBJECT, rater: citizen(i), answers: SCORES }) }))
  const post = async (b: (typeof bodies)[number]): Promise<Answer> => {
    const res = await fetch(`${server.url}/hooks/${survey}`, { method: 'POST', headers: b.headers, body: b.text })
    return { i: b.i, status: res.status, data: await res.json() }
  }
  // All at once: every request is on the wire before any answer is read.
  let t = performance.now()
  const first = await Promise.all(bodies.map(post))
  const burstMs = performance.now() - t
  const receiptsAfterBurst = ((await call('GET', `/cycles/${cycle}/receipts`)).data.receipts as any[]).filter((r) => r.binding === survey)
  // Senders' retry queues: what was answered 5xx is sent again, a few at a time, until final.
  t = performance.now()
  const final = [...first]
  let retries = 0
  const again = first.filter((a) => a.status >= 500).map((a) => a.i)
  const retrier = async () => {
    for (let i = again.shift(); i !== undefined; i = again.shift()) {
      for (let attempt = 0; final[i]!.status >= 500 && attempt < 5; attempt++, retries++) final[i] = await post(bodies[i]!)
    }
  }
  await Promise.all(Array.from({ length: 4 }, retrier))
  const retryMs = performance.now() - t
  return { url: server.url, cycle, instance, survey, own: own.length, first, receiptsAfterBurst, final, retries, burstMs, retryMs }
}

describe('500 submissions for one appraisal at once', () => {
  const dirs: string[] = []
  let child: ChildProcess | undefined
  let run: Burst
  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kinerja-fault-conc-'))
    const workflows = await mkdtemp(join(tmpdir(), 'kinerja-fault-wf-'))
    dirs.push(dataDir, workflows)
    run = await burst(dataDir, workflows, (c) => (child = c))
    console.log(
      `concurrency: ${BURST} at once for one instance answered in ${Math.round(run.burstMs)} ms: ${JSON.stringify(tally(run.first))}; ` +
        `${run.retries} retries, 4 at a time, in ${Math.round(run.retryMs)} ms; final ${JSON.stringify(tally(run.final))}`,
    )
  }, 60_000)
  afterAll(async () => {
    if (child) await killServer(child)
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('keeps every one of the 500 the moment it arrives, with the outcome its sender was told', () => {
    expect(run.receiptsAfterBurst).toHaveLength(BURST)
    expect(new Set(run.receiptsAfterBurst.map((r) => r.idempotencyKey)).size).toBe(BURST)
    // 200: counted; 422: refused for good; 503: kept unprocessed ('received') for the retry.
    const expected: Record<number, string> = { 200: 'accepted', 422: 'rejected', 503: 'received' }
    // By idempotency key: a 503 does not name the receipt it kept.
    const told = new Map(run.first.map((a) => [`survey-${a.i}`, expected[a.status] ?? `answered ${a.status}`]))
    for (const r of run.receiptsAfterBurst) expect(r.status, r.idempotencyKey).toBe(told.get(r.idempotencyKey))
  })

  it('counts the quorum right: 480 accepted once each, 20 refused with a reason, one move out of collect', async () => {
    const { final: answers, instance, survey, cycle } = run
    const call = adminCaller(run.url, ADMIN)
    const accepted = answers.filter((a) => a.status === 200)
    const refused = answers.filter((a) => a.status === 422)
    expect(answers.filter((a) => a.status !== 200 && a.status !== 422).map((a) => `${a.i}: ${a.status} ${a.data.detail}`)).toEqual([])
    expect(accepted).toHaveLength(QUORUM)
    expect(accepted.every((a) => a.data.status === 'accepted' && a.data.instance === instance)).toBe(true)
    expect(refused).toHaveLength(BURST - QUORUM)
    for (const r of refused) expect(r.data.detail).toMatch(/already has the 480 answer|does not collect answers/)

    // 500 receipts, each with the final outcome its sender was told.
    const receipts = ((await call('GET', `/cycles/${cycle}/receipts`)).data.receipts as any[]).filter((r) => r.binding === survey)
    expect(receipts).toHaveLength(BURST)
    const told = new Map(answers.map((a) => [a.data.receipt as string, a.status === 200 ? 'accepted' : 'rejected']))
    for (const r of receipts) expect(r.status, r.id).toBe(told.get(r.id))

    // The instance holds exactly the accepted answers, each once, and has moved on.
    const view = (await call('GET', `/instances/${instance}`)).data
    expect(view.state).not.toBe('collect')
    const raters = view.responses[SURVEY_ROLE].answers.map((a: any) => a.rater)
    expect(raters).toHaveLength(QUORUM)
    expect(new Set(raters)).toEqual(new Set(accepted.map((a) => citizen(a.i))))

    // The trail: one accepted event per accepted receipt, and the one move out of collect right
    // after the last of them.
    const events = (await call('GET', `/instances/${instance}/events`)).data.events as any[]
    const surveyEvents = events.filter((e) => e.type === 'submission-accepted' && e.data.role === SURVEY_ROLE)
    expect(surveyEvents.map((e) => e.data.receipt).sort()).toEqual(accepted.map((a) => a.data.receipt).sort())
    const leftCollect = events.filter((e) => e.type === 'entered' && e.data.from === 'collect')
    expect(leftCollect).toHaveLength(1)
    expect(leftCollect[0].seq).toBe(Math.max(...surveyEvents.map((e) => e.seq)) + 1)
    expect(events.filter((e) => e.type === 'submission-accepted')).toHaveLength(QUORUM + run.own)
  })

  it('answers all 500 as they come, without sending any back to retry', () => {
    // A 503 keeps the receipt but leaves it unprocessed until the sender retries or HR replays it;
    // a sender that gives up (or a burst bigger than its retries) leaves answers that do not count.
    const busy = run.first.filter((a) => a.status >= 500)
    expect(busy.length, `${busy.length} of ${BURST} were answered ${JSON.stringify(busy[0]?.data.detail)}`).toBe(0)
  })
})
