/**
 * `npm start` as it runs: prestart bundles the Node entry (scripts/build-node.mjs), start runs
 * dist/node.mjs on plain node. The bundle serves with the bundled packages, and a second prestart
 * with nothing changed does not build again.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

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
    const child = spawn(process.execPath, ['dist/node.mjs'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', KINERJA_DATA_DIR: dataDir, KINERJA_ADMIN_KEY: ADMIN, KINERJA_TICK_SECONDS: '3600', KINERJA_PULL_SECONDS: '3600' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout!.on('data', (d) => {
          out += d
          const m = out.match(/listening on (http:\/\/\S+)/)
          if (m) resolve(m[1]!)
        })
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)))
      })
      expect((await fetch(`${url}/health`)).status).toBe(200)
      const packages = (await (await fetch(`${url}/packages`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { packages: { id: string }[] }
      expect(packages.packages.map((p) => p.id)).toContain('plaju-kompetensi-360')
    } finally {
      const exited = new Promise((r) => child.once('exit', r))
      process.kill(-child.pid!, 'SIGTERM')
      await exited
    }
    // Nothing changed since: the next start does not build again.
    const before = statSync(join(ROOT, 'dist/node.mjs')).mtimeMs
    prestart()
    expect(statSync(join(ROOT, 'dist/node.mjs')).mtimeMs).toBe(before)
  }, 60_000)
})
