import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main, type Io } from '../../src/entry/cli.ts'
import { loadPackage } from '../../src/package/load-package.ts'
import { readPackageDir } from '../../src/entry/package-files.ts'
import { createLowdbStore } from '../../src/store/lowdb-store.ts'
import { nodeDocumentFiles } from '../../src/entry/node-document-files.ts'
import { PLAJU_DIR } from '../support/harness.ts'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'kinerja-cli-'))
  await cp(PLAJU_DIR, join(root, 'workflows/plaju-kompetensi-360'), { recursive: true })
})
afterEach(async () => rm(root, { recursive: true, force: true }))

async function run(...argv: string[]) {
  let out = ''
  let err = ''
  const io: Io = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), cwd: root }
  const code = await main(argv, io)
  return { code, out, err }
}

const S = 'workflows/plaju-kompetensi-360'

describe('kinerja simulate', () => {
  it('runs the Plaju sample through the whole appraisal and prints each explained result', async () => {
    const r = await run('simulate', S, '--roster', `${S}/sample/roster.csv`, '--submissions', `${S}/sample/submissions`, '--actions', `${S}/sample/actions.json`)
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^Simulation of plaju-kompetensi-360@\d+\.\d+\.\d+ /)
    const roster = (await readFile(join(root, S, 'sample/roster.csv'), 'utf8')).trim().split('\n').slice(1)
    expect(r.out.match(/: done, state done, outcome final/g)).toHaveLength(roster.length)
    expect(r.out).toContain('predikat: "Baik"')
    expect(r.out).toContain("action 'revise'")
    expect(r.out).not.toContain('FAIL')
  })

  it('prints the full result as JSON on request, without peer identities', async () => {
    const r = await run('simulate', S, '--roster', `${S}/sample/roster.json`, '--submissions', `${S}/sample/submissions`, '--json')
    const result = JSON.parse(r.out)
    expect(result.results.length).toBeGreaterThanOrEqual(5)
    const first = result.results[0]
    expect(first.responses.peer).toMatchObject({ anonymous: true })
    const peerEvents = first.trace.filter((e: any) => e.type === 'submission-accepted' && e.data.role === 'peer')
    expect(peerEvents.length).toBeGreaterThanOrEqual(3)
    for (const e of peerEvents) expect(e.data.rater).toBeUndefined()
  })

  it('stores nothing: the folder holds no data afterwards', async () => {
    await run('simulate', S, '--roster', `${S}/sample/roster.csv`, '--submissions', `${S}/sample/submissions`)
    const { readdir } = await import('node:fs/promises')
    expect((await readdir(root)).sort()).toEqual(['workflows'])
  })

  it('reports a refused submission as a failed step and exits 1', async () => {
    const subs = join(root, 'subs')
    await cp(join(root, S, 'sample/submissions'), subs, { recursive: true })
    const { readdir } = await import('node:fs/promises')
    const first = (await readdir(subs)).sort()[0]!
    const s = JSON.parse(await readFile(join(subs, first), 'utf8'))
    await writeFile(join(subs, 'zz-stranger.json'), JSON.stringify({ ...s, subject: '199912312020121001' }))
    const r = await run('simulate', S, '--roster', `${S}/sample/roster.csv`, '--submissions', 'subs')
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/FAIL submission \d+ .*199912312020121001/)
  })

  it('exits 1 when an appraisal fails in a formula, and says where', async () => {
    const wf = join(root, S, 'workflow.json')
    const workflow = JSON.parse(await readFile(wf, 'utf8'))
    workflow.states.final.assign.trainingJp = "$error('rumus rusak')"
    await writeFile(wf, JSON.stringify(workflow, null, 2))
    const r = await run('simulate', S, '--roster', `${S}/sample/roster.csv`, '--submissions', `${S}/sample/submissions`)
    expect(r.code).toBe(1)
    expect(r.out).toContain(': failed, state final')
    expect(r.out).toContain('rumus rusak')
  })

  it('explains bad arguments with the usage and exit code 2', async () => {
    const r = await run('simulate', S)
    expect(r.code).toBe(2)
    expect(r.err).toContain('usage: kinerja simulate')
  })
})

describe('kinerja validate with a data folder', () => {
  it('refuses a package whose content changed after a server ran it, until its version is bumped', async () => {
    const dir = join(root, S)
    const pkg = (await loadPackage(await readPackageDir(dir))).package!
    const store = await createLowdbStore(nodeDocumentFiles(join(root, 'data')))
    await store.putPackageVersion({ id: pkg.id, version: pkg.version, hash: pkg.hash, files: pkg.files, storedAt: '2026-01-01T00:00:00Z' })
    expect((await run('validate')).code).toBe(0)

    const wf = join(dir, 'workflow.json')
    const text = await readFile(wf, 'utf8')
    await writeFile(wf, text.replace('"supervisor": 50', '"supervisor": 55'))
    const changed = await run('validate')
    expect(changed.code).toBe(1)
    expect(changed.out).toMatch(new RegExp(`version ${pkg.version.replaceAll('.', '\\.')} was not bumped`))
    expect((await run('validate', '--data', 'elsewhere')).code).toBe(0)

    await writeFile(wf, text.replace('"supervisor": 50', '"supervisor": 55').replace(`"version": "${pkg.version}"`, '"version": "9.0.0"'))
    expect((await run('validate')).code).toBe(0)
  })
})
