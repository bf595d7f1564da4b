/**
 * End to end: the real Node server (npm start's entry) on a free port with lowdb files in a temp
 * folder runs a whole cycle over HTTP, is restarted, and still has everything.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { hmacSha256Hex } from '../../src/util/crypto.ts'
import { SAMPLE, sampleSubmissions } from '../support/harness.ts'
import { startServer, stopServer } from '../support/node-server.ts'

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
    let server = await startServer(dataDir, ADMIN)
    child = server.child
    const call = async (method: string, path: string, body?: unknown, type = 'application/json') => {
      const res = await fetch(server.url + path, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, ...(body !== undefined ? { 'content-type': type } : {}) },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      })
      const data: any = await res.json()
      return { status: res.status, data }
    }

    expect((await call('POST', '/offices', { id: 'kecamatan-plaju', name: 'Kecamatan Plaju' })).status).toBe(201)
    const cycle = (await call('POST', '/offices/kecamatan-plaju/cycles', { name: 'Kompetensi 2026', package: 'plaju-kompetensi-360' })).data
    const csv = await readFile(`${SAMPLE}roster.csv`, 'utf8')
    const imported = await call('PUT', `/cycles/${cycle.id}/roster`, csv, 'text/csv')
    expect(imported.status).toBe(200)
    expect(imported.data.imported).toBeGreaterThanOrEqual(5)
    const started = await call('POST', `/cycles/${cycle.id}/start`)
    expect(started.data.byStatus.active).toBe(imported.data.imported)

    // One binding per form; every sample submission arrives through the signed JSON hook.
    const bindings: Record<string, { id: string; secret: string }> = {}
    for (const form of ['self', 'supervisor', 'peer']) {
      const b = (await call('POST', `/cycles/${cycle.id}/bindings`, { plugin: 'json', form })).data
      bindings[form] = { id: b.id, secret: b.secret }
    }
    const subs = await sampleSubmissions()
    for (const [i, s] of subs.entries()) {
      const body = JSON.stringify({ id: `sub-${i}`, subject: s.subject, rater: s.rater, answers: s.answers })
      const b = bindings[s.form]!
      const res = await fetch(`${server.url}/hooks/${b.id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-kinerja-signature': `sha256=${await hmacSha256Hex(b.secret, body)}` },
        body,
      })
      expect(res.status, await res.clone().text()).toBe(200)
    }

    const roster = (await call('GET', `/cycles/${cycle.id}/roster`)).data.roster as any[]
    const instances = async () => (await call('GET', `/cycles/${cycle.id}/instances`)).data.instances as any[]
    const appraised = (await instances()).filter((i) => i.state !== 'collect')
    expect(appraised.length).toBeGreaterThanOrEqual(5)

    // Discussions: supervisors confirm or adjust; then one employee objects and the rest accept.
    let discussed = 0
    for (const i of await instances()) {
      if (i.state !== 'discussion') continue
      const e = roster.find((r) => r.nip === i.nip)
      const wrongActor = await call('POST', `/instances/${i.id}/actions/confirm`, { actor: e.nip })
      expect(wrongActor.status).toBe(403)
      const res = await call('POST', `/instances/${i.id}/actions/confirm`, { actor: e.supervisor })
      expect(res.status, JSON.stringify(res.data)).toBe(200)
      discussed++
    }
    expect(discussed).toBeGreaterThanOrEqual(1)

    let objector: any
    for (const i of await instances()) {
      if (i.state !== 'objection') continue
      const e = roster.find((r) => r.nip === i.nip)
      if (!objector) {
        objector = { ...i, employee: e }
        const res = await call('POST', `/instances/${i.id}/actions/object`, { actor: e.nip, input: { reason: 'Penilaian kerjasama tidak mempertimbangkan tugas lapangan saya.' } })
        expect(res.status, JSON.stringify(res.data)).toBe(200)
        expect(res.data.state).toBe('decision')
      } else {
        expect((await call('POST', `/instances/${i.id}/actions/accept`, { actor: e.nip })).status).toBe(200)
      }
    }
    expect(objector).toBeDefined()
    const decided = await call('POST', `/instances/${objector.id}/actions/revise`, { actor: objector.employee.superior, input: { predikat: 'Baik', note: 'Tugas lapangan diperhitungkan.' } })
    expect(decided.status, JSON.stringify(decided.data)).toBe(200)
    expect(decided.data.status).toBe('done')
    expect(decided.data.vars.predikat).toBe('Baik')

    const done = (await instances()).filter((i) => i.status === 'done')
    expect(done.length).toBeGreaterThanOrEqual(5)
    const one = (await call('GET', `/instances/${done[0].id}`)).data
    expect(one.explanation.scores.length).toBeGreaterThan(0)
    expect(one.explanation.formulas.length).toBeGreaterThan(0)
    expect(one.vars.training.length).toBeGreaterThan(0)
    expect(JSON.stringify(one.responses.peer)).not.toMatch(/[0-9]{18}/)
    const before = {
      status: (await call('GET', `/cycles/${cycle.id}`)).data,
      instance: one,
      events: (await call('GET', `/instances/${done[0].id}/events`)).data.events,
      receipts: (await call('GET', `/cycles/${cycle.id}/receipts`)).data.receipts,
    }
    expect(before.receipts).toHaveLength(subs.length)

    // The data lives in many small files, not one.
    const files = await readdir(dataDir, { recursive: true })
    expect(files.filter((f) => String(f).endsWith('.json')).length).toBeGreaterThan(subs.length)

    await stopServer(server.child)
    server = await startServer(dataDir, ADMIN)
    child = server.child
    expect((await call('GET', `/cycles/${cycle.id}`)).data).toEqual(before.status)
    expect((await call('GET', `/instances/${done[0].id}`)).data).toEqual(before.instance)
    expect((await call('GET', `/instances/${done[0].id}/events`)).data.events).toEqual(before.events)
    expect((await call('GET', `/cycles/${cycle.id}/receipts`)).data.receipts).toEqual(before.receipts)
    expect((await call('GET', `/instances/${objector.id}`)).data.vars.predikat).toBe('Baik')
  })
})
