/**
 * The Node entry: lowdb files under KINERJA_DATA_DIR, the bundled packages from workflows/, the
 * environment as the secret source, and a timer that fires deadlines. `npm start` runs this.
 *
 * Environment: PORT (default 8787), HOST (default 127.0.0.1), KINERJA_DATA_DIR (default ./data),
 * KINERJA_WORKFLOWS_DIR (default ./workflows), KINERJA_ADMIN_KEY (optional: an admin key to accept),
 * KINERJA_TICK_SECONDS (default 60), KINERJA_PULL_SECONDS (default 300: how often ODK Central is pulled),
 * KINERJA_CORS_ORIGINS (comma-separated web origins allowed to post to the hooks from a browser),
 * KINERJA_CHANNEL_<NAME>_URL and _SECRET (signed outbound webhooks for notify states and reminders),
 * KINERJA_LINK_SECRET (signs per-person action links; default: a random one kept in the data folder),
 * KINERJA_PUBLIC_URL (where people reach the service, for full link addresses), KINERJA_LINK_DAYS (30),
 * KINERJA_REQUEST_TIMEOUT_SECONDS (60: how long a request may take to arrive),
 * KINERJA_CLOCK_OFFSET_MS (tests and drills only: shifts the service's clock).
 */
import { serve } from '@hono/node-server'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { createApp } from '../app.ts'
import { loadPackage } from '../package/load-package.ts'
import { formatProblem } from '../package/format-problem.ts'
import { createPackageRegistry, loadBundled } from '../services/package-registry.ts'
import { adoptKey, createKey } from '../services/keys.ts'
import { tick } from '../services/instances.ts'
import { pullAll } from '../services/pull.ts'
import type { Deps, Logger } from '../services/deps.ts'
import { newSecret } from '../util/crypto.ts'
import { createLowdbStore } from '../store/lowdb-store.ts'
import { createPluginRegistry } from '../../plugins/registry.ts'
import { sourcePlugins } from '../../plugins/index.ts'
import { nodeDocumentFiles } from './node-document-files.ts'
import { channelsFrom, clockFrom, corsOriginsFrom, linksFrom } from './env-config.ts'
import { listPackageDirs, readPackageDir } from './package-files.ts'

const SECRET_LIKE = /(key|secret|token|password|authorization)/i

/** One line per message on stderr; values of secret-looking fields are never printed. */
export const consoleLogger: Logger = (() => {
  const line = (level: string) => (message: string, data?: Record<string, unknown>) => {
    const safe = data && Object.fromEntries(Object.entries(data).map(([k, v]) => [k, SECRET_LIKE.test(k) ? '[redacted]' : v]))
    process.stderr.write(`${new Date().toISOString()} ${level} ${message}${safe ? ' ' + JSON.stringify(safe) : ''}\n`)
  }
  return { info: line('info'), warn: line('warn'), error: line('error') }
})()

/** A secret made once and kept (owner-only) in the data folder, so links survive restarts. */
async function dataDirSecret(dataDir: string, name: string): Promise<string> {
  const file = join(dataDir, name)
  const existing = await readFile(file, 'utf8').catch(() => '')
  if (existing.trim()) return existing.trim()
  const secret = newSecret('ls')
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch(async () => undefined)
  // Another process may have won the race to create it: whatever is on disk is the secret.
  return (await readFile(file, 'utf8')).trim()
}

/**
 * How long a request may take to arrive, headers and body. A sender that stops in the middle of a
 * body is answered 408 and its connection closed after this, instead of being waited for during
 * Node's default of 300 s. Node checks its connections every quarter of it (at most every 30 s).
 */
function requestTimeouts(env: NodeJS.ProcessEnv) {
  const raw = env.KINERJA_REQUEST_TIMEOUT_SECONDS
  const seconds = raw === undefined || raw === '' ? 60 : Number(raw)
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`KINERJA_REQUEST_TIMEOUT_SECONDS must be a number of seconds above 0, not ${JSON.stringify(raw)}`)
  const ms = Math.round(seconds * 1000)
  return { requestTimeout: ms, headersTimeout: ms, connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.round(ms / 4))) }
}

export async function startNode(env: NodeJS.ProcessEnv = process.env, log: Logger = consoleLogger) {
  const port = Number(env.PORT ?? 8787)
  const hostname = env.HOST ?? '127.0.0.1'
  const timeouts = requestTimeouts(env)
  const dataDir = resolve(env.KINERJA_DATA_DIR ?? './data')
  const workflowsDir = resolve(env.KINERJA_WORKFLOWS_DIR ?? './workflows')
  await mkdir(dataDir, { recursive: true })

  // Writes are acknowledged once in the data folder's journal; close() (SIGTERM, SIGINT) writes the
  // documents out, and a restart after a crash replays whatever the journal still holds.
  const files = nodeDocumentFiles(dataDir, { warn: log.warn })
  const store = await createLowdbStore(files)
  const sources = await Promise.all((await listPackageDirs(workflowsDir)).map(async (dir) => ({ dir, files: await readPackageDir(dir) })))
  const { packages, problems } = await loadBundled(store, loadPackage, sources)
  for (const { dir, problem } of problems) {
    if (problem.severity === 'error') log.error(`package problem: ${dir}/${formatProblem(problem)}`)
    else log.warn(`package warning: ${dir}/${formatProblem(problem)}`)
  }
  const deps: Deps = {
    store,
    clock: clockFrom(env),
    packages: createPackageRegistry(store, loadPackage, packages),
    plugins: createPluginRegistry(sourcePlugins),
    logger: log,
    secrets: (name) => env[name],
    channels: channelsFrom(env),
    corsOrigins: corsOriginsFrom(env),
    fetch: (url, init) => fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(30_000) }),
    links: linksFrom(env, env.KINERJA_LINK_SECRET ? undefined : await dataDirSecret(dataDir, 'link-secret')),
  }

  let printedKey: string | undefined
  if (env.KINERJA_ADMIN_KEY) await adoptKey(deps, env.KINERJA_ADMIN_KEY, 'admin', 'KINERJA_ADMIN_KEY')
  else if ((await store.countKeys()) === 0) printedKey = (await createKey(deps, { role: 'admin', office: null, label: 'first admin key' })).key

  const app = createApp(deps)
  const server = await new Promise<ReturnType<typeof serve>>((ready) => {
    const s = serve({ fetch: app.fetch, port, hostname, serverOptions: timeouts }, () => ready(s))
  })
  const address = server.address()
  const url = `http://${hostname}:${typeof address === 'object' && address ? address.port : port}`
  process.stdout.write(`kinerja listening on ${url}\n`)
  process.stdout.write(`data: ${dataDir}\npackages: ${packages.map((p) => `${p.id}@${p.version}`).join(', ') || 'none'}\n`)
  if (printedKey) {
    process.stdout.write(`\nNo API key existed, so an admin key was created. It is shown only this once:\n\n  KINERJA_KEY=${printedKey}\n\n`)
  }

  const tickMs = Number(env.KINERJA_TICK_SECONDS ?? 60) * 1000
  // One pass at start catches up on every deadline that passed while the server was down; each
  // fired deadline leaves the instance, so it fires once. Passes never overlap.
  let ticking = false
  const runTick = () => {
    if (ticking) return
    ticking = true
    tick(deps)
      .catch((e) => log.error('tick failed', { error: String(e) }))
      .finally(() => (ticking = false))
  }
  runTick()
  const timer = setInterval(runTick, tickMs)
  timer.unref()
  // Sources without webhooks (ODK Central) are pulled; one pass at a time, never overlapping.
  const pullMs = Number(env.KINERJA_PULL_SECONDS ?? 300) * 1000
  let pulling = false
  const puller = setInterval(() => {
    if (pulling) return
    pulling = true
    pullAll(deps)
      .then((reports) => reports.filter((r) => r.delivered > 0 || r.error).forEach((r) => log.info('pulled', { ...r })))
      .catch((e) => log.error('pull failed', { error: String(e) }))
      .finally(() => (pulling = false))
  }, pullMs)
  puller.unref()

  const close = () =>
    new Promise<void>((done) => {
      clearInterval(timer)
      clearInterval(puller)
      server.close(() => done())
    }).then(() => files.close())
  return { url, deps, files, close }
}

if (process.argv[1] && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href) {
  const { close } = await startNode()
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      // A close that fails leaves the journal in place: the next start replays it.
      close().then(
        () => process.exit(0),
        (e) => {
          consoleLogger.error('could not close the data folder cleanly', { error: String(e) })
          process.exit(1)
        },
      )
    })
  }
}
