import { describe, expect, it } from 'vitest'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { nodeDocumentFiles } from '../../src/entry/node-document-files.ts'
import { createLowdbStore } from '../../src/store/lowdb-store.ts'
import type { Store } from '../../src/store/store.ts'
import { hmacSha256Hex } from '../../src/util/crypto.ts'
import { harness, sampleSubmissions } from '../support/harness.ts'

const setup = async (store?: Store) => {
  const h = await harness({ store })
  const cycle = await h.runningCycle()
  const bindings: Record<string, { id: string; secret: string }> = {}
  for (const form of Object.keys(h.pkg.forms)) {
    const res = await h.request('POST', `/cycles/${cycle}/bindings`, { json: { plugin: 'json', form } })
    expect(res.status).toBe(201)
    bindings[form] = { id: res.data.id, secret: res.data.secret }
  }
  const subs = await sampleSubmissions()
  const body = (s: any, id = `${s.role}-${s.subject}-${s.rater}`) => JSON.stringify({ id, subject: s.subject, rater: s.rater, answers: s.answers })
  return { h, cycle, bindings, subs, body }
}

describe('POST /hooks/{binding} (generic JSON)', () => {
  it('returns the hook URL and a generated secret once, and never lists the secret', async () => {
    const { h, cycle, bindings } = await setup()
    const list = await h.request('GET', `/cycles/${cycle}/bindings`)
    expect(list.data.bindings[0].hookUrl).toMatch(/\/hooks\/bnd_/)
    expect(JSON.stringify(list.data)).not.toContain(bindings.self!.secret)
  })

  it('accepts a signed submission and records it on the instance', async () => {
    const { h, bindings, subs, body } = await setup()
    const s = subs.find((x) => x.role === 'self')
    const res = await h.deliver(bindings[s.form]!.id, bindings[s.form]!.secret, body(s))
    expect(res.status).toBe(200)
    expect(res.data.status).toBe('accepted')
    const instance = (await h.request('GET', `/instances/${res.data.instance}`)).data
    expect(instance.responses.self.count).toBe(1)
  })

  it('answers a byte-identical retry with 200 duplicate and counts it once', async () => {
    const { h, bindings, subs, body } = await setup()
    const s = subs.find((x) => x.role === 'supervisor')
    const b = bindings[s.form]!
    const first = await h.deliver(b.id, b.secret, body(s))
    const again = await h.deliver(b.id, b.secret, body(s))
    expect(again.status).toBe(200)
    expect(again.data).toMatchObject({ status: 'duplicate', receipt: first.data.receipt })
    const instance = (await h.request('GET', `/instances/${first.data.instance}`)).data
    expect(instance.responses.supervisor.count).toBe(1)
  })

  it('counts copies that arrive while the original is still being processed once (lowdb on disk)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kinerja-overlap-'))
    const { h, cycle, bindings, subs, body } = await setup(await createLowdbStore(nodeDocumentFiles(dir)))
    const subject = subs.find((x) => x.role === 'peer').subject
    const mine = subs.filter((x) => x.subject === subject)
    // Every answer but the last arrives normally; the last, which completes collection, arrives
    // three times at once.
    for (const s of mine.slice(0, -1)) expect((await h.deliver(bindings[s.form]!.id, bindings[s.form]!.secret, body(s))).status).toBe(200)
    const last = mine.at(-1)
    const copies = await Promise.all([1, 2, 3].map(() => h.deliver(bindings[last.form]!.id, bindings[last.form]!.secret, body(last))))
    expect(copies.map((c) => c.status)).toEqual([200, 200, 200])
    expect(copies.map((c) => c.data.status).sort()).toEqual(['accepted', 'duplicate', 'duplicate'])
    const receipts = (await h.request('GET', `/cycles/${cycle}/receipts`)).data.receipts
    expect(receipts).toHaveLength(mine.length)
    expect(receipts.every((r: any) => r.status === 'accepted')).toBe(true)
    const events = (await h.request('GET', `/instances/${cycle}.${subject}/events`)).data.events
    expect(events.filter((e: any) => e.type === 'submission-accepted')).toHaveLength(mine.length)
    expect((await h.request('GET', `/instances/${cycle}.${subject}`)).data.state).not.toBe('collect')
  })

  it('answers 401 to a wrong signature and to a missing one, storing nothing', async () => {
    const { h, cycle, bindings, subs, body } = await setup()
    const s = subs[0]
    const b = bindings[s.form]!
    expect((await h.deliver(b.id, 'wrong-secret', body(s))).status).toBe(401)
    const unsigned = await h.request('POST', `/hooks/${b.id}`, { key: null, body: body(s), type: 'application/json' })
    expect(unsigned.status).toBe(401)
    expect(unsigned.type).toContain('problem+json')
    expect((await h.request('GET', `/cycles/${cycle}/receipts`)).data.receipts).toHaveLength(0)
  })

  it('accepts the token header for senders that cannot sign', async () => {
    const { h, bindings, subs, body } = await setup()
    const s = subs.find((x) => x.role === 'self')
    const b = bindings[s.form]!
    const res = await h.request('POST', `/hooks/${b.id}`, { key: null, body: body(s), type: 'application/json', headers: { 'x-kinerja-token': b.secret } })
    expect(res.data.status).toBe('accepted')
  })

  it('keeps a submission for an employee not on the roster as a rejected receipt with the reason', async () => {
    const { h, cycle, bindings, subs, body } = await setup()
    const s = { ...subs.find((x) => x.role === 'self'), subject: '199912312020121001', rater: '199912312020121001' }
    s.answers = { ...s.answers, subject: s.subject, rater: s.rater }
    const res = await h.deliver(bindings[s.form]!.id, bindings[s.form]!.secret, body(s))
    expect(res.status).toBe(422)
    expect(res.data.detail).toContain('not on the roster')
    const rejected = (await h.request('GET', `/cycles/${cycle}/receipts?status=rejected`)).data.receipts
    expect(rejected).toHaveLength(1)
    expect(rejected[0].reasons[0]).toContain('199912312020121001')
    expect(rejected[0].body).toContain('199912312020121001')
  })

  it('keeps the exact bytes of a body that is not UTF-8, for replays, and shows them to nobody', async () => {
    const { h, cycle, bindings, subs, body } = await setup()
    const s = { ...subs.find((x) => x.role === 'self'), subject: '199912312020121001', rater: '199912312020121001' }
    s.answers = { ...s.answers, subject: s.subject, rater: s.rater }
    // A Latin-1 'é' (one byte 0xE9, not UTF-8) inside the id.
    const text = body(s, 'caf@-latin1')
    const at = text.indexOf('@')
    const bytes = new Uint8Array([...Buffer.from(text.slice(0, at)), 0xe9, ...Buffer.from(text.slice(at + 1))])
    const { id, secret } = bindings[s.form]!
    const send = async (b: Uint8Array) => {
      const res = await h.app.request(`/hooks/${id}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-kinerja-signature': `sha256=${await hmacSha256Hex(secret, b)}` }, body: b })
      return { status: res.status, data: (await res.json()) as any }
    }
    const res = await send(bytes)
    expect(res.status).toBe(422)
    const stored = (await h.store.getReceipt(res.data.receipt))!
    expect(stored.body).toContain('caf\uFFFD-latin1')
    expect([...Buffer.from(stored.bodyBase64!, 'base64')]).toEqual([...bytes])
    const asAdmin = (await h.request('GET', `/receipts/${stored.id}`)).data
    expect(asAdmin.bodyExact).toBe(false)
    expect(asAdmin.body).toBe(stored.body)
    const hr = (await h.request('POST', '/offices/kecamatan-plaju/keys', { json: { role: 'hr' } })).data.key
    const listed = JSON.stringify([asAdmin, (await h.request('GET', `/cycles/${cycle}/receipts`, { key: hr })).data])
    expect(listed).not.toContain('bodyBase64')
    expect(listed).not.toContain(stored.bodyBase64)
    // Valid UTF-8, even one that spells U+FFFD itself, is kept as text alone.
    const plain = await send(new TextEncoder().encode(body(s, 'caf\uFFFD-utf8')))
    expect((await h.store.getReceipt(plain.data.receipt))!.bodyBase64).toBeUndefined()
  })

  it('rejects a rater who is not a peer of the subject, and keeps the receipt', async () => {
    const { h, cycle, bindings, subs, body } = await setup()
    const s = subs.find((x) => x.role === 'peer')
    const roster = (await h.request('GET', `/cycles/${cycle}/roster`)).data.roster as any[]
    const subject = roster.find((e) => e.nip === s.subject)
    const outsider = roster.find((e) => e.nip !== subject.nip && !(subject.peers ?? []).includes(e.nip))
    const forged = { ...s, rater: outsider.nip, answers: { ...s.answers, rater: outsider.nip } }
    const res = await h.deliver(bindings.peer!.id, bindings.peer!.secret, body(forged))
    expect(res.status).toBe(422)
    expect(res.data.code).toBe('submission-rejected')
    expect((await h.request('GET', `/cycles/${cycle}/receipts?status=rejected`)).data.receipts).toHaveLength(1)
  })

  it('shows hr keys a rejection reason without the NIP of a peer, and admins all of it', async () => {
    const { h, cycle, bindings, subs, body } = await setup()
    const peer = subs.find((x) => x.role === 'peer')
    expect((await h.deliver(bindings.peer!.id, bindings.peer!.secret, body(peer, 'p-1'))).status).toBe(200)
    const again = await h.deliver(bindings.peer!.id, bindings.peer!.secret, body({ ...peer, answers: { ...peer.answers } }, 'p-2'))
    expect(again.status).toBe(422)
    const hr = (await h.request('POST', '/offices/kecamatan-plaju/keys', { json: { role: 'hr' } })).data.key
    const asHr = JSON.stringify((await h.request('GET', `/cycles/${cycle}/receipts?status=rejected`, { key: hr })).data)
    expect(asHr).toContain('already answered')
    expect(asHr).not.toContain(peer.rater)
    expect(asHr).toContain(peer.subject)
    const asAdmin = JSON.stringify((await h.request('GET', `/cycles/${cycle}/receipts?status=rejected`)).data)
    expect(asAdmin).toContain(peer.rater)
  })

  it('names the invalid field of an answer out of range', async () => {
    const { h, bindings, subs, body } = await setup()
    const s = subs.find((x) => x.role === 'self')
    const field = Object.keys(s.answers).find((k) => typeof s.answers[k] === 'number')!
    const bad = { ...s, answers: { ...s.answers, [field]: 9 } }
    const res = await h.deliver(bindings.self!.id, bindings.self!.secret, body(bad, 'bad-1'))
    expect(res.status).toBe(422)
    expect(JSON.stringify(res.data.errors)).toContain(field)
  })

  it('refuses hostile JSON with a 4xx and keeps serving', async () => {
    const { h, bindings } = await setup()
    const b = bindings.self!
    for (const hostile of [
      '{"id": "1", "id": "2"}',
      '{"__proto__": {"admin": true}}',
      '{"subject": 198503122010011001}',
      '[' .repeat(5000),
      'not json at all',
      '',
    ]) {
      const res = await h.deliver(b.id, b.secret, hostile)
      expect(res.status, hostile.slice(0, 30)).toBeGreaterThanOrEqual(400)
      expect(res.status, hostile.slice(0, 30)).toBeLessThan(500)
      expect(res.type).toContain('problem+json')
    }
    expect((await h.request('GET', '/health', { key: null })).status).toBe(200)
  })

  it('answers 413 to a body over the limit before reading it', async () => {
    const h = await harness({ maxBodyBytes: 1000 })
    const cycle = await h.runningCycle()
    const b = (await h.request('POST', `/cycles/${cycle}/bindings`, { json: { plugin: 'json', form: 'self' } })).data
    const res = await h.deliver(b.id, b.secret, JSON.stringify({ pad: 'x'.repeat(5000) }))
    expect(res.status).toBe(413)
    expect(res.data.code).toBe('payload-too-large')
  })

  it('replays a receipt rejected because the cycle had not started, once it has', async () => {
    const h = await harness()
    const cycle = await h.draftCycle()
    const b = (await h.request('POST', `/cycles/${cycle}/bindings`, { json: { plugin: 'json', form: 'self' } })).data
    const s = (await sampleSubmissions()).find((x) => x.role === 'self')
    const early = await h.deliver(b.id, b.secret, JSON.stringify({ id: 'early', subject: s.subject, rater: s.rater, answers: s.answers }))
    expect(early.status).toBe(422)
    expect(early.data.detail).toContain('not running')
    await h.request('POST', `/cycles/${cycle}/start`)
    const replayed = await h.request('POST', `/receipts/${early.data.receipt}/replay`)
    expect(replayed.status).toBe(200)
    expect(replayed.data.status).toBe('accepted')
    expect((await h.request('POST', `/receipts/${early.data.receipt}/replay`)).status).toBe(409)
    const instance = (await h.request('GET', `/instances/${replayed.data.instance}`)).data
    expect(instance.responses.self.count).toBe(1)
  })

  it('processes two replays of the same rejected receipt sent at once only once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kinerja-replay-'))
    const h = await harness({ store: await createLowdbStore(nodeDocumentFiles(dir)) })
    const cycle = await h.draftCycle()
    const b = (await h.request('POST', `/cycles/${cycle}/bindings`, { json: { plugin: 'json', form: 'self' } })).data
    const s = (await sampleSubmissions()).find((x) => x.role === 'self')
    const early = await h.deliver(b.id, b.secret, JSON.stringify({ id: 'early', subject: s.subject, rater: s.rater, answers: s.answers }))
    await h.request('POST', `/cycles/${cycle}/start`)
    const both = await Promise.all([1, 2].map(() => h.request('POST', `/receipts/${early.data.receipt}/replay`)))
    expect(both.map((r) => r.status).sort()).toEqual([200, 409])
    const events = (await h.request('GET', `/instances/${cycle}.${s.subject}/events`)).data.events
    expect(events.filter((e: any) => e.type === 'submission-accepted')).toHaveLength(1)
  })

  it('uses a binding secret from the environment by name', async () => {
    const h = await harness({ secrets: { KINERJA_HOOK_PLAJU: 'env-secret-123' } })
    const cycle = await h.runningCycle()
    const res = await h.request('POST', `/cycles/${cycle}/bindings`, { json: { plugin: 'json', form: 'self', secretEnv: 'KINERJA_HOOK_PLAJU' } })
    expect(res.data.secret).toEqual({ env: 'KINERJA_HOOK_PLAJU' })
    expect(JSON.stringify(res.data)).not.toContain('env-secret-123')
    const s = (await sampleSubmissions()).find((x) => x.role === 'self')
    const ok = await h.deliver(res.data.id, 'env-secret-123', JSON.stringify({ id: 'e1', subject: s.subject, rater: s.rater, answers: s.answers }))
    expect(ok.data.status).toBe('accepted')
    const bad = await h.request('POST', `/cycles/${cycle}/bindings`, { json: { plugin: 'json', form: 'self', secretEnv: 'my secret value' } })
    expect(bad.status).toBe(422)
  })

  it('runs a binding transform (JSONata) for what a field mapping cannot say', async () => {
    const h = await harness()
    const cycle = await h.runningCycle()
    const transform = "{ 'integritas_1': $round(nilai_integritas_10 / 2) }"
    const b = (await h.request('POST', `/cycles/${cycle}/bindings`, { json: { plugin: 'json', form: 'self', transform } })).data
    expect(b.transform).toBe(transform)
    const s = (await sampleSubmissions()).find((x) => x.role === 'self')
    const { integritas_1: _, ...rest } = s.answers
    const res = await h.deliver(b.id, b.secret, JSON.stringify({ id: 't1', subject: s.subject, rater: s.rater, answers: { ...rest, nilai_integritas_10: 7 } }))
    expect(res.status, JSON.stringify(res.data)).toBe(200)
    const view = (await h.request('GET', `/instances/${res.data.instance}`)).data
    expect(view.responses.self.answers[0].answers.integritas_1).toBe(4)
  })

  it('refuses a transform that is not valid JSONata, naming where', async () => {
    const h = await harness()
    const cycle = await h.runningCycle()
    const res = await h.request('POST', `/cycles/${cycle}/bindings`, { json: { plugin: 'json', form: 'self', transform: "{ 'integritas_1': (nilai / 2 }" } })
    expect(res.status).toBe(422)
    expect(res.data.errors[0].path).toBe('/transform')
    expect(res.data.errors[0].message).toMatch(/column \d+/)
  })

  it('refuses a transform that applies a function to itself (recursion without a name)', async () => {
    const h = await harness()
    const cycle = await h.runningCycle()
    const transform = "( $y := function($f) { $f($f) }; { 'integritas_1': $y($y) } )"
    const res = await h.request('POST', `/cycles/${cycle}/bindings`, { json: { plugin: 'json', form: 'self', transform } })
    expect(res.status).toBe(422)
    expect(res.data.errors).toEqual([{ path: '/transform', message: 'function applies its argument $f to itself: use $map, $filter or $reduce instead' }])
  })

  it('keeps a delivery whose transform gives no object as a rejected receipt', async () => {
    const h = await harness()
    const cycle = await h.runningCycle()
    const b = (await h.request('POST', `/cycles/${cycle}/bindings`, { json: { plugin: 'json', form: 'self', transform: '[1, 2]' } })).data
    const s = (await sampleSubmissions()).find((x) => x.role === 'self')
    const res = await h.deliver(b.id, b.secret, JSON.stringify({ id: 't2', subject: s.subject, rater: s.rater, answers: s.answers }))
    expect(res.status).toBe(422)
    expect(res.data.detail).toContain('transform')
    expect((await h.request('GET', `/cycles/${cycle}/receipts?status=rejected`)).data.receipts).toHaveLength(1)
  })
})

describe('browser posts to the hooks (SurveyJS pages)', () => {
  it('answers the preflight of a listed origin and nobody else', async () => {
    const h = await harness({ corsOrigins: ['https://penilaian.plaju.go.id'] })
    const preflight = (origin: string) =>
      h.app.request('/hooks/bnd_x', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-kinerja-token' } })
    const ok = await preflight('https://penilaian.plaju.go.id')
    expect(ok.status).toBe(204)
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://penilaian.plaju.go.id')
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-kinerja-token')
    const other = await preflight('https://evil.example')
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('sends no CORS headers at all when no origin is configured', async () => {
    const h = await harness()
    const res = await h.app.request('/hooks/bnd_x', { method: 'OPTIONS', headers: { origin: 'https://penilaian.plaju.go.id', 'access-control-request-method': 'POST' } })
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('PATCH /bindings/{id} then replay', () => {
  it('fixes a wrong mapping and replays the receipts it rejected, each counted once', async () => {
    const h = await harness()
    const cycle = await h.runningCycle()
    const s = (await sampleSubmissions()).find((x) => x.role === 'self')
    // The builder calls the first integrity question "int1"; the binding forgot to map it.
    const { integritas_1: score, ...rest } = s.answers
    const b = (await h.request('POST', `/cycles/${cycle}/bindings`, { json: { plugin: 'json', form: 'self' } })).data
    const sent = await h.deliver(b.id, b.secret, JSON.stringify({ id: 'r1', subject: s.subject, rater: s.rater, answers: { ...rest, int1: score } }))
    expect(sent.status).toBe(422)
    expect(JSON.stringify(sent.data.errors)).toContain('integritas_1')

    const badFix = await h.request('PATCH', `/bindings/${b.id}`, { json: { mapping: { int1: 'integritas_l' } } })
    expect(badFix.status).toBe(422)
    const fixed = await h.request('PATCH', `/bindings/${b.id}`, { json: { mapping: { int1: 'integritas_1' } } })
    expect(fixed.status).toBe(200)
    expect(fixed.data.mapping).toEqual({ int1: 'integritas_1' })

    const replayed = await h.request('POST', `/receipts/${sent.data.receipt}/replay`)
    expect(replayed.status, JSON.stringify(replayed.data)).toBe(200)
    expect(replayed.data.status).toBe('accepted')
    const view = (await h.request('GET', `/instances/${replayed.data.instance}`)).data
    expect(view.responses.self.count).toBe(1)
    expect(view.responses.self.answers[0].answers.integritas_1).toBe(score)
  })

  it('refuses a Formbricks binding whose secret kinerja would have to invent', async () => {
    const h = await harness()
    const cycle = await h.runningCycle()
    const res = await h.request('POST', `/cycles/${cycle}/bindings`, { json: { plugin: 'formbricks', form: 'ringkas' } })
    expect(res.status).toBe(422)
    expect(res.data.errors[0].path).toBe('/secretEnv')
  })
})
