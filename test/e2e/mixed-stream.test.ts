/**
 * End to end: the real Node server (lowdb in a temp folder) receives a shuffled, concurrent stream
 * of webhooks from every form builder at once (Kobo, Google Forms, Tally, Typeform, Jotform,
 * Formbricks, SurveyJS), each made from the builder's shared fixture and signed as the builder signs
 * it, with byte-identical retries and one tampered delivery among them. Every employee of the
 * fixtures' roster is appraised completely through several builders; the scores the server explains
 * must be the ones computed here from the answers sent, and every appraisal then runs to its end.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import framework from '../../workflows/plaju-kompetensi-360/framework.json' with { type: 'json' }
import workflow from '../../workflows/plaju-kompetensi-360/workflow.json' with { type: 'json' }
import { FIXTURES } from '../support/deliveries.ts'
import {
  bindingInput,
  buildDelivery,
  hookSecretsEnv,
  SCORED,
  WEBHOOK_BUILDERS,
  type Assessment,
  type BuiltDelivery,
  type Person,
  type Role,
  type Scores,
  type WebhookBuilder,
} from '../support/payloads.ts'
import { startServer, stopServer } from '../support/node-server.ts'

const ADMIN = 'kj_e2e-mixed-admin-key-0123456789abcdef'
const WEIGHTS = { self: 20, supervisor: 50, peer: 30 }
const COMPETENCY_OF: Record<(typeof SCORED)[number], string> = {
  integritas: 'integritas',
  kerjasama: 'kerjasama',
  komunikasi: 'komunikasi',
  pelayanan_publik: 'pelayanan-publik',
}
type Rating = 'di-bawah' | 'sesuai' | 'di-atas'

/**
 * What each rater answers, as [integritas, kerjasama, komunikasi, orientasi pelayanan], and the
 * results rating the supervisor sets afterwards. Rahmat, Wahyu and Sri rate themselves a level
 * away from their supervisor somewhere (a discussion follows); Yudi and Maya agree with theirs.
 * Wahyu and Sri have four peers, so four answer: the collect state waits for every assigned peer.
 * Their peer sums are odd, so their weighted scores end in a 5 in the third decimal and show
 * scoring.jsonata's rounding (half to even: 4.125 -> 4.12).
 */
const ANSWERS: Record<string, { self: number[]; supervisor: number[]; peers: number[][]; rating: Rating }> = {
  '198503122010011001': { self: [4, 4, 3, 5], supervisor: [5, 4, 3, 4], peers: [[4, 5, 4, 3], [3, 4, 4, 4], [4, 4, 5, 4]], rating: 'sesuai' },
  '199204182019031004': { self: [4, 3, 4, 4], supervisor: [4, 3, 4, 4], peers: [[3, 4, 4, 5], [4, 4, 3, 4], [5, 3, 4, 4]], rating: 'di-atas' },
  '197611042003121003': { self: [5, 4, 4, 4], supervisor: [4, 4, 4, 3], peers: [[4, 4, 3, 3], [3, 4, 4, 4], [4, 3, 4, 3], [4, 4, 4, 4]], rating: 'sesuai' },
  '199007252015032002': { self: [3, 4, 4, 4], supervisor: [3, 4, 4, 4], peers: [[4, 4, 4, 5], [3, 3, 4, 4], [4, 5, 3, 4]], rating: 'di-bawah' },
  '197805152006042011': { self: [4, 4, 4, 4], supervisor: [3, 3, 4, 4], peers: [[4, 3, 3, 4], [3, 4, 3, 3], [4, 4, 4, 3], [4, 3, 3, 4]], rating: 'di-atas' },
}

interface Employee extends Person {
  position: string
  supervisor: string
  superior: string
  peers: string[]
}

function parseRoster(csv: string): Employee[] {
  const [header, ...lines] = csv.trim().split('\n')
  const cols = header!.split(',')
  return lines.map((line) => {
    const row = Object.fromEntries(line.split(',').map((v, i) => [cols[i], v]))
    return { nip: row.nip!, name: row.name!, position: row.position!, supervisor: row.supervisor!, superior: row.superior!, peers: row.peers!.split(';') }
  })
}

const scoresOf = (list: number[]): Scores => Object.fromEntries(SCORED.map((p, i) => [p, list[i]!])) as Scores

/** Decimal rounding half to even, as JSONata's $round does, of the exact fraction num/den. */
function roundHalfEven(num: number, den: number, places: number): number {
  const scaled = num * 10 ** places
  let q = Math.floor(scaled / den)
  const r = scaled - q * den
  if (2 * r > den || (2 * r === den && q % 2 === 1)) q++
  return q / 10 ** places
}

/** Per competency: each role's mean and the weighted score, from the integer answers sent. */
function expectedScores(e: Employee) {
  const a = ANSWERS[e.nip]!
  const n = a.peers.length
  return SCORED.map((prop, i) => {
    const self = a.self[i]!
    const supervisor = a.supervisor[i]!
    const peerSum = a.peers.reduce((s, p) => s + p[i]!, 0)
    // All three roles answered, so the weights sum to 100: (20 self + 50 sup + 30 peerSum/n) / 100.
    const weighted = { num: WEIGHTS.self * self * n + WEIGHTS.supervisor * supervisor * n + WEIGHTS.peer * peerSum, den: 100 * n }
    return {
      competency: COMPETENCY_OF[prop],
      self,
      supervisor,
      peer: roundHalfEven(peerSum, n, 2),
      score: roundHalfEven(weighted.num, weighted.den, 2),
      // A tie where half to even and half up differ (4.125 -> 4.12, not 4.13).
      evenTie: roundHalfEven(weighted.num, weighted.den, 2) !== Math.floor((weighted.num * 100) / weighted.den + 0.5) / 100,
      disagree: Math.abs(self - supervisor) >= workflow.params.discrepancyMargin,
    }
  })
}

/** The predikat the package's matrix gives for the chosen answers and rating (PermenPANRB 6/2022). */
function expectedPredikat(e: Employee): string {
  const required: Record<string, number | undefined> = framework.positions.find((p) => p.id === e.position)!.required
  const rows = expectedScores(e)
  const fulfilment = rows.reduce((s, r) => s + r.score / required[r.competency]!, 0) / rows.length
  const { diAtasFrom, sesuaiFrom } = workflow.params.ratingPerilaku
  const perilaku: Rating = fulfilment >= diAtasFrom ? 'di-atas' : fulfilment >= sesuaiFrom ? 'sesuai' : 'di-bawah'
  return (workflow.params.predikatMatrix as Record<Rating, Record<Rating, string>>)[ANSWERS[e.nip]!.rating][perilaku]
}

interface Planned extends Assessment {
  builder: WebhookBuilder
}

/**
 * Every employee: self, supervisor and each assigned peer, the builders taken in turn so that
 * consecutive answers about one person come through different builders.
 */
function plan(roster: Employee[], names: Map<string, string>): Planned[] {
  const person = (nip: string): Person => ({ nip, name: names.get(nip) ?? 'Rekan Kerja' })
  const out: Planned[] = []
  for (const e of roster) {
    const a = ANSWERS[e.nip]!
    const raters: [Role, string, number[]][] = [['self', e.nip, a.self], ['supervisor', e.supervisor, a.supervisor], ...a.peers.map((s, i): [Role, string, number[]] => ['peer', e.peers[i]!, s])]
    for (const [role, rater, scores] of raters) {
      const seq = out.length
      out.push({ seq, builder: WEBHOOK_BUILDERS[seq % WEBHOOK_BUILDERS.length]!, subject: person(e.nip), rater: person(rater), role, scores: scoresOf(scores) })
    }
  }
  return out
}

/** A small seeded generator (mulberry32), so the shuffled order is the same on every run. */
function seeded(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function shuffle<T>(list: T[], random: () => number): T[] {
  const out = [...list]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

async function inPool<T>(tasks: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length)
  let next = 0
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++
      results[i] = await tasks[i]!()
    }
  }
  await Promise.all(Array.from({ length: width }, worker))
  return results
}

interface Answer {
  status: number
  data: any
}

describe('a mixed stream from every form builder into one Plaju cycle on the Node server', () => {
  let dataDir = ''
  let server: Awaited<ReturnType<typeof startServer>> | undefined
  let roster: Employee[] = []
  let planned: Planned[] = []
  let cycle = ''
  const bindings = {} as Record<WebhookBuilder, string>

  const call = async (method: string, path: string, body?: unknown, type = 'application/json'): Promise<Answer> => {
    const res = await fetch(server!.url + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body !== undefined ? { 'content-type': type } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    return { status: res.status, data: await res.json() }
  }
  const post = async (d: BuiltDelivery): Promise<Answer> => {
    const res = await fetch(`${server!.url}/hooks/${bindings[d.builder]}${d.query}`, { method: 'POST', headers: d.headers, body: d.body })
    const text = await res.text()
    try {
      return { status: res.status, data: JSON.parse(text) }
    } catch {
      return { status: res.status, data: text }
    }
  }
  const instanceOf = (nip: string) => `${cycle}.${nip}`
  const expectNoPeerNip = async () => {
    for (const e of roster) {
      const view = JSON.stringify((await call('GET', `/instances/${instanceOf(e.nip)}`)).data)
      const trail = (await call('GET', `/instances/${instanceOf(e.nip)}/events`)).data.events as any[]
      // The trail does record each peer's answer, only not who gave it.
      expect(trail.filter((ev) => ev.type === 'submission-accepted' && ev.data.role === 'peer')).toHaveLength(e.peers.length)
      const events = JSON.stringify(trail)
      for (const peer of e.peers) {
        expect(view.includes(peer), `peer ${peer} in the view of ${e.nip}`).toBe(false)
        expect(events.includes(peer), `peer ${peer} in the events of ${e.nip}`).toBe(false)
      }
    }
  }

  beforeAll(async () => {
    const csv = await readFile(`${FIXTURES}roster.csv`, 'utf8')
    roster = parseRoster(csv)
    planned = plan(roster, new Map(roster.map((e) => [e.nip, e.name])))
    dataDir = await mkdtemp(join(tmpdir(), 'kinerja-mixed-'))
    server = await startServer(dataDir, ADMIN, hookSecretsEnv())

    expect((await call('POST', '/offices', { id: 'kecamatan-plaju', name: 'Kecamatan Plaju' })).status).toBe(201)
    const created = await call('POST', '/offices/kecamatan-plaju/cycles', { name: 'Kompetensi 2026 TW I', package: 'plaju-kompetensi-360' })
    expect(created.status, JSON.stringify(created.data)).toBe(201)
    cycle = created.data.id
    const imported = await call('PUT', `/cycles/${cycle}/roster`, csv, 'text/csv')
    expect(imported.status, JSON.stringify(imported.data)).toBe(200)
    expect(imported.data.imported).toBe(roster.length)
    expect((await call('POST', `/cycles/${cycle}/start`)).status).toBe(200)
    for (const builder of WEBHOOK_BUILDERS) {
      const b = await call('POST', `/cycles/${cycle}/bindings`, bindingInput(builder))
      expect(b.status, JSON.stringify(b.data)).toBe(201)
      bindings[builder] = b.data.id
    }
  }, 30_000)

  afterAll(async () => {
    if (server) await stopServer(server.child)
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  it('plans a complete appraisal of everyone, spread over every builder', () => {
    for (const e of roster) {
      const about = planned.filter((p) => p.subject.nip === e.nip)
      expect(about.map((p) => p.role).sort()).toEqual([...e.peers.map(() => 'peer'), 'self', 'supervisor'])
      expect(new Set(about.filter((p) => p.role === 'peer').map((p) => p.rater.nip)).size).toBe(e.peers.length)
      expect(new Set(about.map((p) => p.builder)).size).toBeGreaterThanOrEqual(3)
    }
    for (const b of WEBHOOK_BUILDERS) expect(planned.filter((p) => p.builder === b).length).toBeGreaterThanOrEqual(3)
    // The rounding case the scores were chosen for is really there.
    expect(roster.flatMap(expectedScores).some((r) => r.evenTie)).toBe(true)
  })

  const originals: { planned: Planned; delivery: BuiltDelivery; answer: Answer }[] = []
  const retries: { of: number; answer: Answer }[] = []
  let forged: Answer | undefined

  it('answers every delivery of a shuffled, concurrent stream: 200 once, duplicate for a retry, 401 for a tampered body', async () => {
    const now = new Date()
    const deliveries = planned.map((p) => buildDelivery(p.builder, p, { hookUrl: `${server!.url}/hooks/${bindings[p.builder]}`, now }))
    const random = seeded(20260302)

    // Retries: the first delivery of four builders, sent again byte for byte after its answer.
    const retried = (['kobo', 'tally', 'jotform', 'formbricks'] as const).map((b) => planned.findIndex((p) => p.builder === b))
    // Tampered in transit: a Typeform body with one score changed, under the original signature.
    const victim = planned.findIndex((p) => p.builder === 'typeform' && p.role === 'peer')
    const tampered = JSON.parse(deliveries[victim]!.body)
    tampered.form_response.answers.find((x: any) => x.field.ref === 'integritas').number = 1
    const forgery: BuiltDelivery = { ...deliveries[victim]!, body: JSON.stringify(tampered) }

    const sent = new Map<number, Promise<Answer>>()
    type Task = { kind: 'original' | 'retry' | 'forged'; index: number }
    let order: Task[] = shuffle([...planned.map((_, index): Task => ({ kind: 'original', index })), { kind: 'forged', index: victim }], random)
    for (const index of retried) {
      // A retry goes somewhere after the delivery it repeats, as a builder's retry would.
      const after = order.findIndex((t) => t.kind === 'original' && t.index === index)
      const at = after + 1 + Math.floor(random() * (order.length - after))
      order = [...order.slice(0, at), { kind: 'retry', index }, ...order.slice(at)]
    }
    const tasks = order.map((t) => async () => {
      if (t.kind === 'forged') forged = await post(forgery)
      else if (t.kind === 'retry') {
        await sent.get(t.index)
        retries.push({ of: t.index, answer: await post(deliveries[t.index]!) })
      } else {
        const answer = post(deliveries[t.index]!)
        sent.set(t.index, answer)
        originals[t.index] = { planned: planned[t.index]!, delivery: deliveries[t.index]!, answer: await answer }
      }
    })
    await inPool(tasks, 4)

    expect(originals.filter(Boolean)).toHaveLength(planned.length)
    for (const o of originals) {
      const what = `${o.planned.builder} ${o.planned.role} of ${o.planned.subject.nip}: ${JSON.stringify(o.answer.data)}`
      expect(o.answer.status, what).toBe(200)
      expect(o.answer.data.status, what).toBe('accepted')
      expect(o.answer.data.instance, what).toBe(instanceOf(o.planned.subject.nip))
    }
    expect(retries).toHaveLength(retried.length)
    for (const r of retries) {
      expect(r.answer.status, JSON.stringify(r.answer.data)).toBe(200)
      expect(r.answer.data.status).toBe('duplicate')
      expect(r.answer.data.receipt).toBe(originals[r.of]!.answer.data.receipt)
    }
    expect(forged?.status, JSON.stringify(forged?.data)).toBe(401)
    expect(forged?.data.code).toBe('bad-signature')
    expect(server!.log()).not.toMatch(/ error /)
  }, 20_000)

  it('keeps one accepted receipt per distinct delivery, a retry counted as a second attempt', async () => {
    const { status, data } = await call('GET', `/cycles/${cycle}/receipts`)
    expect(status).toBe(200)
    const receipts = data.receipts as any[]
    expect(receipts).toHaveLength(planned.length)
    expect(receipts.filter((r) => r.status !== 'accepted').map((r) => [r.status, r.reasons])).toEqual([])
    expect(new Set(receipts.map((r) => r.id))).toEqual(new Set(originals.map((o) => o.answer.data.receipt)))
    const retriedIds = new Set(retries.map((r) => originals[r.of]!.answer.data.receipt))
    for (const r of receipts) expect(r.attempts, r.id).toBe(retriedIds.has(r.id) ? 2 : 1)
    for (const b of WEBHOOK_BUILDERS) {
      expect(receipts.filter((r) => r.binding === bindings[b]).length, b).toBe(planned.filter((p) => p.builder === b).length)
    }
  })

  it('moves every appraisal out of collect: to a discussion where self and supervisor disagree, else to the rating', async () => {
    const instances = (await call('GET', `/cycles/${cycle}/instances`)).data.instances as any[]
    expect(instances).toHaveLength(roster.length)
    for (const e of roster) {
      const i = instances.find((x) => x.nip === e.nip)
      const disagree = expectedScores(e).some((r) => r.disagree)
      expect(i.state, e.nip).toBe(disagree ? 'discussion' : 'rating')
    }
  })

  it("explains each competency score with the means of the answers sent and the 20/50/30 weighting", async () => {
    for (const e of roster) {
      const view = (await call('GET', `/instances/${instanceOf(e.nip)}`)).data
      const a = ANSWERS[e.nip]!
      expect(view.responses.self.count).toBe(1)
      expect(view.responses.self.answers[0]).toMatchObject({ rater: e.nip, form: 'ringkas' })
      expect(view.responses.supervisor.answers[0]).toMatchObject({ rater: e.supervisor, form: 'ringkas' })
      expect(view.responses.peer).toEqual({ count: a.peers.length, anonymous: true, shown: true })
      for (const want of expectedScores(e)) {
        const row = (view.explanation.scores as any[]).find((s) => s.competency === want.competency)
        expect(row, `${e.nip} ${want.competency}`).toBeDefined()
        const where = `${e.nip} ${want.competency}: ${JSON.stringify(row)}`
        expect(row.roles.self, where).toMatchObject({ mean: want.self, weight: WEIGHTS.self })
        expect(row.roles.supervisor, where).toMatchObject({ mean: want.supervisor, weight: WEIGHTS.supervisor })
        expect(row.roles.peer, where).toMatchObject({ mean: want.peer, weight: WEIGHTS.peer })
        expect(row.score, where).toBe(want.score)
      }
    }
  })

  it('never shows who the peers were, in the instance or in its audit trail', async () => {
    await expectNoPeerNip()
  })

  it('runs every appraisal to the end over HTTP: discussion, rating, objection window, predikat', async () => {
    for (const e of roster) {
      const id = instanceOf(e.nip)
      let state = (await call('GET', `/instances/${id}`)).data.state
      if (state === 'discussion') {
        const confirmed = await call('POST', `/instances/${id}/actions/confirm`, { actor: e.supervisor })
        expect(confirmed.status, JSON.stringify(confirmed.data)).toBe(200)
        state = confirmed.data.state
      }
      expect(state, e.nip).toBe('rating')
      const rated = await call('POST', `/instances/${id}/actions/set`, { actor: e.supervisor, input: { ratingHasilKerja: ANSWERS[e.nip]!.rating } })
      expect(rated.status, JSON.stringify(rated.data)).toBe(200)
      expect(rated.data.state).toBe('objection')
      const accepted = await call('POST', `/instances/${id}/actions/accept`, { actor: e.nip })
      expect(accepted.status, JSON.stringify(accepted.data)).toBe(200)
      expect(accepted.data).toMatchObject({ state: 'done', status: 'done' })
    }
    const instances = (await call('GET', `/cycles/${cycle}/instances`)).data.instances as any[]
    expect(instances.map((i) => i.status)).toEqual(roster.map(() => 'done'))
    for (const e of roster) {
      const vars = (await call('GET', `/instances/${instanceOf(e.nip)}`)).data.vars
      expect(vars.ratingHasilKerja, e.nip).toBe(ANSWERS[e.nip]!.rating)
      expect(vars.predikat, e.nip).toBe(expectedPredikat(e))
      expect(vars.predikatNote, e.nip).toBeNull()
    }
    await expectNoPeerNip()
  })
})
