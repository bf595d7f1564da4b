/**
 * End to end: the real Node server (npm start's entry) on a free port with lowdb files in a temp
 * folder runs the whole-cycle scenario over HTTP (the same one the Worker runs under wrangler dev),
 * is restarted, and still has everything.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { hookSecretsEnv } from '../support/payloads.ts'
import { startServer, stopServer } from '../support/node-server.ts'
import { caller, wholeCycle } from '../support/whole-cycle.ts'

const ADMIN = 'kj_e2e-admin-key-0123456789abcdef'

describe('the Node server with lowdb on disk', () => {
  let dataDir = ''
  let child: ChildProcess | undefined
  afterAll(async () => {
    if (child) await stopServer(child)
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  it('runs a whole cycle over HTTP and keeps everything across a restart', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kinerja-e2e-'))
    const env = hookSecretsEnv()
    let server = await startServer(dataDir, ADMIN, env)
    child = server.child
    const run = await wholeCycle({ url: server.url, admin: ADMIN })

    let call = caller({ url: server.url, admin: ADMIN })
    const before = {
      status: (await call('GET', `/cycles/${run.cycle}`)).data,
      instance: (await call('GET', `/instances/${run.objected}`)).data,
      events: (await call('GET', `/instances/${run.objected}/events`)).data.events,
      receipts: (await call('GET', `/cycles/${run.cycle}/receipts`)).data.receipts,
    }
    expect(before.receipts).toHaveLength(run.delivered)

    await stopServer(server.child)
    // A clean stop writes out what the journal held: the instances one file each, the receipts in
    // their cycle's packs; no journal is left to replay.
    const files = (await readdir(dataDir, { recursive: true })).map(String)
    expect(files.filter((f) => /^\.journal\/.*\.log$/.test(f))).toEqual([])
    expect(files.filter((f) => /\/instances\/[^/]+\.json$/.test(f)).length).toBeGreaterThanOrEqual(2)
    expect(files.filter((f) => /\/receipts\/\.pack-\d+\.log$/.test(f))).toEqual([`cycles/${run.cycle}/receipts/.pack-000001.log`])
    server = await startServer(dataDir, ADMIN, env)
    child = server.child
    call = caller({ url: server.url, admin: ADMIN })
    expect((await call('GET', `/cycles/${run.cycle}`)).data).toEqual(before.status)
    expect((await call('GET', `/instances/${run.objected}`)).data).toEqual(before.instance)
    expect((await call('GET', `/instances/${run.objected}/events`)).data.events).toEqual(before.events)
    expect((await call('GET', `/cycles/${run.cycle}/receipts`)).data.receipts).toEqual(before.receipts)
    expect((await call('GET', `/instances/${run.waiting}`)).data).toMatchObject({ state: 'objection', status: 'active' })
  }, 60_000)
})
