/**
 * The report of bench/worker.ts: its tables and the section "## Workers (wrangler dev, local D1)"
 * of docs/benchmarks.md, written from the measured numbers (notes included, so a rerun rewrites
 * them with its own numbers).
 */
import { readFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { ROOT, writeBenchmarkSection, type LoadResult } from './support.ts'

export const HEADING = '## Workers (wrangler dev, local D1)'

export interface BundleInfo {
  wranglerVersion: string
  /** worker.js in bytes, and gzipped (node:zlib, level 9). */
  raw: number
  gzip: number
  /** wrangler's own "Total Upload: X KiB / gzip: Y KiB". */
  printedRaw: number
  printedGzip: number
  uploaded: string[]
  sources: number
  fromPackages: number
  parts: { name: string; raw: number; gzip: number }[]
}

export interface Run {
  date: string
  minutes: number
  commit: string
  employees: number
  perBatch: number
  bundle: BundleInfo
  /** The D1 calls of one accepted Kobo delivery, in order. */
  d1: { calls: number; list: string[] }
  m: Three
}

export const kib = (bytes: number) => Math.round((bytes / 1024) * 10) / 10
const fmt = (x: number) => x.toLocaleString('en-US')
const levels = (m: Three) => Object.keys(m.node.kobo).map(Number).sort((a, b) => a - b)

export interface Batch extends LoadResult {
  /** CPU milliseconds per request, by role, and of this script (the load generator). */
  cpu: Record<string, number>
  /** The share of the machine's CPU that processes outside this benchmark used meanwhile. */
  others: number
}

export interface Measured {
  firstMs: number
  startMs: number
  health: Record<number, Batch[]>
  kobo: Record<number, Batch[]>
  accepted: number
  receipts: number
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const mid = (rs: Batch[]) => ({ rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), low: Math.min(...rs.map((r) => r.rps)), high: Math.max(...rs.map((r) => r.rps)) })
const cpuOf = (rs: Batch[], role: string) => median(rs.map((r) => r.cpu[role] ?? 0))
const cpuTotal = (rs: Batch[]) => median(rs.map((r) => Object.entries(r.cpu).reduce((s, [k, v]) => (k.startsWith('load') ? s : s + v), 0)))
const ms = (x: number) => x.toFixed(x < 10 ? 2 : 1)

export type Three = { node: Measured; dev: Measured; quiet: Measured }

export function speedTable(m: Three, key: 'kobo' | 'health'): string {
  const rows = [
    '| connections | Node req/s | Node p50 / p99 ms | wrangler dev req/s | wrangler dev p50 / p99 ms | wrangler dev / Node | wrangler dev, no inspector: req/s | p50 / p99 ms |',
    '|---|---|---|---|---|---|---|---|',
  ]
  for (const c of levels(m)) {
    const [a, b, q] = [mid(m.node[key][c]!), mid(m.dev[key][c]!), mid(m.quiet[key][c]!)]
    rows.push(`| ${c} | ${fmt(a.rps)} (${a.low}-${a.high}) | ${a.p50} / ${a.p99} | ${fmt(b.rps)} (${b.low}-${b.high}) | ${b.p50} / ${b.p99} | ${(b.rps / a.rps).toFixed(2)} | ${fmt(q.rps)} (${q.low}-${q.high}) | ${q.p50} / ${q.p99} |`)
  }
  return rows.join('\n')
}

export function cpuTable(m: Three, c: number): string {
  const roles = ['Node server', 'wrangler (Node)', 'workerd: proxy', 'workerd: Worker + local D1']
  const cell = (x: Measured, role: string) => (x.kobo[c]![0]!.cpu[role] === undefined ? '-' : ms(cpuOf(x.kobo[c]!, role)))
  return [
    '| process | Node | wrangler dev | wrangler dev, no inspector |',
    '|---|---|---|---|',
    ...roles.map((r) => `| ${r} | ${cell(m.node, r)} | ${cell(m.dev, r)} | ${cell(m.quiet, r)} |`),
    `| **server, all processes** | **${ms(cpuTotal(m.node.kobo[c]!))}** | **${ms(cpuTotal(m.dev.kobo[c]!))}** | **${ms(cpuTotal(m.quiet.kobo[c]!))}** |`,
    `| load generator (this script) | ${[m.node, m.dev, m.quiet].map((x) => ms(cpuOf(x.kobo[c]!, 'load generator (this script)'))).join(' | ')} |`,
  ].join('\n')
}

export function section(run: Run): string {
  const { bundle: b, d1, m, date, minutes, commit, employees: EMPLOYEES, perBatch: PER_BATCH } = run
  const cores = cpus().length
  const workerd = JSON.parse(readFileSync(join(ROOT, 'node_modules/workerd/package.json'), 'utf8')).version as string
  const parts = b.parts.slice(0, 8).map((p) => `| ${p.name} | ${fmt(kib(p.raw))} | ${fmt(kib(p.gzip))} | ${Math.round((p.raw / b.raw) * 100)}% |`).join('\n')
  const at = (key: 'kobo' | 'health', c: number) => ({ node: mid(m.node[key][c]!), dev: mid(m.dev[key][c]!), quiet: mid(m.quiet[key][c]!) })
  const [k1, h1, k50] = [at('kobo', 1), at('health', 1), at('kobo', 50)]
  const total = { node: cpuTotal(m.node.kobo[50]!), dev: cpuTotal(m.dev.kobo[50]!), quiet: cpuTotal(m.quiet.kobo[50]!) }
  const ceiling = (cpuMs: number) => fmt(Math.round((cores * 1000) / cpuMs))
  const worker = { dev: cpuOf(m.dev.kobo[50]!, 'workerd: Worker + local D1'), quiet: cpuOf(m.quiet.kobo[50]!, 'workerd: Worker + local D1') }
  const othersAll = [m.node, m.dev, m.quiet].flatMap((x) => [...Object.values(x.kobo), ...Object.values(x.health)].flat().map((r) => r.others)).sort((a, b) => a - b)
  const pct = (xs: number[], q: number) => `${Math.round(xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]! * 100)}%`
  return `${HEADING}

\`\`\`sh
npx tsx bench/worker.ts
\`\`\`

Run on ${date} on the project's machine (${cores} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version.slice(1)}, wrangler ${b.wranglerVersion}, workerd
${workerd}), in about ${minutes} minutes, on the working tree at ${commit}. The script builds the bundle with \`wrangler deploy --dry-run --outdir <tmp>\`, then
starts, one after the other, the real Node server (\`src/entry/node.ts\`, lowdb in a fresh temp
folder) and \`wrangler dev\` (a fresh local D1 prepared by \`wrangler d1 migrations apply DB --local\`;
the admin key and the Kobo secret given by \`--var\`, as the Node server gets them by its
environment), the latter twice: as it starts by default, and without its devtools inspector (below).
On each it sets up the same office, cycle of the Plaju package with ${fmt(EMPLOYEES)} generated employees and
Kobo binding to the short form \`ringkas\` as \`bench/intake.ts\` does (the shared code is in
\`bench/support.ts\`), warms up with ${PER_BATCH} deliveries about people not on the roster (rejected) and
${PER_BATCH} health checks, then runs three rounds of 1, 10 and 50 connections (the closed loop of
\`bench/intake.ts\`) with ${PER_BATCH} Kobo deliveries per batch, each batch about 100 employees of its own, so
every delivery is a new submission. The run fails unless every measured delivery is answered 2xx
and ends accepted: ${fmt(m.node.accepted)} of ${fmt(m.node.receipts)} receipts on Node, ${fmt(m.dev.accepted)} of ${fmt(m.dev.receipts)} and ${fmt(m.quiet.accepted)} of ${fmt(m.quiet.receipts)} on wrangler dev (the
other ${PER_BATCH} are the warm-up's rejected strangers).

### Bundle

| | raw | gzip |
|---|---|---|
| \`worker.js\` (node:zlib, level 9) | ${fmt(kib(b.raw))} KiB | ${fmt(kib(b.gzip))} KiB |
| wrangler's \`Total Upload\` line | ${fmt(b.printedRaw)} KiB | ${fmt(b.printedGzip)} KiB |

${b.uploaded.length === 1 ? 'One module is uploaded' : `${b.uploaded.length} modules are uploaded`} (${b.uploaded.map((f) => `\`${f}\``).join(', ')}; the source map stays local); esbuild put
${b.sources} source files into it, ${b.fromPackages} of them from node_modules. The gzip size is what Cloudflare's
Worker size limit counts (3 MB on Workers Free, 10 MB on Workers Paid when this was written).
Largest parts, by the \`// <path>\` comment esbuild heads each input with (each part gzipped on its
own, so these gzip sizes add up to more than the whole):

| part | raw KiB | gzip KiB | share of raw |
|---|---|---|---|
${parts}

### Intake: Node next to wrangler dev

Kobo deliveries (accepted), medians of three runs; in brackets the lowest and highest req/s:

${speedTable(m, 'kobo')}

\`GET /health\` (the app's middleware, no store), the same way:

${speedTable(m, 'health')}

CPU per Kobo delivery at 50 connections, in ms (from /proc, medians of the three runs):

${cpuTable(m, 50)}

One accepted Kobo delivery makes ${d1.calls} D1 calls, one after the other (counted in process on the D1
store with the binding wrapped: ${d1.list.join(', ')}). First answer after start (\`GET
/health\`, one sample): Node ${m.node.firstMs} ms, wrangler dev ${m.dev.firstMs} ms (where it boots the isolate: packages, admin
key). Starting the cycle of ${fmt(EMPLOYEES)} employees: Node ${fmt(m.node.startMs)} ms, wrangler dev ${fmt(m.dev.startMs)} ms.

What the numbers mean:

- **One delivery at a time**: p50 ${k1.node.p50} ms on Node, ${k1.dev.p50} ms on wrangler dev (${k1.quiet.p50} ms without the inspector).
  A request that touches no store takes ${h1.node.p50} ms on Node and ${h1.dev.p50} ms through wrangler dev (${h1.quiet.p50} ms without the inspector): it
  crosses two local workerd processes (wrangler's proxy, then the Worker). The rest of the gap is the
  delivery's own work in workerd, with its ${d1.calls} D1 calls, each a message to the local D1 and back.
- **wrangler dev is a debugging setup.** By default wrangler attaches Chrome devtools to the Worker
  (its inspector proxy in the proxy workerd, relayed through wrangler's Node process). At 50
  connections the inspector adds ${ms(total.dev - total.quiet)} ms of CPU per delivery, while the Worker and its D1 take
  ${ms(worker.quiet)} ms; with it off, wrangler dev answers ${fmt(k50.quiet.rps)} req/s instead of ${fmt(k50.dev.rps)}, and one delivery at a time
  takes ${k1.quiet.p50} ms instead of ${k1.dev.p50}. Neither the inspector nor the proxy is there on a deployed Worker.
- **CPU explains the ceilings.** At 50 connections a delivery costs Node ${ms(total.node)} ms of CPU and
  wrangler dev ${ms(total.dev)} ms across its processes (${ms(total.quiet)} without the inspector). ${cores} cores give
  ${fmt(cores * 1000)} ms of CPU a second, so Node could reach about ${ceiling(total.node)} req/s before the load generator's share;
  it measured ${fmt(k50.node.rps)}, as it also waits for lowdb's fsyncs (three per delivery). The Worker and its local
  D1 share one workerd process, and workerd runs the Worker's isolate on one thread: at ${ms(worker.dev)} ms
  (${ms(worker.quiet)} ms without the inspector) per delivery that thread alone caps wrangler dev near
  ${fmt(Math.round(1000 / worker.dev))} (${fmt(Math.round(1000 / worker.quiet))}) req/s, whatever the number of cores. That row includes the local D1's SQLite work,
  which on Cloudflare runs in the database, not in the Worker's CPU time.
- **Not Cloudflare's network.** The local D1 is SQLite run by the same local workerd as the Worker;
  a D1 call is an in-machine hop. On a deployed Worker each of the ${d1.calls} D1 calls of a delivery is a
  network round trip to the database, so a delivery's latency there is mostly those round trips
  (and where the Worker runs relative to the database), and throughput scales with isolates and
  D1 rather than with this machine's cores. These numbers compare code paths on one machine; they
  do not predict deployed latency or throughput.
- **Two cores, load generator beside.** The client (Node's fetch in this script), wrangler's Node
  process and both workerd processes share the ${cores} cores, so at 10 and 50 connections they compete,
  and latency at 50 connections is mostly queueing. The machine is shared: before each batch the
  script waits for a quiet half second (under 10% busy, up to 20 s); during the batches processes
  outside the benchmark used a median ${pct(othersAll, 0.5)} of the CPU (at most ${pct(othersAll, 1)}). Runs vary (the brackets),
  and whole runs of the script vary more (on this VM Node's rate at 50 connections has doubled from
  one run to the next): compare within one table, not with the table of the Node intake above.
- **A snapshot of the tree.** Everything runs from a copy of the working tree taken at the start
  (node_modules linked): wrangler dev rebuilds and restarts the Worker whenever a file under \`src/\`
  changes, and other people edit it meanwhile. The one rebuild its own \`npm run gen:worker\` causes
  at start is over before the first request.
`
}

/**
 * Rewraps the prose of generated markdown at 100 columns (the numbers make line lengths unknown
 * in advance); tables, code, headings and list items' markers are kept.
 */
function reflow(markdown: string): string {
  return markdown
    .split('\n\n')
    .map((block) => {
      if (/^(\||```|#)/.test(block)) return block
      return block
        .split(/\n(?=- )/)
        .map((item) => {
          const bullet = item.startsWith('- ')
          // A code span is one word: a line break inside it would show as a space.
          const words = item.replace(/^- /, '').match(/`[^`]*`\S*|\S+/g) ?? []
          const lines: string[] = []
          let line = bullet ? '-' : ''
          for (const w of words) {
            if (line.length + 1 + w.length > 100 && line.trim() && line !== '-') (lines.push(line), (line = bullet ? ' ' : ''))
            line += line === '' ? w : ` ${w}`
          }
          return [...lines, line].join('\n')
        })
        .join('\n')
    })
    .join('\n\n')
}

/** Replaces this section of docs/benchmarks.md. */
export const writeSection = (section: string) => writeBenchmarkSection(HEADING, `${reflow(section).trimEnd()}\n`)

