/**
 * `npm start` as it runs: prestart bundles the Node entry (scripts/build-node.mjs), start runs
 * dist/node.mjs on plain node. The bundle serves with the bundled packages, and a second prestart
 * with nothing changed does not build again.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startServer, stopServer } from '../support/node-server.ts'

const ROOT = new URL('../../', import.meta.url).pathname
const ADMIN = 'kj_start-bundle-test-key-0123456789abcdef'
const dirs: string[] = []

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

const prestart = () => execFileSync(process.execPath, ['scripts/build-node.mjs'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

describe('npm start', () => {
  it('bundles the server once and serves from the bundle on plain node', async () => {
    prestart()
    expect(existsSync(join(ROOT, 'dist/node.mjs'))).toBe(true)
    const dataDir = await mkdtemp(join(tmpdir(), 'kinerja-start-'))
    dirs.push(dataDir)
    const server = await startServer(dataDir, ADMIN, {}, { args: ['dist/node.mjs'] })
    try {
      expect((await fetch(`${server.url}/health`)).status).toBe(200)
      const packages = (await (await fetch(`${server.url}/packages`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { packages: { id: string }[] }
      expect(packages.packages.map((p) => p.id)).toContain('plaju-kompetensi-360')
    } finally {
      await stopServer(server.child)
    }
    // Nothing changed since: the next start does not build again.
    const before = statSync(join(ROOT, 'dist/node.mjs')).mtimeMs
    prestart()
    expect(statSync(join(ROOT, 'dist/node.mjs')).mtimeMs).toBe(before)
  }, 60_000)
})
