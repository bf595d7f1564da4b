/**
 * The whole-cycle HTTP scenario both end-to-end tests run, against the Node server and against the
 * Worker under wrangler dev, so the two runtimes prove the same behaviour: an office and a cycle,
 * the fixtures' roster, every role's answers through the Kobo and Google Forms plugins (signed as
 * those builders sign them), a discussion, the results rating, a wrong actor refused, an objection
 * filed through the employee's signed link and decided by the superior, and the results. The last
 * employee is left in the 14-day objection window, for a test of the deadline that follows.
 */
import { readFile } from 'node:fs/promises'
import { expect } from 'vitest'
import { FIXTURES } from './deliveries.ts'
import { answerOf } from './http-answer.ts'
import { bindingInput, buildDelivery, type Assessment, type Role, type WebhookBuilder } from './payloads.ts'

export interface Target {
  /** Where the service listens, e.g. http://127.0.0.1:8787 */
  url: string
  /** An admin key the service accepts. */
  admin: string
}

export interface Call {
  (method: string, path: string, body?: unknown, opts?: { type?: string; key?: string | null }): Promise<{ status: number; data: any }>
}

export function caller(t: Target): Call {
  return async (method, path, body, opts = {}) => {
    const key = opts.key === undefined ? t.admin : opts.key
    const res = await fetch(t.url + path, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': opts.type ?? 'application/json' } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    return answerOf(res)
  }
}

interface Employee {
  nip: string
  name: string
  supervisor: string
  superior: string
  peers: string[]
}

export const ROSTER_CSV = `${FIXTURES}roster.csv`

async function roster(): Promise<Employee[]> {
  const [header, ...lines] = (await readFile(ROSTER_CSV, 'utf8')).trim().split('\n')
  const cols = header!.split(',')
  return lines.map((line) => {
    const row = Object.fromEntries(line.split(',').map((v, i) => [cols[i], v]))
    return { nip: row.nip!, name: row.name!, supervisor: row.supervisor!, superior: row.superior!, peers: row.peers!.split(';') }
  })
}

/** The first employee rates themself two levels above their supervisor: a discussion follows. */
const levels = (index: number, role: Role): number => (role === 'self' ? (index === 0 ? 5 : 4) : role === 'supervisor' ? (index === 0 ? 3 : 4) : 4)

export interface WholeCycleResult {
  cycle: string
  employees: Employee[]
  /** How many webhook deliveries were accepted. */
  delivered: number
  /** The appraisal whose objection the superior decided. */
  objected: string
  /** The appraisal left waiting in its objection window. */
  waiting: string
}

export async function wholeCycle(t: Target, builders: WebhookBuilder[] = ['kobo', 'google-forms']): Promise<WholeCycleResult> {
  const call = caller(t)
  const employees = await roster()
  const names = new Map(employees.map((e) => [e.nip, e.name]))
  const person = (nip: string) => ({ nip, name: names.get(nip) ?? `Pegawai ${nip.slice(-4)}` })

  expect((await call('POST', '/offices', { id: 'kecamatan-plaju', name: 'Kecamatan Plaju' })).status).toBe(201)
  const created = await call('POST', '/offices/kecamatan-plaju/cycles', { name: 'Kompetensi 2026', package: 'plaju-kompetensi-360', params: { periode: 'tahunan', tahun: 2026 } })
  expect(created.status, JSON.stringify(created.data)).toBe(201)
  const cycle = created.data.id as string
  const imported = await call('PUT', `/cycles/${cycle}/roster`, await readFile(ROSTER_CSV, 'utf8'), { type: 'text/csv' })
  expect(imported.status, JSON.stringify(imported.data)).toBe(200)
  expect(imported.data.imported).toBe(employees.length)
  const started = await call('POST', `/cycles/${cycle}/start`)
  expect(started.data.byStatus).toEqual({ active: employees.length })

  const hooks: Partial<Record<WebhookBuilder, string>> = {}
  for (const b of builders) {
    const res = await call('POST', `/cycles/${cycle}/bindings`, bindingInput(b))
    expect(res.status, JSON.stringify(res.data)).toBe(201)
    hooks[b] = res.data.id
  }

  // Every role's answers, the builders taking turns.
  let seq = 0
  for (const [index, e] of employees.entries()) {
    const raters: [Role, string][] = [['self', e.nip], ['supervisor', e.supervisor], ...e.peers.map((p): [Role, string] => ['peer', p])]
    for (const [role, rater] of raters) {
      const builder = builders[seq % builders.length]!
      const n = levels(index, role)
      const a: Assessment = { seq: seq++, subject: person(e.nip), rater: person(rater), role, scores: { integritas: n, kerjasama: n, komunikasi: n, pelayanan_publik: n } }
      const d = buildDelivery(builder, a, { hookUrl: `${t.url}/hooks/${hooks[builder]}`, now: new Date() })
      const res = await fetch(`${t.url}/hooks/${hooks[builder]}${d.query}`, { method: 'POST', headers: d.headers, body: d.body })
      const text = await res.text()
      expect(res.status, `${builder} ${role} answer of ${rater} about ${e.nip}: ${text}`).toBe(200)
      expect(JSON.parse(text).status).toBe('accepted')
    }
  }
  const instanceOf = (nip: string) => `${cycle}.${nip}`

  // The discussion (self two levels above the supervisor), then the results rating.
  for (const [index, e] of employees.entries()) {
    const id = instanceOf(e.nip)
    let view = (await call('GET', `/instances/${id}`)).data
    expect(view.state, e.nip).toBe(index === 0 ? 'discussion' : 'rating')
    if (view.state === 'discussion') {
      const wrong = await call('POST', `/instances/${id}/actions/confirm`, { actor: e.nip })
      expect(wrong.status).toBe(403)
      expect(wrong.data.code).toBe('action-forbidden')
      view = (await call('POST', `/instances/${id}/actions/confirm`, { actor: e.supervisor })).data
    }
    const rated = await call('POST', `/instances/${id}/actions/set`, { actor: e.supervisor, input: { ratingHasilKerja: 'sesuai' } })
    expect(rated.status, JSON.stringify(rated.data)).toBe(200)
    expect(rated.data.state).toBe('objection')
  }

  // The first employee objects through their own signed link; the superior decides, finally.
  const first = employees[0]!
  const objected = instanceOf(first.nip)
  const link = await call('POST', `/instances/${objected}/links`, { nip: first.nip })
  expect(link.status, JSON.stringify(link.data)).toBe(201)
  const path = new URL(link.data.url, t.url).pathname
  const offered = await call('GET', path, undefined, { key: null })
  expect(offered.data.actions.map((a: any) => a.name)).toEqual(['accept', 'object'])
  const objection = await call('POST', `${path}/object`, { input: { reason: 'Penilaian kerjasama tidak mempertimbangkan tugas lapangan saya.' } }, { key: null })
  expect(objection.status, JSON.stringify(objection.data)).toBe(200)
  expect(objection.data.state).toBe('decision')
  const decided = await call('POST', `/instances/${objected}/actions/revise`, { actor: first.superior, input: { predikat: 'Baik', note: 'Tugas lapangan diperhitungkan.' } })
  expect(decided.status, JSON.stringify(decided.data)).toBe(200)
  expect(decided.data).toMatchObject({ status: 'done', vars: { predikat: 'Baik' } })

  // Everyone else accepts, but the last, whose window is left open.
  const waiting = instanceOf(employees.at(-1)!.nip)
  for (const e of employees.slice(1, -1)) {
    const accepted = await call('POST', `/instances/${instanceOf(e.nip)}/actions/accept`, { actor: e.nip })
    expect(accepted.data).toMatchObject({ state: 'done', status: 'done' })
  }

  const instances = (await call('GET', `/cycles/${cycle}/instances`)).data.instances as any[]
  expect(instances.filter((i) => i.status === 'done')).toHaveLength(employees.length - 1)
  expect(instances.find((i) => i.id === waiting)).toMatchObject({ state: 'objection', status: 'active' })
  for (const i of instances) {
    const view = (await call('GET', `/instances/${i.id}`)).data
    expect(view.explanation.scores.length, i.id).toBeGreaterThan(0)
    expect(view.vars.predikat, i.id).toEqual(expect.any(String))
    expect(view.responses.peer).toMatchObject({ anonymous: true, shown: true })
    // No peer is ever named, in the appraisal or its trail.
    const events = JSON.stringify((await call('GET', `/instances/${i.id}/events`)).data.events)
    for (const p of employees.find((e) => e.nip === i.nip)!.peers) {
      expect(JSON.stringify(view.responses)).not.toContain(p)
      expect(events).not.toContain(p)
    }
  }
  const trail = (await call('GET', `/instances/${objected}/events`)).data.events as any[]
  expect(trail.find((e) => e.type === 'action' && e.data.action === 'object')?.data.via).toBe('link')
  expect(trail.some((e) => e.type === 'action-refused')).toBe(true)
  const receipts = (await call('GET', `/cycles/${cycle}/receipts`)).data.receipts as any[]
  expect(receipts.filter((r) => r.status === 'accepted')).toHaveLength(seq)
  return { cycle, employees, delivered: seq, objected, waiting }
}
