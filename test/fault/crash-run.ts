/**
 * The crash scenario behind test/fault/crash.test.ts (a few kills) and `npm run soak` (many): the
 * real Node server takes Kobo deliveries from several senders at once and is killed with SIGKILL
 * at seeded random moments, then restarted on the same data folder. Senders behave like Kobo:
 * whatever got no answer or a 5xx is sent again, byte for byte, until it gets a 2xx.
 *
 * What must hold, checked after every kill (files) and every restart (over HTTP):
 * - every JSON document in the data folder parses (temp files, a journal, anything not .json is
 *   skipped);
 * - every delivery that got a 2xx has its receipt, accepted, for the right instance, and its answer
 *   is in that instance exactly once: its trail holds one accepted event per answer, and no
 *   idempotency key has two receipts;
 * - an instance leaves collect once, exactly when its answers are complete.
 * After the last restart the rest is delivered (a quarter of the employees are held back for it)
 * and the cycle goes on: every answer accepted once, every instance past collect, an action works.
 *
 * Written against behaviour, not the file layout, except the "no corrupt file" check.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { killServer } from '../support/kill-server.ts'
import { startServer, type RunningServer } from '../support/node-server.ts'
import { bindingInput, buildDelivery, hookSecretsEnv, type BuiltDelivery, type Role } from '../support/payloads.ts'
import { checkDataFiles } from './data-files.ts'
import { adminCaller, send } from './http.ts'
import { seededRandom } from './random.ts'

const ADMIN = 'kj_fault-crash-admin-key-0123456789'
const SUPERVISOR = '197611042003121003'
const SUPERIOR = '197604152000031002'
const PEERS_EACH = 3
/** What completes an appraisal's collect state in the Plaju package with three peers on the roster. */
const NEEDED: Record<Role, number> = { self: 1, supervisor: 1, peer: PEERS_EACH }
const ROLES: Role[] = ['self', 'supervisor', 'peer']

export interface CrashOptions {
  seed: number
  kills: number
  employees: number
  /** Senders posting at the same time. */
  senders: number
  /**
   * The longest a load runs before each kill (a seeded random time between the two, in ms); most
   * kills come sooner, after a seeded random number of deliveries.
   */
  loadMs: [min: number, max: number]
  log?: (line: string) => void
}

export interface CrashReport {
  seed: number
  kills: number
  /** Kills that landed while requests were in flight. */
  killsUnderLoad: number
  deliveries: number
  /** 2xx answers received before the last kill (each one checked after every later restart). */
  ackedBeforeLastKill: number
  /** Requests cut off by a kill (no answer) and sent again. */
  cutOff: number
  documentsChecked: number
  problems: string[]
  ms: number
}

interface Planned {
  index: number
  subject: string
  rater: string
  role: Role
  uuid: string
  built: BuiltDelivery
  /** Held back until after the last restart. */
  late: boolean
}

interface Ack {
  receipt: string
  status: string
  instance: string
}

const nipOf = (i: number) => `19850312201001${String(i).padStart(4, '0')}`

function plan(employees: number, random: ReturnType<typeof seededRandom>) {
  const roster = Array.from({ length: employees }, (_, i) => ({
    nip: nipOf(i),
    name: `Pegawai ${i}`,
    position: 'staf-pelayanan',
    unit: 'Seksi Pelayanan Umum',
    supervisor: SUPERVISOR,
    superior: SUPERIOR,
    peers: Array.from({ length: PEERS_EACH }, (_, k) => nipOf((i + k + 1) % employees)),
  }))
  const late = new Set(random.shuffle(roster.map((e) => e.nip)).slice(0, Math.ceil(employees / 4)))
  const planned: Planned[] = []
  const at = new Date('2026-03-02T01:00:00.000Z')
  for (const e of roster) {
    const raters: [Role, string][] = [['self', e.nip], ['supervisor', SUPERVISOR], ...e.peers.map((p): [Role, string] => ['peer', p])]
    for (const [role, rater] of raters) {
      const index = planned.length
      const n = () => random.int(3, 5)
      const built = buildDelivery(
        'kobo',
        { seq: index, subject: { nip: e.nip, name: e.name }, rater: { nip: rater, name: `Penilai ${rater.slice(-4)}` }, role, scores: { integritas: n(), kerjasama: n(), komunikasi: n(), pelayanan_publik: n() } },
        { hookUrl: '', now: new Date(at.getTime() + index * 1000) },
      )
      planned.push({ index, subject: e.nip, rater, role, uuid: JSON.parse(built.body)._uuid, built, late: late.has(e.nip) })
    }
  }
  return { roster, planned: random.shuffle(planned) }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** When a load phase stops handing out deliveries; `reached` is called when `killAt` have been. */
interface Stop {
  stopped: boolean
  handed: number
  killAt: number
  reached: () => void
}

export async function crashRun(opts: CrashOptions): Promise<CrashReport> {
  const started = performance.now()
  const log = opts.log ?? (() => undefined)
  const random = seededRandom(opts.seed)
  const problems: string[] = []
  const report: CrashReport = { seed: opts.seed, kills: 0, killsUnderLoad: 0, deliveries: 0, ackedBeforeLastKill: 0, cutOff: 0, documentsChecked: 0, problems, ms: 0 }
  const dataDir = await mkdtemp(join(tmpdir(), 'kinerja-fault-crash-'))
  const env = hookSecretsEnv()
  let server: RunningServer | undefined
  try {
    server = await startServer(dataDir, ADMIN, env)
    let call = adminCaller(server.url, ADMIN)
    const { roster, planned } = plan(opts.employees, random)
    report.deliveries = planned.length
    const must = async (method: string, path: string, body: unknown, status: number) => {
      const res = await call(method, path, body)
      if (res.status !== status) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.data)}`)
      return res.data
    }
    await must('POST', '/offices', { id: 'kecamatan-plaju', name: 'Kecamatan Plaju' }, 201)
    const cycle = (await must('POST', '/offices/kecamatan-plaju/cycles', { name: 'Kompetensi 2026', package: 'plaju-kompetensi-360' }, 201)).id as string
    await must('PUT', `/cycles/${cycle}/roster`, roster, 200)
    await must('POST', `/cycles/${cycle}/start`, undefined, 200)
    const binding = (await must('POST', `/cycles/${cycle}/bindings`, bindingInput('kobo'), 201)).id as string
    const instanceOf = (nip: string) => `${cycle}.${nip}`
    const byUuid = new Map(planned.map((p) => [p.uuid, p]))
    const byIndex = new Map(planned.map((p) => [p.index, p]))

    const acked = new Map<number, Ack>()
    const queue = planned.filter((p) => !p.late)
    let inFlight = 0

    /** Senders post from the queue until it is empty or `stop` is set; returns when all are idle. */
    const runLoad = async (url: string, stop: Stop) => {
      const worker = async () => {
        while (!stop.stopped) {
          const d = queue.shift()
          if (!d) return
          if (++stop.handed === stop.killAt) stop.reached()
          inFlight++
          const res = await send(`${url}/hooks/${binding}`, d.built)
          inFlight--
          if (res.status === 200) {
            acked.set(d.index, { receipt: res.data.receipt, status: res.data.status, instance: res.data.instance })
            if (res.data.status !== 'accepted' && res.data.status !== 'duplicate') problems.push(`delivery ${d.index} was answered 200 with status ${res.data.status}`)
          } else if (res.status === 0 || res.status >= 500) {
            if (res.status === 0) report.cutOff++
            queue.push(d)
            if (!stop.stopped) await sleep(res.status === 0 ? 20 : 5)
          } else {
            problems.push(`delivery ${d.index} (${d.role} of ${d.rater} about ${d.subject}) was refused: ${res.status} ${JSON.stringify('data' in res ? res.data : res)}`)
          }
        }
      }
      await Promise.all(Array.from({ length: opts.senders }, worker))
    }

    const verify = async (when: string, final: boolean) => {
      const before = problems.length
      const problem = (line: string) => problems.push(`${when}: ${line}`)
      const receipts = ((await call('GET', `/cycles/${cycle}/receipts`)).data.receipts ?? []) as any[]
      const byId = new Map(receipts.map((r) => [r.id, r]))
      const keys = new Map<string, number>()
      for (const r of receipts) keys.set(r.idempotencyKey, (keys.get(r.idempotencyKey) ?? 0) + 1)
      for (const [key, n] of keys) if (n > 1) problem(`idempotency key ${key} has ${n} receipts`)
      // Receipts per instance and role, by status.
      const kept = new Map<string, { accepted: Set<string>; received: Set<string> }>()
      for (const r of receipts) {
        const d = byUuid.get(JSON.parse(r.body)._uuid)
        if (!d) {
          problem(`receipt ${r.id} is of no delivery that was sent`)
          continue
        }
        const slot = `${d.subject}/${d.role}`
        if (!kept.has(slot)) kept.set(slot, { accepted: new Set(), received: new Set() })
        if (r.status === 'accepted') kept.get(slot)!.accepted.add(r.id)
        else if (r.status === 'received' && !final) kept.get(slot)!.received.add(r.id)
        else problem(`receipt ${r.id} (${d.role} of ${d.rater} about ${d.subject}) is ${r.status}: ${JSON.stringify(r.reasons)}`)
      }
      // Every 2xx is there, accepted, for its instance.
      for (const [index, ack] of acked) {
        const d = byIndex.get(index)!
        const r = byId.get(ack.receipt)
        if (!r) problem(`delivery ${index} got a 2xx (${ack.status}, receipt ${ack.receipt}) but its receipt is gone`)
        else if (r.status !== 'accepted' || r.instance !== instanceOf(d.subject)) problem(`delivery ${index} got a 2xx but its receipt is ${r.status} for ${r.instance}`)
        if (ack.instance !== instanceOf(d.subject)) problem(`delivery ${index} was answered for instance ${ack.instance}`)
      }
      if (final && receipts.length !== planned.length) problem(`${receipts.length} receipts for ${planned.length} deliveries`)
      // Each instance holds each answer once; it left collect once, when complete.
      const instances = ((await call('GET', `/cycles/${cycle}/instances`)).data.instances ?? []) as any[]
      if (instances.length !== roster.length) problem(`${instances.length} instances for ${roster.length} employees`)
      const touched = new Set([...kept.keys()].map((slot) => slot.split('/')[0]!))
      for (const e of roster) {
        if (!final && !touched.has(e.nip)) continue
        const id = instanceOf(e.nip)
        const view = (await call('GET', `/instances/${id}`)).data
        const events = ((await call('GET', `/instances/${id}/events`)).data.events ?? []) as any[]
        let complete = true
        for (const role of ROLES) {
          const slot = kept.get(`${e.nip}/${role}`) ?? { accepted: new Set<string>(), received: new Set<string>() }
          const accepts = events.filter((ev) => ev.type === 'submission-accepted' && ev.data.role === role)
          const count = view.responses?.[role]?.count ?? 0
          if (accepts.length !== count) problem(`${id} has ${count} ${role} answer(s) but ${accepts.length} accepted event(s)`)
          if (accepts.some((ev) => ev.data.replaced)) problem(`${id}: a ${role} answer was replaced`)
          // An answer whose receipt is still 'received' may already be in (killed before the
          // receipt was marked): it must not be counted twice when it is sent again.
          if (count < slot.accepted.size || count > slot.accepted.size + slot.received.size) {
            problem(`${id} has ${count} ${role} answer(s) for ${slot.accepted.size} accepted and ${slot.received.size} unprocessed receipt(s)`)
          }
          // Attributed roles name the receipt in the trail: each accepted receipt exactly once.
          if (role !== 'peer') {
            const named = accepts.map((ev) => ev.data.receipt as string)
            if (new Set(named).size !== named.length) problem(`${id}: a ${role} receipt is in the trail twice`)
            for (const r of slot.accepted) if (!named.includes(r)) problem(`${id}: accepted ${role} receipt ${r} is not in the trail`)
            for (const r of named) if (!slot.accepted.has(r) && !slot.received.has(r)) problem(`${id}: the trail holds ${role} receipt ${r}, which is not kept`)
          }
          if (count < NEEDED[role]) complete = false
        }
        const left = events.filter((ev) => ev.type === 'entered' && ev.data.from === 'collect').length
        if (complete !== (view.state !== 'collect') || left !== (complete ? 1 : 0)) {
          problem(`${id} is in '${view.state}', left collect ${left} time(s), with its answers ${complete ? '' : 'not '}complete`)
        }
        if (final && !complete) problem(`${id} did not get all its answers`)
      }
      return problems.length === before
    }

    for (let k = 1; k <= opts.kills; k++) {
      // The kill comes after a seeded random number of deliveries handed out (or after the
      // longest load time, whichever is first), sized on what is left, so that every kill lands
      // with requests in flight however fast the server is; a fixed time ran out of deliveries.
      const share = Math.max(1, Math.floor(queue.length / (opts.kills - k + 1)))
      let reached = () => {}
      const stop: Stop = { stopped: false, handed: 0, killAt: Math.min(random.int(Math.max(1, Math.floor(share * 0.3)), Math.max(1, Math.floor(share * 1.2))), Math.max(1, queue.length - opts.senders)), reached: () => reached() }
      const hit = new Promise<void>((r) => (reached = r))
      const t0 = performance.now()
      const loading = runLoad(server.url, stop)
      await Promise.race([hit, sleep(random.int(opts.loadMs[0], opts.loadMs[1]))])
      const wait = Math.round(performance.now() - t0)
      // Stop handing out new requests, and kill with the current ones in flight.
      stop.stopped = true
      const cut = inFlight
      const ackedBefore = acked.size
      await killServer(server.child)
      await loading
      report.kills++
      if (cut > 0) report.killsUnderLoad++
      report.ackedBeforeLastKill = acked.size
      const files = await checkDataFiles(dataDir)
      report.documentsChecked += files.documents
      for (const c of files.corrupt) problems.push(`after kill ${k}: corrupt document ${c}`)
      const t = performance.now()
      server = await startServer(dataDir, ADMIN, env)
      call = adminCaller(server.url, ADMIN)
      const restartMs = Math.round(performance.now() - t)
      const ok = await verify(`after restart ${k}`, false)
      log(
        `kill ${k}/${opts.kills} after ${wait} ms of load, ${cut} request(s) in flight; ${ackedBefore} acknowledged so far, ` +
          `${queue.length} left; ${files.documents} documents parse${files.corrupt.length ? ` (${files.corrupt.length} CORRUPT)` : ''}; restart ${restartMs} ms; ${ok ? 'all there' : 'PROBLEMS'}`,
      )
    }

    // After the last restart: everything else, held back or cut off, goes through.
    queue.push(...planned.filter((p) => p.late))
    await runLoad(server.url, { stopped: false, handed: 0, killAt: 0, reached: () => {} })
    if (acked.size !== planned.length) problems.push(`after the last restart: ${planned.length - acked.size} deliveries never got a 2xx`)
    const ok = await verify('at the end', true)
    // The cycle goes on: the next step of one appraisal is taken, whatever state it reached.
    const next: Record<string, (nip: string) => [action: string, body: unknown]> = {
      discussion: () => ['confirm', { actor: SUPERVISOR }],
      rating: () => ['set', { actor: SUPERVISOR, input: { ratingHasilKerja: 'sesuai' } }],
      objection: (nip) => ['accept', { actor: nip }],
    }
    const first = (await call('GET', `/instances/${instanceOf(roster[0]!.nip)}`)).data
    const step = next[first.state]
    if (!step) problems.push(`at the end: ${first.id} is in '${first.state}', not a state waiting for a person`)
    else {
      const [action, body] = step(first.nip)
      const moved = await call('POST', `/instances/${first.id}/actions/${action}`, body)
      if (moved.status !== 200 || moved.data.state === first.state) problems.push(`at the end: ${action} on ${first.id} was answered ${moved.status} ${JSON.stringify(moved.data)}`)
      else log(`end: ${first.id} went on from '${first.state}' to '${moved.data.state}' by ${action}`)
    }
    log(`end: ${acked.size}/${planned.length} deliveries acknowledged, ${ok ? 'each present once' : 'PROBLEMS'}`)
    if (problems.length) log(`server log (last restart), tail:\n${server.log().split('\n').slice(-20).join('\n')}`)
  } catch (e) {
    problems.push(`the run stopped: ${(e as Error).stack ?? e}`)
    if (server) log(`server log, tail:\n${server.log().split('\n').slice(-20).join('\n')}`)
  } finally {
    if (server) await killServer(server.child)
    report.ms = Math.round(performance.now() - started)
    // A failed run keeps its folder for a look.
    if (problems.length === 0) await rm(dataDir, { recursive: true, force: true })
    else log(`data folder kept: ${dataDir}`)
  }
  return report
}
