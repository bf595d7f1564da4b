/**
 * Size and speed of the Workers build. The bundle `wrangler deploy --dry-run` makes (raw, gzip, the
 * modules in it); the D1 calls one Kobo delivery makes; then the same Kobo intake against the real
 * Node server (lowdb on disk) and against `wrangler dev` (workerd with a local D1), one after the
 * other on this machine: 1 connection (latency), 10 and 50 (throughput), three runs each after a
 * warm-up, medians reported, with the CPU each server's processes spent. wrangler dev runs twice:
 * as it starts by default (its devtools inspector attached to the Worker) and without the inspector.
 * Every measured delivery is a new submission and the run fails unless every one ends accepted.
 *
 *   npx tsx bench/worker.ts     # about 4 minutes; prints the tables and rewrites the section
 *                               # "## Workers (wrangler dev, local D1)" of docs/benchmarks.md
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { cp, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { D1Database } from '@cloudflare/workers-types'
import { ADMIN, ROOT, SERVER_ENV, SUBJECTS, adminCaller, groupProcesses, koboDeliveries, machineBusyMs, load, receiptCounts, setupCycle, shuffle, start, stop, strangers, type Delivery, type Proc } from './support.ts'
import { HEADING, cpuTable, kib, section, speedTable, writeSection, type Batch, type BundleInfo, type Measured, type Three } from './worker-report.ts'
import { WRANGLER, WRANGLER_ENV, freePort, runWrangler } from '../test/support/wrangler.ts'

const CONCURRENCY = [1, 10, 50]
const RUNS = 3
/** Each of the RUNS x CONCURRENCY batches is about 100 employees of its own, so nothing repeats. */
const EMPLOYEES = 1000
const PER_BATCH = SUBJECTS * 5

/** The commit the measured tree is on, and whether it had uncommitted changes. */
let commit = '?'

/**
 * A copy of the working tree (node_modules linked) that every measurement runs from. Other people
 * edit src/ while this runs: wrangler dev would rebuild and restart the Worker mid-run on each
 * change, and the three servers could run different code.
 */
async function snapshot(): Promise<string> {
  const git = (...args: string[]) => execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' }).trim()
  commit = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? ' with uncommitted changes' : ''}`
  const dir = join(WORK, 'tree')
  for (const name of ['src', 'plugins', 'workflows', 'schemas', 'scripts', 'migrations', 'bin', 'package.json', 'tsconfig.json', 'wrangler.toml']) {
    await cp(join(ROOT, name), join(dir, name), { recursive: true, filter: (from) => !from.includes('/src/generated/worker') })
  }
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
  return dir
}


/** Runs a wrangler command in the snapshot. */
const wrangler = (args: string[]) => runWrangler(args, SNAP)

/** Where the bytes of the bundle come from: esbuild heads every input's code with `// <path>`. */
function byPart(bundle: string): { name: string; raw: number; gzip: number }[] {
  const parts = new Map<string, string[]>()
  let current = '(wrangler and esbuild glue)'
  for (const line of bundle.split('\n')) {
    // Paths are relative to the snapshot; node_modules resolves to the checkout's (../../work/...).
    const m = line.match(/^\/\/ (\S*?(?:node_modules|src|plugins)\/\S+\.(?:[cm]?js|ts|json))$/)
    if (m) {
      const path = m[1]!
      const pkg = path.split('node_modules/').at(-1)!.split('/')
      current = path.includes('node_modules/') ? (pkg[0]!.startsWith('@') ? `${pkg[0]}/${pkg[1]}` : pkg[0]!) : path.startsWith('src/generated/') ? 'src/generated (forms, packages)' : path.split('/')[0]!
    }
    parts.set(current, [...(parts.get(current) ?? []), line])
  }
  return [...parts]
    .map(([name, lines]) => ({ name, raw: Buffer.byteLength(lines.join('\n')), gzip: gzipSync(lines.join('\n'), { level: 9 }).length }))
    .sort((a, b) => b.raw - a.raw)
}

async function bundle(): Promise<BundleInfo> {
  const out = await mkdtemp(join(WORK, 'bundle-'))
  try {
    const printed = await wrangler(['deploy', '--dry-run', '--outdir', out])
    const total = printed.match(/Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/)
    if (!total) throw new Error(`no "Total Upload" line in:\n${printed}`)
    const code = await readFile(join(out, 'worker.js'))
    const map = JSON.parse(await readFile(join(out, 'worker.js.map'), 'utf8')) as { sources: string[] }
    return {
      wranglerVersion: printed.match(/wrangler (\d+\.\d+\.\d+)/)?.[1] ?? '?',
      raw: code.length,
      gzip: gzipSync(code, { level: 9 }).length,
      printedRaw: Number(total[1]),
      printedGzip: Number(total[2]),
      uploaded: (await readdir(out)).filter((f) => !f.endsWith('.map') && f !== 'README.md'),
      sources: map.sources.length,
      fromPackages: map.sources.filter((s) => s.includes('node_modules/')).length,
      parts: byPart(code.toString('utf8')),
    }
  } finally {
    await rm(out, { recursive: true, force: true })
  }
}

/** `read cycles`, `insert receipts`, `update receipts` for a statement's SQL. */
function callName(sql: string): string {
  const verb = ({ SELECT: 'read', INSERT: 'insert', UPDATE: 'update', DELETE: 'delete' } as Record<string, string>)[sql.trim().split(/\s/)[0]!.toUpperCase()] ?? 'query'
  return `${verb} ${sql.match(/\b(?:FROM|INTO|UPDATE)\s+(\w+)/i)?.[1] ?? '?'}`
}

/**
 * The D1 calls (each a round trip to the database on a deployed Worker) of one accepted Kobo
 * delivery: the real app on the D1 store, in process on wrangler's local D1, the binding counted.
 */
async function d1Calls(): Promise<{ calls: number; list: string[] }> {
  const { getPlatformProxy } = await import('wrangler')
  const from = (path: string) => import(join(SNAP, path))
  const [{ applyD1Migrations }, { createD1Store }, { createApp }, { loadPackage }, { createPackageRegistry }, { adoptKey }, { systemClock, silentLogger }, { createPluginRegistry }, { sourcePlugins }, { readPackageDir }] = await Promise.all([
    from('src/store/d1-migrations.ts'), from('src/store/d1-store.ts'), from('src/app.ts'), from('src/package/load-package.ts'), from('src/services/package-registry.ts'),
    from('src/services/keys.ts'), from('src/services/deps.ts'), from('plugins/registry.ts'), from('plugins/index.ts'), from('src/entry/package-files.ts'),
  ])
  const proxy = await getPlatformProxy<{ DB: D1Database }>({ configPath: join(SNAP, 'wrangler.toml'), persist: false })
  try {
    const db = proxy.env.DB
    const names = (await readdir(join(SNAP, 'migrations'))).filter((n) => n.endsWith('.sql')).sort()
    await applyD1Migrations(db, await Promise.all(names.map(async (name) => ({ name, sql: await readFile(join(SNAP, 'migrations', name), 'utf8') }))))
    let list: string[] = []
    const statement = (inner: any, sql: string): any =>
      new Proxy(inner, {
        get: (t, p) => (p === 'bind' ? (...a: unknown[]) => statement(t.bind(...a), sql) : ['first', 'all', 'run', 'raw'].includes(p as string) ? (...a: unknown[]) => (list.push(callName(sql)), t[p](...a)) : typeof t[p] === 'function' ? t[p].bind(t) : t[p]),
      })
    const counted = new Proxy(db as any, {
      get: (t, p) => (p === 'prepare' ? (sql: string) => statement(t.prepare(sql), sql) : p === 'batch' || p === 'exec' ? (x: any) => (list.push(Array.isArray(x) ? `a batch of ${x.length}` : String(p)), t[p](x)) : typeof t[p] === 'function' ? t[p].bind(t) : t[p]),
    }) as D1Database
    const store = createD1Store(counted)
    const { package: pkg } = await loadPackage(await readPackageDir(join(SNAP, 'workflows/plaju-kompetensi-360/')))
    const deps: any = { store, clock: systemClock, packages: createPackageRegistry(store, loadPackage, [pkg!]), plugins: createPluginRegistry(sourcePlugins), logger: silentLogger, secrets: (n: string) => (SERVER_ENV as Record<string, string>)[n] }
    await adoptKey(deps, ADMIN, 'admin', 'KINERJA_ADMIN_KEY')
    const app = createApp(deps)
    const { kobo } = await setupCycle(adminCaller('http://in-process', (url, init) => app.request(url.slice('http://in-process'.length), init)), 20)
    const [first, second] = await koboDeliveries(kobo, 20, 0, 1)
    await app.request(first!.path, { method: 'POST', body: first!.body, headers: first!.headers })
    list = []
    const res = await app.request(second!.path, { method: 'POST', body: second!.body, headers: second!.headers })
    if (res.status !== 200) throw new Error(`in-process Kobo delivery: ${res.status} ${await res.text()}`)
    return { calls: list.length, list }
  } finally {
    await proxy.dispose()
  }
}

interface Server {
  url: string
  firstMs: number
  pgid: number
  /** Which part of the server a process is (the CPU table's rows). */
  role: (p: Proc) => string
  close: () => Promise<void>
}

/** Time of the first answer a server gives (on the Worker it boots the isolate: packages, admin key). */
async function firstAnswer(url: string): Promise<number> {
  const t = performance.now()
  const res = await fetch(`${url}/health`)
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`GET /health: ${res.status}`)
  return Math.round(performance.now() - t)
}

/** Stops a process group and waits until none of its processes is left (workerd ends after wrangler). */
async function stopGroup(child: ChildProcess) {
  groups.delete(child.pid!)
  if (child.exitCode === null && child.signalCode === null) await stop(child)
  for (let i = 0; i < 100 && (await groupProcesses(child.pid!)).length > 0; i++) await new Promise((r) => setTimeout(r, 100))
  if ((await groupProcesses(child.pid!)).length > 0) process.kill(-child.pid!, 'SIGKILL')
}

async function nodeServer(): Promise<Server> {
  const dataDir = await mkdtemp(join(WORK, 'lowdb-'))
  const { url, child } = await start(['src/entry/node.ts'], { KINERJA_DATA_DIR: dataDir, ...SERVER_ENV, KINERJA_TICK_SECONDS: '3600', KINERJA_PULL_SECONDS: '3600' }, SNAP)
  groups.add(child.pid!)
  return { url, pgid: child.pid!, role: () => 'Node server', firstMs: await firstAnswer(url), close: async () => (await stopGroup(child), await rm(dataDir, { recursive: true, force: true })) }
}

/**
 * `wrangler dev` on a free port with a fresh local D1 that the migrations prepared; the secrets by
 * --var. Without the inspector: wrangler leaves its devtools out when it believes VS Code's debugger
 * is attached instead (VSCODE_INSPECTOR_OPTIONS set), the only switch its command line has.
 */
async function workerServer(inspector: boolean): Promise<Server> {
  const state = await mkdtemp(join(WORK, 'd1-'))
  let dev: ChildProcess | undefined
  const close = async () => (dev && (await stopGroup(dev)), await rm(state, { recursive: true, force: true }))
  try {
    await wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state])
    const port = await freePort()
    const vars = Object.entries(SERVER_ENV).flatMap(([k, v]) => ['--var', `${k}:${v}`])
    dev = spawn(WRANGLER, ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state, '--inspector-port', String(await freePort()), ...vars], {
      cwd: SNAP, env: inspector ? WRANGLER_ENV : { ...WRANGLER_ENV, VSCODE_INSPECTOR_OPTIONS: '{}' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    })
    groups.add(dev.pid!)
    // Only the start of the log is kept: every request adds a line, and only a failed start is read.
    let log = ''
    let lastOutput = performance.now()
    const keep = (d: Buffer) => void ((lastOutput = performance.now()), log.length < 64_000 && (log += d))
    dev.stdout!.on('data', keep)
    dev.stderr!.on('data', keep)
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wrangler dev did not start:\n${log}`)), 90_000)
      const check = setInterval(() => /Ready on http:\/\/127\.0\.0\.1:\d+/.test(log) && (clearInterval(check), clearTimeout(timer), resolve()), 50)
      dev!.once('exit', (code) => (clearInterval(check), clearTimeout(timer), reject(new Error(`wrangler dev exited with ${code}:\n${log}`))))
    })
    // The custom build writes src/generated/worker/, which wrangler's watcher takes for an edit: one
    // more build and a restart of the Worker follow, around "Ready". Nothing is sent until the log
    // has been silent for 3 s (no request has been made yet, so only builds write to it).
    for (let i = 0; i < 600 && performance.now() - lastOutput < 3000; i++) await new Promise((r) => setTimeout(r, 100))
    const url = `http://127.0.0.1:${port}`
    // The workerd that listens on the public port runs wrangler's proxy (and its inspector proxy);
    // the other runs the Worker and its local D1.
    const role = (p: Proc) => (p.comm !== 'workerd' ? 'wrangler (Node)' : p.args.includes(`entry=127.0.0.1:${port} `) ? 'workerd: proxy' : 'workerd: Worker + local D1')
    return { url, pgid: dev.pid!, role, firstMs: await firstAnswer(url), close }
  } catch (e) {
    await close()
    throw e
  }
}



/** One batch with the CPU time the server's processes and this script spent on it. */
async function measured(server: Server, deliveries: Delivery[], connections: number): Promise<Batch> {
  const sum = async () => {
    const by: Record<string, number> = {}
    for (const p of await groupProcesses(server.pgid)) by[server.role(p)] = (by[server.role(p)] ?? 0) + p.cpuMs
    const self = process.cpuUsage()
    by['load generator (this script)'] = (self.user + self.system) / 1000
    return by
  }
  const [before, busy0, t0] = [await sum(), await machineBusyMs(), performance.now()]
  const r = await load(server.url, deliveries, connections)
  const [after, busy1, t1] = [await sum(), await machineBusyMs(), performance.now()]
  const ours = Object.keys(after).reduce((s, k) => s + after[k]! - (before[k] ?? 0), 0)
  const others = Math.max(0, busy1 - busy0 - ours) / ((t1 - t0) * cpus().length)
  return { ...r, others, cpu: Object.fromEntries(Object.keys(after).map((k) => [k, (after[k]! - (before[k] ?? 0)) / r.count])) }
}


/**
 * Waits (at most `seconds`) for half a second in which the machine is less than 10% busy: on a
 * shared machine other people's test runs would otherwise be measured too. False if it never was.
 */
async function quiet(seconds: number): Promise<boolean> {
  for (let i = 0; i < seconds * 2; i++) {
    const [b0, t0] = [await machineBusyMs(), performance.now()]
    await new Promise((r) => setTimeout(r, 500))
    if ((await machineBusyMs()) - b0 < 0.1 * (performance.now() - t0) * cpus().length) return true
  }
  return false
}

/**
 * The same steps on either server: the cycle of EMPLOYEES, a warm-up (500 rejected strangers, 500
 * health checks), then RUNS rounds of 1, 10 and 50 connections, each Kobo batch about 100 new employees.
 */
async function measure(name: string, make: () => Promise<Server>): Promise<Measured> {
  console.log(`${name}:`)
  if (!(await quiet(120))) console.log('  (the machine did not get quiet within two minutes; measuring anyway)')
  const server = await make()
  try {
    const call = adminCaller(server.url)
    const { cycle, startMs, kobo } = await setupCycle(call, EMPLOYEES)
    const health: Delivery[] = Array.from({ length: PER_BATCH }, () => ({ path: '/health', body: '', headers: {} }))
    await load(server.url, strangers(await koboDeliveries(kobo, EMPLOYEES, 0, SUBJECTS)))
    await load(server.url, health)
    const out: Measured = { firstMs: server.firstMs, startMs: Math.round(startMs), health: {}, kobo: {}, accepted: 0, receipts: 0 }
    let batch = 0
    for (let run = 0; run < RUNS; run++) {
      for (const c of CONCURRENCY) {
        await quiet(20)
        const h = await measured(server, health, c)
        const k = await measured(server, shuffle(await koboDeliveries(kobo, EMPLOYEES, batch++ * SUBJECTS, SUBJECTS)), c)
        if (h.non2xx || k.non2xx) throw new Error(`non-2xx answers at ${c} connections: health ${h.non2xx}, Kobo ${k.non2xx}`)
        ;(out.health[c] ??= []).push(h)
        ;(out.kobo[c] ??= []).push(k)
        console.log(`  run ${run + 1}, ${c} connection(s): Kobo ${k.rps} req/s p50 ${k.p50} p99 ${k.p99}; health ${h.rps} req/s p50 ${h.p50}; others used ${Math.round(k.others * 100)}% of the CPU`)
      }
    }
    Object.assign(out, await receiptCounts(call, cycle))
    const expected = RUNS * CONCURRENCY.length * PER_BATCH
    if (out.accepted !== expected || out.receipts !== expected + PER_BATCH) throw new Error(`expected ${expected} accepted of ${expected + PER_BATCH} receipts, got ${out.accepted} of ${out.receipts}`)
    return out
  } finally {
    await server.close()
  }
}

/** Everything this run writes (the tree, the bundle, lowdb and D1 folders) is under WORK. */
const began = performance.now()
const WORK = await mkdtemp(join(tmpdir(), 'kinerja-bench-worker-'))
/** Process groups still running, ended if the run is interrupted. */
const groups = new Set<number>()
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const g of groups) process.kill(-g, 'SIGKILL')
    rmSync(WORK, { recursive: true, force: true })
    process.exit(130)
  })
}
const SNAP = await snapshot()
try {
  const b = await bundle()
  console.log(`bundle: worker.js ${kib(b.raw)} KiB, gzip -9 ${kib(b.gzip)} KiB; wrangler: ${b.printedRaw} KiB / gzip ${b.printedGzip} KiB; ${b.uploaded.length} module(s) uploaded, ${b.sources} sources`)
  const d1 = await d1Calls()
  console.log(`D1 calls per accepted Kobo delivery: ${d1.calls}\n  ${d1.list.join('\n  ')}`)
  const m: Three = {
    node: await measure('Node (lowdb)', nodeServer),
    dev: await measure('wrangler dev (local D1)', () => workerServer(true)),
    quiet: await measure('wrangler dev (local D1), no inspector', () => workerServer(false)),
  }
  console.log(`\nKobo\n${speedTable(m, 'kobo')}\n\nGET /health\n${speedTable(m, 'health')}\n\nCPU ms per Kobo delivery, 50 connections\n${cpuTable(m, 50)}`)
  await writeSection(section({ bundle: b, d1, m, commit, employees: EMPLOYEES, perBatch: PER_BATCH, date: new Date().toISOString().slice(0, 10), minutes: Math.round((performance.now() - began) / 60_000) }))
  console.log(`\nwrote "${HEADING}" in docs/benchmarks.md`)
} finally {
  await rm(WORK, { recursive: true, force: true })
}
