/**
 * Where a delivery's time goes: the server as `npm start` runs it (dist/node.mjs), a cycle of
 * `employees` people, and `deliveries` new Kobo submissions sent by autocannon in its own process
 * with 50 connections, after a warm-up. Prints the rate, p50/p99, the server's CPU per delivery
 * and, with --prof, the functions that took the most CPU (self time, from V8's profiler).
 *
 *   npx tsx bench/intake-profile.ts [employees=1000] [deliveries=3000] [--prof]
 *
 * A tool for working on intake speed; `npm run bench` gives the numbers of record.
 */
import { execFileSync } from 'node:child_process'
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { koboBySlot, range } from './deliveries.ts'
import type { LoadOutcome } from './load-child.ts'
import { bundle, runLoad, spawnServer, stopServer } from './processes.ts'
import { CONNECTIONS, ROOT, SERVER_ENV, adminCaller, groupProcesses, setupCycle, shuffle, strangers } from './support.ts'

const args = process.argv.slice(2)
const prof = args.includes('--prof')
const [employees = 1000, deliveries = 3000] = args.filter((a) => !a.startsWith('--')).map(Number)
const slots = Math.min(9, Math.ceil(deliveries / employees))

const work = await mkdtemp(join(tmpdir(), 'kinerja-profile-'))
execFileSync(process.execPath, ['scripts/build-node.mjs'], { cwd: ROOT, stdio: 'inherit' })
const loadBundle = await bundle('bench/load-child.ts', 'bench-load')
let specs = 0
const load = (spec: object) => runLoad<LoadOutcome>(loadBundle, join(work, `load-${specs++}.json`), spec)

const dataDir = join(work, 'data')
const profDir = join(work, 'prof')
const server = await spawnServer([...(prof ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), join(ROOT, 'dist/node.mjs')], {
  KINERJA_DATA_DIR: dataDir,
  ...SERVER_ENV,
  KINERJA_TICK_SECONDS: '3600',
  KINERJA_PULL_SECONDS: '3600',
})
const cpu = async () => (await groupProcesses(server.child.pid!)).reduce((a, p) => a + p.cpuMs, 0)
try {
  const call = adminCaller(server.url)
  const { kobo } = await setupCycle(call, employees)
  await load({ url: server.url, connections: CONNECTIONS, deliveries: strangers(await koboBySlot(kobo, employees, range(0, 200), [0, 1, 2, 3, 4])) })
  const list = shuffle(await koboBySlot(kobo, employees, range(0, employees), range(0, slots))).slice(0, deliveries)
  const before = await cpu()
  const out = await load({ url: server.url, connections: CONNECTIONS, deliveries: list })
  const used = (await cpu()) - before
  console.log(JSON.stringify({ employees, deliveries: out.count, rps: out.rps, p50: out.p50, p99: out.p99, non2xx: out.non2xx, errors: out.errors, serverCpuMsPerDelivery: Math.round((used / out.count) * 100) / 100 }))
} finally {
  await stopServer(server.child)
}

if (prof) {
  const file = (await readdir(profDir)).find((n) => n.endsWith('.cpuprofile'))
  if (!file) throw new Error('the server wrote no profile')
  await copyFile(join(profDir, file), join(tmpdir(), 'kinerja-intake.cpuprofile'))
  console.log(`profile kept as ${join(tmpdir(), 'kinerja-intake.cpuprofile')} (open it in Chrome's DevTools)`)
  const profile = JSON.parse(await readFile(join(profDir, file), 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]
    samples: number[]
    timeDeltas: number[]
  }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  // The bundle marks where each source module starts ("// src/services/intake.ts").
  const starts: [number, string][] = []
  ;(await readFile(join(ROOT, 'dist/node.mjs'), 'utf8')).split('\n').forEach((line, i) => {
    const m = /^\/\/ ((?:src|plugins)\/\S+\.ts)$/.exec(line)
    if (m) starts.push([i, m[1]!])
  })
  const moduleAt = (line: number) => {
    let found = 'dist/node.mjs'
    for (const [at, name] of starts) {
      if (at > line) break
      found = name
    }
    return found
  }
  const self = new Map<string, number>()
  const areas = new Map<string, number>()
  let total = 0
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame
    const dt = profile.timeDeltas[i] ?? 0
    if (f.functionName === '(idle)') return
    total += dt
    const source = f.url.includes('/dist/node.mjs') ? moduleAt(f.lineNumber) : f.url.replace(/^.*node_modules\//, '')
    const name = `${f.functionName || '(anonymous)'} ${source}${f.url ? `:${f.lineNumber + 1}` : ''}`
    self.set(name, (self.get(name) ?? 0) + dt)
    const area = areaOf(f.functionName, source)
    areas.set(area, (areas.get(area) ?? 0) + dt)
  })
  console.log(`main thread busy ${Math.round(total / 1000)} ms (set-up included); by area:`)
  for (const [area, us] of [...areas].sort((a, b) => b[1] - a[1])) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${area}`)
  console.log('functions (self time):')
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`)
}

await rm(work, { recursive: true, force: true }).catch(() => undefined)

/** A rough area for a sample, by the module its function is in. */
function areaOf(fn: string, source: string): string {
  if (fn === '(garbage collector)') return 'garbage collection'
  if (/^(open|close|rename|writeBuffer|writev|write|fsync|fdatasync|read|openFileHandle)$/.test(fn) && source === '') return 'file system calls'
  if (/src\/(store|entry\/node-(journal|document-files)|entry\/document-writer)/.test(source) || /^lowdb/.test(source)) return 'store and journal (incl. JSON.stringify of documents)'
  if (/src\/engine|jsonata/.test(source)) return 'engine (transition, formulas)'
  if (/plugins\/|src\/services\/(intake|binding|coerce)|src\/json\/|src\/generated|src\/util\/crypto|ajv/.test(source)) return 'intake pipeline (auth, parse, normalise, map, validate)'
  if (/src\/services|src\/http|src\/app/.test(source)) return 'services and routes'
  if (/^hono|^@hono|zod/.test(source)) return 'Hono and @hono/node-server'
  if (/^node:|^$/.test(source)) return "Node's HTTP, streams and other built-ins"
  return source
}