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
  const self = new Map<string, number>()
  let total = 0
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame
    const name = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${f.lineNumber + 1}`
    const dt = profile.timeDeltas[i] ?? 0
    total += dt
    self.set(name, (self.get(name) ?? 0) + dt)
  })
  const busy = total - [...self].filter(([n]) => n.startsWith('(idle)')).reduce((a, [, us]) => a + us, 0)
  const top = [...self].filter(([n]) => !n.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, 45)
  console.log(`busy ${Math.round(busy / 1000)} ms of ${Math.round(total / 1000)} ms profiled (set-up included); shares of busy time:`)
  for (const [name, us] of top) console.log(`${((100 * us) / busy).toFixed(1).padStart(5)}%  ${name}`)
}
await rm(work, { recursive: true, force: true }).catch(() => undefined)
