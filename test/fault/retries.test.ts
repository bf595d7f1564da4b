/**
 * Retries: form builders re-send what they think did not arrive, often overlapping the original
 * and out of order. Every webhook fixture of test/fixtures/webhooks (bound as
 * test/cases/webhook-fixtures.json and test/http/fixtures-intake.test.ts do, through the package's
 * binding template per builder) is delivered three times, all copies shuffled together and sent a
 * few at a time, into lowdb files on disk; the outcome must equal delivering each once: the same
 * instances (state, vars, answers, trail), the same receipts (one per delivery, same status and
 * reasons), only the attempt counts differ.
 *
 * Fixtures that would answer the same slot (one subject's self answer, say) are put in different
 * cycles: which of two different answers wins depends on their order, which is not what is tested.
 * Before the fixtures, each cycle gets (once, in order, in both runs) the other answers its
 * appraisals need, so the fixtures' answers complete the quorum and the scores are computed.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import webhookFixtures from '../cases/webhook-fixtures.json' with { type: 'json' }
import { nodeDocumentFiles } from '../../src/entry/node-document-files.ts'
import { createLowdbStore } from '../../src/store/lowdb-store.ts'
import { BUILDERS, FIXTURES, FORMBRICKS_TIMESTAMP } from '../support/deliveries.ts'
import { harness } from '../support/harness.ts'
import { bindingInput, buildDelivery, type Role } from '../support/payloads.ts'
import { seededRandom, seedFromEnv, type Random } from './random.ts'

type Fixture = (typeof webhookFixtures.fixtures)[number]

// ODK Central is pulled, not posted: its fixture has no webhook to retry.
const FIXTURE_LIST = (webhookFixtures.fixtures as Fixture[]).filter((f) => f.builder !== 'odk-central')
const ROSTER = `${FIXTURES}roster.csv`
const secretName = (builder: string) => `KINERJA_HOOK_${builder.toUpperCase().replace(/-/g, '_')}`

/** Groups of fixtures that answer different slots (subject and role), one cycle per group. */
function groups(fixtures: Fixture[]): Fixture[][] {
  const out: Fixture[][] = []
  for (const f of fixtures) {
    const slot = (x: Fixture) => `${x.expect.subject}/${x.expect.role}`
    const group = out.find((g) => !g.some((x) => slot(x) === slot(f)))
    if (group) group.push(f)
    else out.push([f])
  }
  return out
}

async function rosterOf(file: string) {
  const [header, ...lines] = (await readFile(file, 'utf8')).trim().split('\n')
  const cols = header!.split(',')
  return new Map<string, { name: string; supervisor: string; peers: string[] }>(
    lines.map((line): [string, { name: string; supervisor: string; peers: string[] }] => {
      const row = Object.fromEntries(line.split(',').map((v, i) => [cols[i], v]))
      return [row.nip!, { name: row.name!, supervisor: row.supervisor!, peers: row.peers!.split(';') }]
    }),
  )
}

const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

interface Delivered {
  /** Per group: what the service holds, with its random ids replaced by stable names. */
  snapshots: unknown[]
  /** Per group: the attempts of each receipt, by idempotency key. */
  attempts: Record<string, number>[]
  /** Per fixture file: the statuses its copies were answered. */
  answers: Record<string, { status: number; outcome: string }[]>
  /** Appraisals whose scores were computed. */
  scored: number
}

async function deliver(copies: number, random: Random | undefined): Promise<Delivered> {
  const dir = await mkdtemp(join(tmpdir(), 'kinerja-fault-retries-'))
  dirs.push(dir)
  const secrets = Object.fromEntries(Object.entries(BUILDERS).map(([b, d]) => [secretName(b), d.secret]))
  // The clock the Formbricks fixture was signed at, fixed, so both runs stamp the same times.
  const h = await harness({ store: await createLowdbStore(nodeDocumentFiles(dir)), start: new Date(FORMBRICKS_TIMESTAMP * 1000 + 30_000).toISOString(), secrets })

  const plan = groups(FIXTURE_LIST)
  const roster = await rosterOf(ROSTER)
  let seq = 0
  const cycles: { cycle: string; hooks: Map<string, string> }[] = []
  for (const [i, group] of plan.entries()) {
    const cycle = await h.runningCycle(`kantor-${i}`, ROSTER)
    const hooks = new Map<string, string>()
    for (const builder of new Set(group.map((f) => f.builder))) {
      const created = await h.request('POST', `/cycles/${cycle}/bindings`, { json: { template: `${builder}-ringkas`, secretEnv: secretName(builder) } })
      expect(created.status, JSON.stringify(created.data)).toBe(201)
      hooks.set(builder, created.data.id)
    }
    cycles.push({ cycle, hooks })
    // The answers the fixtures' subjects still need besides the fixtures' own, sent once.
    const prefill = (await h.request('POST', `/cycles/${cycle}/bindings`, { json: bindingInput('kobo') })).data.id as string
    hooks.set('prefill', prefill)
    for (const subject of new Set(group.filter((x) => x.expect.rater !== null).map((x) => x.expect.subject))) {
      const e = roster.get(subject)!
      const filled = new Set(group.filter((x) => x.expect.subject === subject).map((x) => x.expect.role))
      const raters: [Role, string][] = [
        ...(filled.has('self') ? [] : [['self', subject] as [Role, string]]),
        ...(filled.has('supervisor') ? [] : [['supervisor', e.supervisor] as [Role, string]]),
        ...e.peers.map((p): [Role, string] => ['peer', p]),
      ]
      for (const [role, rater] of raters) {
        const d = buildDelivery('kobo', { seq: seq++, subject: { nip: subject, name: e.name }, rater: { nip: rater, name: rater }, role, scores: { integritas: 4, kerjasama: 3, komunikasi: 4, pelayanan_publik: 3 } }, { hookUrl: '', now: h.clock.now() })
        const res = await h.request('POST', `/hooks/${prefill}`, { key: null, body: d.body, headers: d.headers })
        expect(res.status, JSON.stringify(res.data)).toBe(200)
      }
    }
  }

  const sends = plan.flatMap((group, g) => group.flatMap((f) => Array.from({ length: copies }, () => ({ g, f }))))
  const order = random ? random.shuffle(sends) : sends
  const answers: Delivered['answers'] = {}
  // A few at a time, so copies of one delivery overlap as real retries do.
  let next = 0
  const sender = async () => {
    for (let s = order[next++]; s; s = order[next++]) {
      const body = await readFile(`${FIXTURES}${s.f.file}`, 'utf8')
      const builder = BUILDERS[s.f.builder]!
      const hook = cycles[s.g]!.hooks.get(s.f.builder)!
      const res = await h.request('POST', `/hooks/${hook}${builder.query ?? ''}`, { key: null, body, headers: await builder.headers(body) })
      ;(answers[s.f.file] ??= []).push({ status: res.status, outcome: res.status === 200 ? res.data.status : res.data.detail })
    }
  }
  await Promise.all(Array.from({ length: 4 }, sender))

  const snapshots: unknown[] = []
  let scored = 0
  const attempts: Record<string, number>[] = []
  for (const { cycle, hooks } of cycles) {
    const receipts = (await h.request('GET', `/cycles/${cycle}/receipts`)).data.receipts as any[]
    attempts.push(Object.fromEntries(receipts.filter((r) => r.binding !== hooks.get('prefill')).map((r) => [r.idempotencyKey, r.attempts])))
    const instances = [] as unknown[]
    for (const i of (await h.request('GET', `/cycles/${cycle}/instances`)).data.instances as any[]) {
      const events = (await h.request('GET', `/instances/${i.id}/events`)).data.events as any[]
      // Answers to different slots may land in either order: the trail is compared as a set.
      const trail = events.map(({ seq: _seq, ...e }) => JSON.stringify(e)).sort()
      const view = (await h.request('GET', `/instances/${i.id}`)).data
      if (view.vars.scores) scored++
      instances.push({ view, trail })
    }
    const kept = receipts
      .map(({ attempts: _a, id, ...r }) => ({ id, ...r }))
      .sort((a, b) => a.idempotencyKey.localeCompare(b.idempotencyKey))
    // Ids are random per run (cycles, bindings) or derived from them (receipts): name them stably.
    let text = JSON.stringify({ instances, receipts: kept, outbox: (await h.request('GET', `/cycles/${cycle}/outbox`)).data })
    for (const r of receipts) text = text.replaceAll(r.id, `receipt<${r.idempotencyKey}>`)
    for (const [builder, hook] of hooks) text = text.replaceAll(hook, `binding<${builder}>`)
    snapshots.push(JSON.parse(text.replaceAll(cycle, 'cycle')))
  }
  return { snapshots, attempts, answers, scored }
}

describe('every fixture delivered three times, shuffled', () => {
  const seed = seedFromEnv()
  const plan = groups(FIXTURE_LIST)
  let once: Delivered
  let thrice: Delivered
  beforeAll(async () => {
    console.log(`retries: seed ${seed} (KINERJA_FAULT_SEED=${seed} repeats it); ${FIXTURE_LIST.length} fixtures in ${plan.length} cycles`)
    once = await deliver(1, undefined)
    thrice = await deliver(3, seededRandom(seed))
  })

  it('ends exactly as delivering each once: same instances, vars and answers, one receipt per delivery', () => {
    expect(thrice.snapshots, `seed ${seed}`).toEqual(once.snapshots)
    // Something was actually delivered, counted and scored: not two empty snapshots.
    const accepted = Object.values(once.answers).filter((a) => a[0]!.outcome === 'accepted')
    expect(accepted.length).toBe(FIXTURE_LIST.length - 1)
    expect(once.scored).toBeGreaterThanOrEqual(plan.length)
    // One receipt per delivery (by id and by idempotency key) in both runs.
    expect(once.attempts.flatMap((a) => Object.keys(a))).toHaveLength(FIXTURE_LIST.length)
    expect(thrice.attempts.flatMap((a) => Object.keys(a)).sort()).toEqual(once.attempts.flatMap((a) => Object.keys(a)).sort())

    // Each sender was told the same thing each time: accepted once then duplicate, or the same refusal.
    for (const f of FIXTURE_LIST) {
      const first = once.answers[f.file]![0]!
      const told = thrice.answers[f.file]!
      expect(told, f.file).toHaveLength(3)
      if (first.outcome === 'accepted') {
        expect(told.map((a) => a.outcome).sort(), f.file).toEqual(['accepted', 'duplicate', 'duplicate'])
        expect(told.every((a) => a.status === 200)).toBe(true)
      } else {
        expect(told, f.file).toEqual([first, first, first])
      }
    }
  })

  it('counts every copy in the receipt, even copies that arrive together', async () => {
    for (const a of once.attempts) expect(Object.values(a).every((n) => n === 1)).toBe(true)
    // Three copies on the wire at once: two wait for the first and must not overwrite each
    // other's count (the shuffled run above only sometimes overlaps them this way).
    const dir = await mkdtemp(join(tmpdir(), 'kinerja-fault-retries-'))
    dirs.push(dir)
    const kobo = BUILDERS.kobo!
    const h = await harness({ store: await createLowdbStore(nodeDocumentFiles(dir)), secrets: { KINERJA_HOOK_KOBO: kobo.secret } })
    const cycle = await h.runningCycle('kecamatan-plaju', ROSTER)
    const hook = (await h.request('POST', `/cycles/${cycle}/bindings`, { json: { template: 'kobo-ringkas', secretEnv: 'KINERJA_HOOK_KOBO' } })).data.id
    const body = await readFile(`${FIXTURES}kobo-1.json`, 'utf8')
    const headers = await kobo.headers(body)
    const told = await Promise.all([1, 2, 3].map(() => h.request('POST', `/hooks/${hook}`, { key: null, body, headers })))
    expect(told.map((t) => t.data.status).sort()).toEqual(['accepted', 'duplicate', 'duplicate'])
    const receipts = (await h.request('GET', `/cycles/${cycle}/receipts`)).data.receipts as any[]
    expect(receipts).toHaveLength(1)
    expect(receipts[0].attempts).toBe(3)
  })
})
