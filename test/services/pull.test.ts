/**
 * The ODK Central pull connector against a stand-in Central (a Hono app answering the OData
 * pages of test/fixtures/odk-central/ over fetch): pulled submissions go through the same intake as
 * webhooks, the cursor is stored, a restart neither skips nor duplicates, and an edit replaces.
 */
import { readFile } from 'node:fs/promises'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { pullAll } from '../../src/services/pull.ts'
import webhookFixtures from '../cases/webhook-fixtures.json' with { type: 'json' }
import { FIXTURES } from '../support/deliveries.ts'
import { harness } from '../support/harness.ts'

const PAGES = new URL('../fixtures/odk-central/', import.meta.url).pathname
const LOGIN = 'kinerja-bot@plaju.go.id:rahasia-panjang-123'
const page = (name: string) => readFile(`${PAGES}${name}`, 'utf8')

function fakeCentral() {
  const state = { round: 1, down: false, requests: [] as string[] }
  const app = new Hono()
  app.get('/v1/projects/3/forms/penilaian_perilaku_2026.svc/Submissions', async (c) => {
    state.requests.push(c.req.url)
    if (c.req.header('authorization') !== `Basic ${btoa(LOGIN)}`) return c.text('unauthorized', 401)
    if (state.down) return c.text('bad gateway', 502)
    const body = state.round === 1 ? await page(c.req.query('$skiptoken') ? 'poll-1-page-2.json' : 'poll-1-page-1.json') : await page('poll-2.json')
    return c.body(body, 200, { 'content-type': 'application/json' })
  })
  return { state, fetch: (url: string, init: { headers: Record<string, string> }) => Promise.resolve(app.request(url, init)) }
}

async function setup() {
  const h = await harness({ start: '2026-03-05T06:00:00.000Z', secrets: { KINERJA_ODK: LOGIN } })
  const central = fakeCentral()
  h.deps.fetch = central.fetch
  const cycle = await h.runningCycle('kecamatan-plaju', `${FIXTURES}roster.csv`)
  const odk = webhookFixtures.fixtures.find((f) => f.builder === 'odk-central')!
  const created = await h.request('POST', `/cycles/${cycle}/bindings`, {
    json: { plugin: 'odk-central', form: 'ringkas', secretEnv: 'KINERJA_ODK', mapping: odk.mapping, pull: { base: 'https://odk.plaju.example.go.id', projectId: 3, formId: 'penilaian_perilaku_2026', top: 2 } },
  })
  expect(created.status, JSON.stringify(created.data)).toBe(201)
  return { h, central, cycle, binding: created.data.id as string, instance: `${cycle}.198503122010011001` }
}

describe('pulling ODK Central', () => {
  it('feeds every page through the intake and remembers where it stopped', async () => {
    const { h, central, cycle, binding, instance } = await setup()
    const [report] = await pullAll(h.deps)
    expect(report).toMatchObject({ binding, delivered: 3, accepted: 3, rejected: 0 })
    expect(central.state.requests).toHaveLength(2)
    const view = (await h.request('GET', `/instances/${instance}`)).data
    expect(view.responses.self.count).toBe(1)
    expect(view.responses.supervisor.count).toBe(1)
    expect(view.responses.peer.count).toBe(1)
    const listed = (await h.request('GET', `/cycles/${cycle}/bindings`)).data.bindings[0]
    expect(listed.cursor).toMatch(/^2026-03-04T02:15:09\.877Z/)
    // The first pass takes everything; the next ones ask only for what changed since the cursor.
    expect(central.state.requests[0]).not.toContain('$filter')
  })

  it('picks up an edit on the next pass and replaces the earlier answer, without repeating the rest', async () => {
    const { h, central, cycle, instance } = await setup()
    await pullAll(h.deps)
    central.state.round = 2
    const [second] = await pullAll(h.deps)
    expect(second).toMatchObject({ delivered: 1, accepted: 1 })
    expect(central.state.requests.at(-1)).toContain('__system%2FupdatedAt%20gt%202026-03-04T02%3A15%3A09.877Z')
    const view = (await h.request('GET', `/instances/${instance}`)).data
    expect(view.responses.peer.count).toBe(1)
    const events = (await h.request('GET', `/instances/${instance}/events`)).data.events
    expect(events.filter((e: any) => e.type === 'submission-accepted' && e.data.replaced === true)).toHaveLength(1)
    expect((await h.request('GET', `/cycles/${cycle}/receipts`)).data.receipts).toHaveLength(4)
  })

  it('keeps the cursor when Central fails, and the next pass delivers everything once', async () => {
    const { h, central, cycle, instance } = await setup()
    central.state.down = true
    const [failed] = await pullAll(h.deps)
    expect(failed!.error).toContain('502')
    expect((await h.request('GET', `/cycles/${cycle}/bindings`)).data.bindings[0].cursor).toBeNull()
    central.state.down = false
    const [ok] = await pullAll(h.deps)
    expect(ok).toMatchObject({ delivered: 3, accepted: 3 })
    expect((await h.request('GET', `/instances/${instance}`)).data.responses.self.count).toBe(1)
  })

  it('refuses a pull binding without a login variable or with a plain-http server', async () => {
    const { h, cycle } = await setup()
    const noLogin = await h.request('POST', `/cycles/${cycle}/bindings`, { json: { plugin: 'odk-central', form: 'ringkas', pull: { base: 'https://odk.example.go.id', projectId: 3, formId: 'f' } } })
    expect(noLogin.status).toBe(422)
    expect(noLogin.data.errors[0].path).toBe('/secretEnv')
    const http = await h.request('POST', `/cycles/${cycle}/bindings`, { json: { plugin: 'odk-central', form: 'ringkas', secretEnv: 'KINERJA_ODK', pull: { base: 'http://odk.example.go.id', projectId: 3, formId: 'f' } } })
    expect(http.status).toBe(422)
    expect(http.data.errors[0].path).toBe('/pull/base')
  })
})
