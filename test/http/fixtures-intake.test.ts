/**
 * Every builder's shared fixture, sent as the builder sends it, lands in a running cycle of the
 * Plaju package through the package's binding template for that builder, which maps its fields onto
 * the short form `ringkas` (test/fixtures/webhooks/README.md explains the mappings).
 */
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import webhookFixtures from '../cases/webhook-fixtures.json' with { type: 'json' }
import { BUILDERS, FIXTURES, FORMBRICKS_TIMESTAMP } from '../support/deliveries.ts'
import { harness } from '../support/harness.ts'

const ROSTER = `${FIXTURES}roster.csv`

type Fixture = (typeof webhookFixtures.fixtures)[number] & { roleValues?: Record<string, string> }

async function deliverFixture(f: Fixture) {
  const builder = BUILDERS[f.builder]!
  const h = await harness({ start: new Date(FORMBRICKS_TIMESTAMP * 1000 + 30_000).toISOString(), secrets: { KINERJA_HOOK: builder.secret } })
  const cycle = await h.runningCycle('kecamatan-plaju', ROSTER)
  // The package's own binding template for the builder: HR only adds the secret's variable name.
  const created = await h.request('POST', `/cycles/${cycle}/bindings`, { json: { template: `${f.builder}-ringkas`, secretEnv: 'KINERJA_HOOK' } })
  expect(created.status, JSON.stringify(created.data)).toBe(201)
  const body = await readFile(`${FIXTURES}${f.file}`, 'utf8')
  const res = await h.request('POST', `/hooks/${created.data.id}${builder.query ?? ''}`, { key: null, body, headers: await builder.headers(body) })
  return { h, cycle, res, binding: created.data.id as string }
}

const webhookFixtureList = (webhookFixtures.fixtures as Fixture[]).filter((f) => f.builder !== 'odk-central' && !('missing' in f))

describe('the shared fixtures, end to end into a Plaju cycle', () => {
  for (const f of webhookFixtureList) {
    it(`accepts ${f.file} (${f.builder}) as the ${f.expect.role} assessment of ${f.expect.subject}`, async () => {
      const { h, cycle, res } = await deliverFixture(f)
      expect(res.status, JSON.stringify(res.data)).toBe(200)
      expect(res.data.status).toBe('accepted')
      expect(res.data.instance).toBe(`${cycle}.${f.expect.subject}`)
      const view = (await h.request('GET', `/instances/${res.data.instance}`)).data
      expect(view.responses[f.expect.role].count).toBe(1)
      if (f.expect.role !== 'peer') expect(view.responses[f.expect.role].answers[0]).toMatchObject({ rater: f.expect.rater, form: 'ringkas' })
      // A byte-identical retry is answered 2xx and counted once.
      const body = await readFile(`${FIXTURES}${f.file}`, 'utf8')
      const builder = BUILDERS[f.builder]!
      const bindingId = (await h.request('GET', `/cycles/${cycle}/bindings`)).data.bindings[0].id
      const again = await h.request('POST', `/hooks/${bindingId}${builder.query ?? ''}`, { key: null, body, headers: await builder.headers(body) })
      expect(again.data.status).toBe('duplicate')
      expect((await h.request('GET', `/instances/${res.data.instance}`)).data.responses[f.expect.role].count).toBe(1)
    })
  }

  it('keeps the Formbricks fixture, which names no rater, as a rejected receipt that says what is missing', async () => {
    const f = (webhookFixtures.fixtures as Fixture[]).find((x) => x.builder === 'formbricks')!
    const { h, cycle, res } = await deliverFixture(f)
    expect(res.status).toBe(422)
    expect(JSON.stringify(res.data.errors)).toContain('rater')
    const kept = (await h.request('GET', `/cycles/${cycle}/receipts?status=rejected`)).data.receipts
    expect(kept).toHaveLength(1)
  })

  it('never shows the Jotform URL token in a receipt, even to an admin', async () => {
    const f = (webhookFixtures.fixtures as Fixture[]).find((x) => x.builder === 'jotform')!
    const { h, cycle } = await deliverFixture(f)
    const listed = JSON.stringify((await h.request('GET', `/cycles/${cycle}/receipts`)).data)
    expect(listed).toContain('rawRequest')
    expect(listed).not.toContain('jf_test_8c1d4e')
  })

  it('replaces a Kobo answer when Kobo re-sends it edited (same _id, new _uuid), and records the edit', async () => {
    const f = (webhookFixtures.fixtures as Fixture[]).find((x) => x.file === 'kobo-1.json')!
    const { h, cycle, res, binding } = await deliverFixture(f)
    expect(res.data.status).toBe('accepted')
    const edit = await readFile(`${FIXTURES}hostile/kobo-edit.json`, 'utf8')
    const again = await h.request('POST', `/hooks/${binding}`, { key: null, body: edit, headers: await BUILDERS.kobo!.headers(edit) })
    expect(again.status, JSON.stringify(again.data)).toBe(200)
    expect(again.data.status).toBe('accepted')
    expect(again.data.receipt).not.toBe(res.data.receipt)
    const view = (await h.request('GET', `/instances/${res.data.instance}`)).data
    expect(view.responses.self.count).toBe(1)
    const sent = JSON.parse(edit)
    expect(view.responses.self.answers[0].answers.integritas).toBe(Number(sent['penilaian/integritas']))
    const events = (await h.request('GET', `/instances/${res.data.instance}/events`)).data.events
    expect(events.filter((e: any) => e.type === 'submission-accepted').map((e: any) => e.data.replaced)).toEqual([false, true])
    expect((await h.request('GET', `/cycles/${cycle}/receipts?status=accepted`)).data.receipts).toHaveLength(2)
  })

  it('keeps a Typeform partial response without scoring it', async () => {
    const f = (webhookFixtures.fixtures as Fixture[]).find((x) => x.file === 'typeform-2.json')!
    const { h, cycle, binding } = await deliverFixture(f)
    const partial = await readFile(`${FIXTURES}hostile/typeform-partial.json`, 'utf8')
    const res = await h.request('POST', `/hooks/${binding}`, { key: null, body: partial, headers: await BUILDERS.typeform!.headers(partial) })
    expect(res.status).toBe(200)
    expect(res.data.status).toBe('partial')
    const kept = (await h.request('GET', `/cycles/${cycle}/receipts?status=partial`)).data.receipts
    expect(kept).toHaveLength(1)
    expect(kept[0].reasons[0]).toContain('not scored')
    // Only the complete supervisor answer of typeform-2 counts.
    const view = (await h.request('GET', `/instances/${cycle}.198503122010011001`)).data
    expect(view.responses.supervisor.count).toBe(1)
  })

  it('names the templates a package has when asked for one it has not', async () => {
    const h = await harness()
    const cycle = await h.runningCycle()
    const res = await h.request('POST', `/cycles/${cycle}/bindings`, { json: { template: 'kobo-panjang', secretEnv: 'X' } })
    expect(res.status).toBe(422)
    expect(res.data.errors[0]).toMatchObject({ path: '/template' })
    expect(res.data.errors[0].message).toContain('kobo-ringkas')
    const bare = await h.request('POST', `/cycles/${cycle}/bindings`, { json: { secretEnv: 'X' } })
    expect(bare.status).toBe(422)
    expect(bare.data.errors.map((e: any) => e.path)).toEqual(['/plugin', '/form'])
  })
})
