/**
 * What the intake benchmarks share (bench/intake.ts on Node, bench/worker.ts on Node and wrangler
 * dev): the generated roster, the Kobo and Tally deliveries about it, the closed-loop client, the
 * cycle they are delivered to, and starting and stopping a server process.
 */
import { execSync, type ChildProcess } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { spawnListening } from '../test/support/node-server.ts'

export const ROOT = new URL('../', import.meta.url).pathname
const FIX = `${ROOT}test/fixtures/webhooks/`
export const ADMIN = 'kj_bench-admin-key-0123456789abcdefghij'
export const KOBO_SECRET = 'kobo-hook:kobo_test_pw_41x'
export const TALLY_SECRET = 'tally_test_secret_7Qm2'
export const CONNECTIONS = 50
export const SUBJECTS = 100

/** The environment the Node server is started with (the Worker gets the same values by --var). */
export const SERVER_ENV = { KINERJA_ADMIN_KEY: ADMIN, KINERJA_HOOK_KOBO: KOBO_SECRET, KINERJA_HOOK_TALLY: TALLY_SECRET }

/** Starts `node --import tsx <cmd>` on a free port (in `cwd`); resolves when it prints where it listens. */
export async function start(cmd: string[], env: Record<string, string>, cwd = ROOT): Promise<{ url: string; child: ChildProcess }> {
  return spawnListening(['--import', 'tsx', ...cmd], { cwd, env: { ...env, PORT: '0' }, stderr: 'inherit' })
}

/** Ends the child's whole process group (wrangler dev leaves workerd children otherwise). */
export const stop = (child: ChildProcess) => new Promise((r) => (child.once('exit', r), process.kill(-child.pid!, 'SIGTERM')))

export const nip = (i: number) => `19900101${String(2015000000 + i).padStart(10, '0')}`
const SUPERVISOR = '197611042003121003'

/** N employees; employee i's peers are the 8 next ones (wrapping). */
export function roster(n: number): string {
  const rows = ['nip,name,position,unit,email,supervisor,superior,peers']
  for (let i = 0; i < n; i++) {
    const peers = Array.from({ length: 8 }, (_, k) => nip((i + k + 1) % n)).join(';')
    rows.push(`${nip(i)},Pegawai ${i},staf-pelayanan,Seksi Pelayanan Umum,,${SUPERVISOR},197604152000031002,${peers}`)
  }
  return rows.join('\n') + '\n'
}

export interface Delivery {
  path: string
  body: string
  headers: Record<string, string>
  method?: string
}

/**
 * Five Kobo answers (self, supervisor, three peers) about each of `subjects` employees from `from`
 * on. Kobo's `_id` is the idempotency key, so it is numbered by employee: different ranges never
 * collide and every answer is a new submission.
 */
export async function koboDeliveries(binding: string, n: number, from = 0, subjects = SUBJECTS): Promise<Delivery[]> {
  const template = JSON.parse(await readFile(`${FIX}kobo-1.json`, 'utf8'))
  const out: Delivery[] = []
  let id = from * 5 + 1
  for (let i = from; i < from + subjects; i++) {
    const who: [string, string][] = [['self', nip(i)], ['supervisor', SUPERVISOR], ...[1, 2, 3].map((k): [string, string] => ['peer', nip((i + k) % n)])]
    for (const [role, rater] of who) {
      const uuid = `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`
      const body = JSON.stringify({ ...template, _id: 90_000_000 + id++, _uuid: uuid, 'meta/instanceID': `uuid:${uuid}`, 'meta/rootUuid': `uuid:${uuid}`, 'identitas/nip_dinilai': nip(i), 'identitas/nip_penilai': rater, 'identitas/peran_penilai': role })
      out.push({ path: `/hooks/${binding}`, body, headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(KOBO_SECRET).toString('base64')}` } })
    }
  }
  return out
}

export async function tallyDeliveries(binding: string, n: number): Promise<Delivery[]> {
  const template = JSON.parse(await readFile(`${FIX}tally-2.json`, 'utf8'))
  const out: Delivery[] = []
  let id = 1
  for (let i = 0; i < SUBJECTS; i++) {
    for (const k of [4, 5, 6, 7, 8]) {
      const data = structuredClone(template.data)
      data.submissionId = data.responseId = `bench${id++}`
      for (const f of data.fields) {
        if (f.label === 'nip') f.value = nip(i)
        if (f.label === 'peran') f.value = 'peer'
        if (f.label === 'NIP Anda (penilai)') f.value = nip((i + k) % n)
      }
      const body = JSON.stringify({ ...template, eventId: `e-${id}`, data })
      out.push({ path: `/hooks/${binding}`, body, headers: { 'content-type': 'application/json', 'tally-signature': createHmac('sha256', TALLY_SECRET).update(body).digest('base64') } })
    }
  }
  return out
}

/**
 * The warm-up: the same Kobo answers about people who are not on the roster. They run the whole
 * pipeline and end as rejected receipts, so they leave no instance behind.
 */
export const strangers = (deliveries: Delivery[]): Delivery[] =>
  deliveries.map((d, i) => ({ ...d, body: d.body.replaceAll('"19900101', '"29900101').replace(/"_id": ?\d+/, `"_id": ${800_000_000 + i}`) }))

/** Deterministic shuffle (a fixed LCG seed), so runs compare. */
export function shuffle<T>(list: T[]): T[] {
  let seed = 42
  const out = [...list]
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    const j = seed % (i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

export interface LoadResult {
  rps: number
  p50: number
  p99: number
  non2xx: number
  count: number
}

/**
 * A closed loop of `connections` workers, each sending its next delivery as soon as the previous one
 * is answered; rate from the wall clock, latencies per request. (autocannon's `amount` mode ends on
 * its one-second tick, which for a 1-2 s run decides the rate by itself.)
 */
export async function load(url: string, deliveries: Delivery[], connections = CONNECTIONS): Promise<LoadResult> {
  const latencies: number[] = []
  let next = 0
  let non2xx = 0
  const started = performance.now()
  const worker = async () => {
    while (next < deliveries.length) {
      const d = deliveries[next++]!
      const t = performance.now()
      const res = await fetch(url + d.path, d.body ? { method: 'POST', body: d.body, headers: d.headers } : { method: d.method ?? 'GET', headers: d.headers })
      await res.arrayBuffer()
      latencies.push(performance.now() - t)
      if (res.status >= 300) non2xx++
    }
  }
  await Promise.all(Array.from({ length: connections }, worker))
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 10) / 10
  return { rps: Math.round(latencies.length / seconds), p50: at(0.5), p99: at(0.99), non2xx, count: latencies.length }
}

export type Call = (method: string, path: string, body?: unknown, type?: string) => Promise<any>

/** An admin client of one server; throws on any answer that is not 2xx. */
export function adminCaller(url: string, send: (url: string, init: RequestInit) => Response | Promise<Response> = fetch): Call {
  return async (method, path, body, type = 'application/json') => {
    const res = await send(url + path, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) })
    const data = (await res.json()) as any
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(data)}`)
    return data
  }
}

/**
 * The office `bench`, a running cycle of the Plaju package with `n` generated employees, and a Kobo
 * and a Tally binding to the short form `ringkas` (their secrets by the names of SERVER_ENV).
 */
export async function setupCycle(call: Call, n: number) {
  const fixtures = JSON.parse(await readFile(`${ROOT}test/cases/webhook-fixtures.json`, 'utf8')).fixtures as any[]
  await call('POST', '/offices', { id: 'bench', name: 'Bench' })
  const cycle: string = (await call('POST', '/offices/bench/cycles', { name: 'bench', package: 'plaju-kompetensi-360' })).id
  await call('PUT', `/cycles/${cycle}/roster`, roster(n), 'text/csv')
  const t0 = performance.now()
  await call('POST', `/cycles/${cycle}/start`)
  const startMs = performance.now() - t0
  const kobo: string = (await call('POST', `/cycles/${cycle}/bindings`, { plugin: 'kobo', form: 'ringkas', secretEnv: 'KINERJA_HOOK_KOBO', mapping: fixtures.find((f) => f.file === 'kobo-1.json').mapping })).id
  const tally: string = (await call('POST', `/cycles/${cycle}/bindings`, { plugin: 'tally', form: 'ringkas', secretEnv: 'KINERJA_HOOK_TALLY', mapping: fixtures.find((f) => f.file === 'tally-2.json').mapping })).id
  return { cycle, startMs, kobo, tally }
}

/** How many of the cycle's receipts are accepted, of how many. */
export async function receiptCounts(call: Call, cycle: string) {
  const receipts = (await call('GET', `/cycles/${cycle}/receipts`)).receipts as { status: string }[]
  return { accepted: receipts.filter((r) => r.status === 'accepted').length, receipts: receipts.length }
}

export interface Proc {
  pid: number
  comm: string
  args: string
  cpuMs: number
}

const TICK_MS = 1000 / Number(execSync('getconf CLK_TCK').toString().trim() || 100)

/** The live processes of a process group with the CPU time (user + system) each has used so far. */
export async function groupProcesses(pgid: number): Promise<Proc[]> {
  const out: Proc[] = []
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8')
      const close = stat.lastIndexOf(')')
      const fields = stat.slice(close + 2).split(' ')
      if (Number(fields[2]) !== pgid) continue
      const args = (await readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0').join(' ')
      out.push({ pid: Number(name), comm: stat.slice(stat.indexOf('(') + 1, close), args, cpuMs: (Number(fields[11]) + Number(fields[12])) * TICK_MS })
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return out
}

/** CPU milliseconds the whole machine has been busy (all cores, everything but idle and iowait). */
export async function machineBusyMs(): Promise<number> {
  const [user, nice, system, , , irq, softirq, steal] = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  return (user! + nice! + system! + irq! + softirq! + steal!) * TICK_MS
}

/** Replaces the section `heading` of docs/benchmarks.md (up to the next `## `), or adds it before "## Reproducing". */
export async function writeBenchmarkSection(heading: string, text: string): Promise<void> {
  const file = `${ROOT}docs/benchmarks.md`
  const doc = await readFile(file, 'utf8')
  const at = doc.indexOf(`${heading}\n`)
  let next: string
  if (at >= 0) {
    const end = doc.indexOf('\n## ', at + heading.length)
    next = doc.slice(0, at) + text + (end >= 0 ? doc.slice(end) : '')
  } else {
    const before = doc.indexOf('\n## Reproducing')
    next = before >= 0 ? `${doc.slice(0, before + 1)}${text}\n${doc.slice(before + 1)}` : `${doc.trimEnd()}\n\n${text}`
  }
  await writeFile(file, next)
}
