/**
 * Builds the real app on a memory store with a fixed clock and the real Plaju package, plus small
 * helpers for requests with a key and for signed webhook deliveries.
 */
import { readFile } from 'node:fs/promises'
import { createApp } from '../../src/app.ts'
import { loadPackage } from '../../src/package/load-package.ts'
import { createPackageRegistry } from '../../src/services/package-registry.ts'
import { createKey } from '../../src/services/keys.ts'
import { fixedClock, silentLogger, type Deps } from '../../src/services/deps.ts'
import { createMemoryStore } from '../../src/store/memory-store.ts'
import type { Store } from '../../src/store/store.ts'
import { createPluginRegistry } from '../../plugins/registry.ts'
import { sourcePlugins } from '../../plugins/index.ts'
import { readPackageDir } from '../../src/entry/package-files.ts'
import { hmacSha256Hex } from '../../src/util/crypto.ts'
import type { LinkConfig } from '../../src/services/action-links.ts'

export const PLAJU_DIR = new URL('../../workflows/plaju-kompetensi-360/', import.meta.url).pathname
export const SAMPLE = `${PLAJU_DIR}sample/`

export async function plajuPackage() {
  const { package: pkg, problems } = await loadPackage(await readPackageDir(PLAJU_DIR))
  if (!pkg) throw new Error(`the Plaju package does not load: ${JSON.stringify(problems, null, 2)}`)
  return pkg
}

export async function harness(opts: { store?: Store; start?: string; secrets?: Record<string, string>; maxBodyBytes?: number; maxAdminBodyBytes?: number; corsOrigins?: string[]; links?: LinkConfig } = {}) {
  const store = opts.store ?? createMemoryStore()
  const clock = fixedClock(opts.start ?? '2026-01-05T08:00:00.000Z')
  const pkg = await plajuPackage()
  const deps: Deps = {
    store,
    clock,
    packages: createPackageRegistry(store, loadPackage, [pkg]),
    plugins: createPluginRegistry(sourcePlugins),
    logger: silentLogger,
    secrets: (name) => opts.secrets?.[name],
    maxBodyBytes: opts.maxBodyBytes,
    maxAdminBodyBytes: opts.maxAdminBodyBytes,
    corsOrigins: opts.corsOrigins,
    links: opts.links ?? { secret: 'test-link-secret', baseUrl: 'https://kinerja.test' },
  }
  const app = createApp(deps)
  const admin = (await createKey(deps, { role: 'admin', office: null })).key

  const request = async (method: string, path: string, opts2: { key?: string | null; json?: unknown; body?: string; type?: string; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...(opts2.headers ?? {}) }
    const key = opts2.key === undefined ? admin : opts2.key
    if (key) headers.authorization = `Bearer ${key}`
    let body: string | undefined = opts2.body
    if (opts2.json !== undefined) {
      body = JSON.stringify(opts2.json)
      headers['content-type'] = 'application/json'
    }
    if (opts2.type) headers['content-type'] = opts2.type
    const res = await app.request(path, { method, headers, body })
    const text = await res.text()
    let data: any
    try {
      data = JSON.parse(text)
    } catch {
      data = text
    }
    return { status: res.status, type: res.headers.get('content-type') ?? '', data }
  }

  /** POSTs a body to a hook, signed with the binding's secret (HMAC-SHA256 of the exact bytes). */
  const deliver = async (binding: string, secret: string, body: string, headers: Record<string, string> = {}) => {
    const signature = `sha256=${await hmacSha256Hex(secret, body)}`
    return request('POST', `/hooks/${binding}`, { key: null, body, type: 'application/json', headers: { 'x-kinerja-signature': signature, ...headers } })
  }

  /** Creates an office (unless it exists) and a draft cycle on the Plaju package with a roster (default: the sample). */
  const draftCycle = async (office = 'kecamatan-plaju', rosterCsv = `${SAMPLE}roster.csv`, opts: { name?: string; params?: Record<string, unknown> } = {}) => {
    await request('POST', '/offices', { json: { id: office, name: `Office ${office}` } })
    const cycle = (await request('POST', `/offices/${office}/cycles`, { json: { name: opts.name ?? '2026', package: pkg.id, ...(opts.params ? { params: opts.params } : {}) } })).data
    if (!cycle?.id) throw new Error(`the cycle was not created: ${JSON.stringify(cycle)}`)
    const csv = await readFile(rosterCsv, 'utf8')
    const roster = await request('PUT', `/cycles/${cycle.id}/roster`, { body: csv, type: 'text/csv' })
    if (roster.status !== 200) throw new Error(`roster import failed: ${JSON.stringify(roster.data)}`)
    return cycle.id as string
  }

  /** The same, started. */
  const runningCycle = async (office = 'kecamatan-plaju', rosterCsv = `${SAMPLE}roster.csv`, opts: { name?: string; params?: Record<string, unknown> } = {}) => {
    const cycle = await draftCycle(office, rosterCsv, opts)
    const started = await request('POST', `/cycles/${cycle}/start`)
    if (started.status !== 200) throw new Error(`start failed: ${JSON.stringify(started.data)}`)
    return cycle
  }

  return { app, deps, store, clock, pkg, admin, request, deliver, draftCycle, runningCycle }
}

export async function sampleSubmissions(): Promise<any[]> {
  const { readdir } = await import('node:fs/promises')
  const dir = `${SAMPLE}submissions/`
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort()
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(dir + n, 'utf8'))))
}
