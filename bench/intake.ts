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
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { CONNECTIONS, SERVER_ENV, adminCaller, groupProcesses, koboDeliveries, load, receiptCounts, setupCycle, shuffle, start, stop, strangers, tallyDeliveries, type Delivery } from './support.ts'

/** The bare baseline, measured both ways: autocannon for 10 s, and the same closed loop as the intake. */
async function hello() {
  const { url, child } = await start(['bench/hello-server.ts'], {})
  const r = await autocannon({ url, connections: CONNECTIONS, duration: 10 })
  const loop = await load(url, Array.from({ length: 5000 }, () => ({ path: '/', body: '', headers: {} })))
  await stop(child)
  return { autocannon: { rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99 }, loop }
}

const serverCpuMs = async (pgid: number) => (await groupProcesses(pgid)).reduce((sum, p) => sum + p.cpuMs, 0)

/** Waits (at most 60 s) for a second in which the server uses under a tenth of a core. */
async function quiet(pgid: number): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const before = await serverCpuMs(pgid)
    await new Promise((r) => setTimeout(r, 1000))
    if ((await serverCpuMs(pgid)) - before < 100) return
  }
}

async function intake(n: number) {
  const dataDir = await mkdtemp(join(tmpdir(), 'kinerja-bench-'))
  const { url, child } = await start(['src/entry/node.ts'], { KINERJA_DATA_DIR: dataDir, ...SERVER_ENV, KINERJA_TICK_SECONDS: '3600', KINERJA_PULL_SECONDS: '3600' })
  const call = adminCaller(url)
  const { cycle, startMs, kobo, tally } = await setupCycle(call, n)
  // Starting a cycle of 10,000 leaves a checkpoint writing 10,000 instance files behind it; that
  // belongs to the start, not to intake, so the deliveries wait until the server is quiet.
  await quiet(child.pid!)
  // Warm up the server's JIT the same way for every roster size: 500 deliveries about people who
  // are not on the roster run the whole pipeline and end as rejected receipts.
  await load(url, strangers(await koboDeliveries(kobo, n)))
  // CPU the server used per delivery (all its threads, user and system: the journal's syncs and a
  // checkpoint's file writes count too), to tell CPU-bound from waiting.
  const measured = async (deliveries: Delivery[]) => {
    const before = await serverCpuMs(child.pid!)
    const result = await load(url, deliveries)
    return { ...result, cpuMsPerDelivery: Math.round(((await serverCpuMs(child.pid!)) - before) / deliveries.length * 100) / 100 }
  }
  // Interleaved (fixed order): an office's deliveries for one employee rarely arrive back to back.
  const k = await measured(shuffle(await koboDeliveries(kobo, n)))
  const t = await measured(shuffle(await tallyDeliveries(tally, n)))
  const { accepted, receipts } = await receiptCounts(call, cycle)
  await stop(child)
  await rm(dataDir, { recursive: true, force: true })
  return { n, startMs: Math.round(startMs), kobo: k, tally: t, accepted, receipts }
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
console.log('\n| roster | source | req/s | p50 ms | p99 ms | non-2xx | accepted | server CPU ms/delivery | ratio to hello-world |')
console.log('|---|---|---|---|---|---|---|---|---|')
console.log(`| - | hello-world (bare Hono) | ${base.rps} | ${base.p50} | ${base.p99} | ${base.non2xx} | - | - | 1 |`)
for (const r of rows) {
  for (const [name, m] of [['Kobo', r.kobo], ['Tally', r.tally]] as const) {
    console.log(`| ${r.n} | ${name} | ${m.rps} | ${m.p50} | ${m.p99} | ${m.non2xx} | ${r.accepted}/${r.receipts} | ${m.cpuMsPerDelivery} | ${(m.rps / base.rps).toFixed(3)} |`)
  }
}
for (const r of rows) console.log(`start of a cycle with ${r.n} employees: ${r.startMs} ms`)
