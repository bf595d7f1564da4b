/**
 * `npm run bench`: the numbers issue 7 asks for, in one table, written to docs/benchmarks.md.
 *
 * - intake: Kobo deliveries through the whole pipeline into lowdb, 50 connections, against the
 *   server as `npm start` runs it, next to a bare Hono hello-world on the same stack
 *   (@hono/node-server, plain node), both loaded by autocannon in a process of its own;
 * - scoring: the results of a 10,000-employee cycle computed by the engine, pinned to one core;
 * - store scaling: the same deliveries against 100 and 10,000 employees on the roster;
 * - memory: the server's resident size holding a started 10,000-employee cycle;
 * - cold start: spawn to the first 200 of GET /health.
 *
 * Every measured delivery is a new submission, and the run fails unless every one ends accepted.
 * Warm-ups before every measurement; medians of several runs.
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { koboBySlot, range } from './deliveries.ts'
import { bundle, coldStart, jsonChild, median, rssMiB, runLoad, spawnServer, stopServer } from './processes.ts'
import type { LoadOutcome } from './load-child.ts'
import { fmt, machine, section, table, writeSection, type Row } from './report.ts'
import { CONNECTIONS, ROOT, SERVER_ENV, adminCaller, groupProcesses, machineBusyMs, receiptCounts, setupCycle, shuffle, strangers } from './support.ts'

const RUNS = 3
const COLD_RUNS = 5
const SCORING_EMPLOYEES = 10_000
const MAIN_EMPLOYEES_PER_RUN = 500
const quiet: number[] = []

/** Waits (up to 30 s) for a half second in which the machine is under 15% busy; records how busy. */
async function waitQuiet(): Promise<void> {
  const cores = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || 1
  let busy = 1
  for (let i = 0; i < 60; i++) {
    const before = await machineBusyMs()
    await new Promise((r) => setTimeout(r, 500))
    busy = ((await machineBusyMs()) - before) / (500 * cores)
    if (busy < 0.15) break
  }
  quiet.push(busy)
}

/**
 * Waits (up to 60 s) until the server's processes use under 5% of a core over half a second:
 * whatever a start of 10,000 appraisals leaves to finish in the background is not measured as
 * intake. Returns the seconds it took.
 */
async function serverIdle(pgid: number): Promise<number> {
  const t0 = performance.now()
  const cpu = async () => (await groupProcesses(pgid)).reduce((a, p) => a + p.cpuMs, 0)
  for (let i = 0; i < 120; i++) {
    const before = await cpu()
    await new Promise((r) => setTimeout(r, 500))
    if ((await cpu()) - before < 25) break
  }
  return Math.round((performance.now() - t0) / 100) / 10
}

const log = (line: string) => process.stderr.write(`${line}\n`)

const work = await mkdtemp(join(tmpdir(), 'kinerja-bench-'))
const m = machine()
log(`building (scripts/build-node.mjs and the bench programs) on ${m.cpu}, ${m.cores} cores`)
execFileSync(process.execPath, ['scripts/build-node.mjs'], { cwd: ROOT, stdio: 'inherit' })
const serverBundle = join(ROOT, 'dist/node.mjs')
const helloBundle = await bundle('bench/hello-server.ts', 'bench-hello')
const loadBundle = await bundle('bench/load-child.ts', 'bench-load')
const scoringBundle = await bundle('bench/scoring.ts', 'bench-scoring')
let specs = 0
const load = (spec: object) => runLoad<LoadOutcome>(loadBundle, join(work, `load-${specs++}.json`), spec)
const serverEnv = (dataDir: string) => ({ KINERJA_DATA_DIR: dataDir, ...SERVER_ENV, KINERJA_TICK_SECONDS: '3600', KINERJA_PULL_SECONDS: '3600' })

// Scoring first, on one core, while nothing else of the bench runs.
await waitQuiet()
log(`scoring ${SCORING_EMPLOYEES} appraisals on core 0`)
const scoring = await jsonChild<{ employees: number; runs: number[]; cpu: number[]; predikat: Record<string, number> }>('taskset', ['-c', '0', process.execPath, scoringBundle, String(SCORING_EMPLOYEES), '5'])
const scoringMs = median(scoring.runs)

// The baseline: the bare hello-world, the same way.
log('hello-world')
const hello = await spawnServer([helloBundle], {})
await load({ url: hello.url, connections: CONNECTIONS, duration: 3 })
const helloRuns: LoadOutcome[] = []
for (let r = 0; r < RUNS; r++) {
  await waitQuiet()
  helloRuns.push(await load({ url: hello.url, connections: CONNECTIONS, duration: 5 }))
}
await stopServer(hello.child)

interface ServerRun {
  n: number
  startMs: number
  /** Seconds the server kept busy after the cycle started. */
  settleS: number
  rss: number
  scaling: LoadOutcome[]
  main: LoadOutcome[]
  accepted: number
  receipts: number
  dataDir: string
}

async function intake(n: number): Promise<ServerRun> {
  const dataDir = await mkdtemp(join(work, `data-${n}-`))
  const server = await spawnServer([serverBundle], serverEnv(dataDir))
  try {
    const call = adminCaller(server.url)
    log(`server with ${n} employees: roster, start`)
    const { cycle, startMs, kobo } = await setupCycle(call, n)
    const settleS = await serverIdle(server.child.pid!)
    const rss = await rssMiB(server.child.pid!)
    // Warm-up: the whole pipeline, about people who are not on the roster (rejected receipts).
    const warm = strangers(await koboBySlot(kobo, n, range(0, 100), [0, 1, 2, 3, 4]))
    await load({ url: server.url, connections: CONNECTIONS, deliveries: warm })
    // The same 900 deliveries on both servers: employees 0-99, three runs of three rater slots.
    const scaling: LoadOutcome[] = []
    for (const slots of [[0, 1, 2], [3, 4, 5], [6, 7, 8]]) {
      await waitQuiet()
      scaling.push(await load({ url: server.url, connections: CONNECTIONS, deliveries: shuffle(await koboBySlot(kobo, n, range(0, 100), slots)) }))
    }
    const main: LoadOutcome[] = []
    if (n > 100) {
      for (let r = 0; r < RUNS; r++) {
        await waitQuiet()
        const employees = range(100 + r * MAIN_EMPLOYEES_PER_RUN, MAIN_EMPLOYEES_PER_RUN)
        main.push(await load({ url: server.url, connections: CONNECTIONS, deliveries: shuffle(await koboBySlot(kobo, n, employees, [0, 1, 2, 3, 4])) }))
      }
    }
    const { accepted, receipts } = await receiptCounts(call, cycle)
    const sent = [...scaling, ...main].reduce((a, o) => a + o.count, 0)
    const refused = [...scaling, ...main].reduce((a, o) => a + o.non2xx + o.errors, 0)
    if (refused > 0 || accepted !== sent || receipts !== sent + warm.length) {
      throw new Error(`server with ${n} employees: ${sent} measured deliveries, ${refused} not answered 2xx, ${accepted} accepted of ${receipts} receipts (expected ${sent} of ${sent + warm.length})`)
    }
    return { n, startMs, settleS, rss, scaling, main, accepted, receipts, dataDir }
  } finally {
    await stopServer(server.child)
  }
}

const small = await intake(100)
await rm(small.dataDir, { recursive: true, force: true })
const large = await intake(10_000)

log('cold start')
const coldEmpty: number[] = []
for (let r = 0; r < COLD_RUNS; r++) {
  await waitQuiet()
  const dataDir = await mkdtemp(join(work, 'cold-'))
  coldEmpty.push(await coldStart([serverBundle], serverEnv(dataDir)))
}
const coldFull: number[] = []
for (let r = 0; r < 3; r++) {
  await waitQuiet()
  coldFull.push(await coldStart([serverBundle], serverEnv(large.dataDir)))
}
const coldNpm: number[] = []
for (let r = 0; r < 3; r++) {
  await waitQuiet()
  const dataDir = await mkdtemp(join(work, 'cold-npm-'))
  coldNpm.push(await coldStart(['start', '--silent'], serverEnv(dataDir), 'npm'))
}
// Best effort: the numbers matter more than a temp folder.
await rm(work, { recursive: true, force: true }).catch((e) => log(`could not remove ${work}: ${e}`))

// The table.
const med = (runs: LoadOutcome[], key: 'rps' | 'p50' | 'p99') => median(runs.map((o) => o[key]))
const spread = (runs: LoadOutcome[]) => `${fmt(Math.min(...runs.map((o) => o.rps)))}-${fmt(Math.max(...runs.map((o) => o.rps)))}`
const helloRps = med(helloRuns, 'rps')
const intakeRps = med(large.main, 'rps')
const ratio = intakeRps / helloRps
const p99 = med(large.main, 'p99')
const p50Small = med(small.scaling, 'p50')
const p50Large = med(large.scaling, 'p50')
const perInstanceUs = (scoringMs * 1000) / SCORING_EMPLOYEES
const coldMs = median(coldEmpty)
const mainCount = large.main[0]?.count ?? 0

const rows: Row[] = [
  {
    what: 'bare Hono hello-world (`@hono/node-server`, plain node)',
    how: `autocannon, ${CONNECTIONS} connections, ${RUNS} runs of 5 s after a 3 s warm-up; median (range)`,
    result: `${fmt(helloRps)} req/s (${spread(helloRuns)}), p50 ${med(helloRuns, 'p50')} ms, p99 ${med(helloRuns, 'p99')} ms`,
    target: '-',
    met: null,
  },
  {
    what: 'intake: Kobo delivery through the whole pipeline into lowdb (10,000 employees)',
    how: `autocannon, ${CONNECTIONS} connections, ${RUNS} runs of ${fmt(mainCount)} new submissions after 500 warm-up deliveries; median (range); all ${fmt(large.accepted)} measured deliveries accepted`,
    result: `${fmt(intakeRps)} submissions/s (${spread(large.main)}), p50 ${med(large.main, 'p50')} ms, p99 ${p99} ms; ${(ratio * 100).toFixed(1)}% of the hello-world`,
    target: '>= 15% of the hello-world; p99 < 20 ms',
    met: ratio >= 0.15 && p99 < 20,
  },
  {
    what: `scoring: results of a ${fmt(SCORING_EMPLOYEES)}-employee cycle (3 roles, 10-11 competencies, 5 peers)`,
    how: `engine transition (collect deadline -> score -> final) per appraisal, all answers in, one core (taskset -c 0), median of ${scoring.runs.length} runs after a 1,000-appraisal warm-up`,
    result: `${fmt(scoringMs / 1000, 2)} s, ${fmt(perInstanceUs)} µs per appraisal (CPU time ${fmt(median(scoring.cpu) / 1000, 2)} s)`,
    target: '< 3 s',
    met: scoringMs < 3000,
  },
  {
    what: 'store scaling: intake p50, 100 vs 10,000 employees on the roster',
    how: `the same 900 deliveries (employees 0-99) on each server, ${CONNECTIONS} connections, 3 runs of 300; median`,
    result: `${p50Small} ms vs ${p50Large} ms (x${(p50Large / p50Small).toFixed(2)}); ${fmt(med(small.scaling, 'rps'))} vs ${fmt(med(large.scaling, 'rps'))} submissions/s`,
    target: 'within 1.5x',
    met: p50Large <= 1.5 * p50Small,
  },
  {
    what: 'memory: resident size of the server holding a started 10,000-employee cycle',
    how: 'VmRSS once the server is idle after the roster import and the start of the cycle (10,000 instances)',
    result: `${fmt(large.rss)} MiB (100 employees: ${fmt(small.rss)} MiB)`,
    target: '< 300 MB',
    met: large.rss * 1.048576 < 300,
  },
  {
    what: 'cold start of the server with the bundled packages',
    how: `spawn \`node dist/node.mjs\` (what \`npm start\` runs after its prestart build) to the first 200 of GET /health; empty data folder, median of ${COLD_RUNS}`,
    result: `${fmt(coldMs)} ms (${fmt(Math.min(...coldEmpty))}-${fmt(Math.max(...coldEmpty))}); holding the 10,000-employee cycle: ${fmt(median(coldFull))} ms; whole \`npm start\` (npm, bundle up to date): ${fmt(median(coldNpm))} ms`,
    target: '< 1 s',
    met: coldMs < 1000,
  },
]

const notes = [
  `Starting the cycle (one instance and its first state per employee): ${fmt(small.startMs)} ms for 100 employees, ${fmt(large.startMs)} ms for 10,000; the server then stayed busy for ${small.settleS} s and ${large.settleS} s before the measurements began (they wait for it to idle).`,
  `Scoring runs (ms, wall clock / CPU): ${scoring.runs.map((r, i) => `${r}/${scoring.cpu[i]}`).join(', ')}; predikat of the 10,000: ${Object.entries(scoring.predikat).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}.`,
  `Intake runs (submissions/s; p50/p99 ms): ${large.main.map((o) => `${fmt(o.rps)} (${o.p50}/${o.p99})`).join(', ')}; hello-world: ${helloRuns.map((o) => `${fmt(o.rps)} (${o.p50}/${o.p99})`).join(', ')}.`,
  `Scaling runs p50 (ms), 100 employees: ${small.scaling.map((o) => o.p50).join(', ')}; 10,000: ${large.scaling.map((o) => o.p50).join(', ')}.`,
  `Before each measurement the run waited for a quiet half second (under 15% of the machine busy, at most 30 s): the machine was ${fmt(Math.max(...quiet) * 100)}% busy at worst, median ${fmt(median(quiet) * 100)}%, when measurements started.`,
]

const text = table(rows)
process.stdout.write(`${text}\n`)
await writeSection(section(m, text, notes))
log('written to docs/benchmarks.md')
