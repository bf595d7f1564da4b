/**
 * Intake benchmark: Kobo and Tally deliveries against the real Node server with lowdb on disk,
 * with 50 requests in flight, next to a bare Hono hello-world on the same machine; and the same
 * deliveries with 100 versus 10,000 employees on the roster (a write must not cost more when more
 * is held). Every delivery is a distinct submission that is accepted (not a duplicate).
 *
 *   npx tsx bench/intake.ts            # prints a markdown table (about 2 minutes)
 *
 * Numbers go into docs/benchmarks.md.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'

const ROOT = new URL('../', import.meta.url).pathname
const FIX = `${ROOT}test/fixtures/webhooks/`
const ADMIN = 'kj_bench-admin-key-0123456789abcdefghij'
const KOBO_SECRET = 'kobo-hook:kobo_test_pw_41x'
const TALLY_SECRET = 'tally_test_secret_7Qm2'
const CONNECTIONS = 50
const SUBJECTS = 100

async function start(cmd: string[], env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...cmd], { cwd: ROOT, env: { ...process.env, ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'], detached: true })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d) => {
      out += d
      const m = out.match(/listening on (http:\/\/\S+)/)
      if (m) resolve(m[1]!)
    })
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)))
  })
  return { url, child }
}

const stop = (child: ChildProcess) => new Promise((r) => (child.once('exit', r), process.kill(-child.pid!, 'SIGTERM')))

const nip = (i: number) => `19900101${String(2015000000 + i).padStart(10, '0')}`
const SUPERVISOR = '197611042003121003'

/** N employees; employee i's peers are the 8 next ones (wrapping). */
function roster(n: number): string {
  const rows = ['nip,name,position,unit,email,supervisor,superior,peers']
  for (let i = 0; i < n; i++) {
    const peers = Array.from({ length: 8 }, (_, k) => nip((i + k + 1) % n)).join(';')
    rows.push(`${nip(i)},Pegawai ${i},staf-pelayanan,Seksi Pelayanan Umum,,${SUPERVISOR},197604152000031002,${peers}`)
  }
  return rows.join('\n') + '\n'
}

interface Delivery {
  path: string
  body: string
  headers: Record<string, string>
}

async function koboDeliveries(binding: string, n: number): Promise<Delivery[]> {
  const template = JSON.parse(await readFile(`${FIX}kobo-1.json`, 'utf8'))
  const out: Delivery[] = []
  let id = 1
  for (let i = 0; i < SUBJECTS; i++) {
    const who: [string, string][] = [['self', nip(i)], ['supervisor', SUPERVISOR], ...[1, 2, 3].map((k): [string, string] => ['peer', nip((i + k) % n)])]
    for (const [role, rater] of who) {
      const uuid = `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`
      const body = JSON.stringify({ ...template, _id: 90_000_000 + id++, _uuid: uuid, 'meta/instanceID': `uuid:${uuid}`, 'meta/rootUuid': `uuid:${uuid}`, 'identitas/nip_dinilai': nip(i), 'identitas/nip_penilai': rater, 'identitas/peran_penilai': role })
      out.push({ path: `/hooks/${binding}`, body, headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(KOBO_SECRET).toString('base64')}` } })
    }
  }
  return out
}

async function tallyDeliveries(binding: string, n: number): Promise<Delivery[]> {
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

/** Deterministic shuffle (a fixed LCG seed), so runs compare. */
function shuffle<T>(list: T[]): T[] {
  let seed = 42
  const out = [...list]
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    const j = seed % (i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/**
 * A closed loop of CONNECTIONS workers, each sending its next delivery as soon as the previous one
 * is answered; rate from the wall clock, latencies per request. (autocannon's `amount` mode ends on
 * its one-second tick, which for a 1-2 s run decides the rate by itself.)
 */
async function load(url: string, deliveries: Delivery[]) {
  const latencies: number[] = []
  let next = 0
  let non2xx = 0
  const started = performance.now()
  const worker = async () => {
    while (next < deliveries.length) {
      const d = deliveries[next++]!
      const t = performance.now()
      const res = await fetch(url + d.path, d.body ? { method: 'POST', body: d.body, headers: d.headers } : {})
      await res.arrayBuffer()
      latencies.push(performance.now() - t)
      if (res.status >= 300) non2xx++
    }
  }
  await Promise.all(Array.from({ length: CONNECTIONS }, worker))
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 10) / 10
  return { rps: Math.round(latencies.length / seconds), p50: at(0.5), p99: at(0.99), non2xx, count: latencies.length }
}

/** The bare baseline, measured both ways: autocannon for 10 s, and the same closed loop as the intake. */
async function hello() {
  const { url, child } = await start(['bench/hello-server.ts'], {})
  const r = await autocannon({ url, connections: CONNECTIONS, duration: 10 })
  const loop = await load(url, Array.from({ length: 5000 }, () => ({ path: '/', body: '', headers: {} })))
  await stop(child)
  return { autocannon: { rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99 }, loop }
}

async function intake(n: number) {
  const dataDir = await mkdtemp(join(tmpdir(), 'kinerja-bench-'))
  const { url, child } = await start(['src/entry/node.ts'], { KINERJA_DATA_DIR: dataDir, KINERJA_ADMIN_KEY: ADMIN, KINERJA_HOOK_KOBO: KOBO_SECRET, KINERJA_HOOK_TALLY: TALLY_SECRET, KINERJA_TICK_SECONDS: '3600', KINERJA_PULL_SECONDS: '3600' })
  const call = async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) })
    const data = (await res.json()) as any
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(data)}`)
    return data
  }
  const fixtures = JSON.parse(await readFile(`${ROOT}test/cases/webhook-fixtures.json`, 'utf8')).fixtures as any[]
  await call('POST', '/offices', { id: 'bench', name: 'Bench' })
  const cycle = (await call('POST', '/offices/bench/cycles', { name: 'bench', package: 'plaju-kompetensi-360' })).id
  await call('PUT', `/cycles/${cycle}/roster`, roster(n), 'text/csv')
  const t0 = performance.now()
  await call('POST', `/cycles/${cycle}/start`)
  const startMs = performance.now() - t0
  const kobo = await call('POST', `/cycles/${cycle}/bindings`, { plugin: 'kobo', form: 'ringkas', secretEnv: 'KINERJA_HOOK_KOBO', mapping: fixtures.find((f) => f.file === 'kobo-1.json').mapping })
  const tally = await call('POST', `/cycles/${cycle}/bindings`, { plugin: 'tally', form: 'ringkas', secretEnv: 'KINERJA_HOOK_TALLY', mapping: fixtures.find((f) => f.file === 'tally-2.json').mapping })
  // Warm up the server's JIT the same way for every roster size: 500 deliveries about people who
  // are not on the roster run the whole pipeline and end as rejected receipts.
  const strangers = (await koboDeliveries(kobo.id, n)).map((d, i) => ({ ...d, body: d.body.replaceAll('"19900101', '"29900101').replace(/"_id": ?\d+/, `"_id": ${800_000_000 + i}`) }))
  await load(url, strangers)
  // Interleaved (fixed order): an office's deliveries for one employee rarely arrive back to back.
  const k = await load(url, shuffle(await koboDeliveries(kobo.id, n)))
  const t = await load(url, shuffle(await tallyDeliveries(tally.id, n)))
  const receipts = (await call('GET', `/cycles/${cycle}/receipts`)).receipts as { status: string }[]
  const accepted = receipts.filter((r) => r.status === 'accepted').length
  await stop(child)
  await rm(dataDir, { recursive: true, force: true })
  return { n, startMs: Math.round(startMs), kobo: k, tally: t, accepted, receipts: receipts.length }
}

const baseline = await hello()
const base = baseline.loop
console.log(`hello-world: autocannon ${baseline.autocannon.rps} req/s (p50 ${baseline.autocannon.p50} ms, p99 ${baseline.autocannon.p99} ms); closed loop ${base.rps} req/s`)
const rows = []
for (const n of [100, 10_000]) {
  const r = await intake(n)
  console.log(JSON.stringify(r))
  rows.push(r)
}
console.log('\n| roster | source | req/s | p50 ms | p99 ms | non-2xx | accepted | ratio to hello-world |')
console.log('|---|---|---|---|---|---|---|---|')
console.log(`| - | hello-world (bare Hono) | ${base.rps} | ${base.p50} | ${base.p99} | ${base.non2xx} | - | 1 |`)
for (const r of rows) {
  for (const [name, m] of [['Kobo', r.kobo], ['Tally', r.tally]] as const) {
    console.log(`| ${r.n} | ${name} | ${m.rps} | ${m.p50} | ${m.p99} | ${m.non2xx} | ${r.accepted}/${r.receipts} | ${(m.rps / base.rps).toFixed(3)} |`)
  }
}
for (const r of rows) console.log(`start of a cycle with ${r.n} employees: ${r.startMs} ms`)
