/**
 * The webhook half of the hostile-input corpus (run in a worker by hostile-hooks.test.ts): the
 * real app on a lowdb store in a temp folder, one running Plaju cycle and one binding per plugin
 * (kobo, google-forms, tally, typeform, jotform, formbricks, surveyjs, odk-central, json), each with
 * its builder's real credentials. Every generated delivery must get an answer below 500, a 4xx must
 * be problem+json, and every delivery that authenticated must leave its receipt, stored with the
 * text that arrived and processed to an outcome (never left half-way).
 */
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { standardWebhookSignature } from '../../plugins/formbricks/standard-webhooks.ts'
import { nodeDocumentFiles } from '../../src/entry/node-document-files.ts'
import { createLowdbStore } from '../../src/store/lowdb-store.ts'
import { BUILDERS, FIXTURES, FORMBRICKS_TIMESTAMP } from '../support/deliveries.ts'
import { harness } from '../support/harness.ts'
import {
  applyByteEdits, applyJsonEdits, applyRepetition, byteEdit, contentTypes, FRAGMENTS, garbageHeaderValue, jsonEdit, repetition,
  type ByteEdit, type JsonEdit, type Repetition,
} from './hostile-arbitraries.ts'
import { checkProperty, ensure, type PropertyRun } from './hostile-check.ts'
import type { HostileSuite, SuiteInput } from './hostile-worker.ts'

export const PLUGINS = ['kobo', 'google-forms', 'tally', 'typeform', 'jotform', 'formbricks', 'surveyjs', 'odk-central', 'json'] as const
type Plugin = (typeof PLUGINS)[number]

const SECRETS: Record<Plugin, string> = {
  ...(Object.fromEntries(Object.entries(BUILDERS).map(([b, d]) => [b, d.secret])) as Record<Exclude<Plugin, 'odk-central' | 'json'>, string>),
  'odk-central': 'odk-poller@plaju.example.go.id:odk_test_pw_5t',
  json: 'json_test_secret_w4Rk',
}
const envOf = (p: Plugin) => `HOOK_${p.toUpperCase().replace(/-/g, '_')}`

const read = (name: string) => readFileSync(`${FIXTURES}${name}`, 'utf8')

/** Real payloads per plugin: the shared fixtures and the odd-but-real ones in hostile/. */
function fixturesOf(p: Plugin): string[] {
  if (p === 'odk-central') return [JSON.stringify(JSON.parse(read('odk-central-1.json')).value[0])]
  if (p === 'json') {
    const answers = { integritas: 4, kerjasama: 5, komunikasi: 3, pelayanan_publik: 4, komentar: 'Baik' }
    return [JSON.stringify({ id: 'json-1', subject: '198503122010011001', rater: '197611042003121003', role: 'supervisor', answers })]
  }
  const extra: Record<string, string[]> = {
    kobo: ['hostile/kobo-edit.json', 'hostile/kobo-export.xml'],
    'google-forms': ['hostile/google-sheets-1.json'],
    tally: ['hostile/tally-legacy-2021.json'],
    typeform: ['hostile/typeform-partial.json'],
  }
  const names = readFileSync(`${FIXTURES}README.md`, 'utf8').match(new RegExp(`${p}-\\d\\.(json|txt)`, 'g')) ?? []
  return [...new Set([...names, ...(extra[p] ?? [])])].map(read)
}

const b64 = (b: Buffer) => b.toString('base64')

/** The headers (and query) the builder itself would send with these exact bytes. */
async function signedBy(p: Plugin, body: Uint8Array): Promise<{ headers: Record<string, string>; query: string }> {
  const secret = SECRETS[p]
  const hmac = () => createHmac('sha256', secret).update(body).digest()
  switch (p) {
    case 'kobo':
      return { headers: { 'content-type': 'application/json', authorization: `Basic ${btoa(secret)}` }, query: '' }
    case 'google-forms':
      return { headers: { 'content-type': 'application/json; charset=utf-8', 'x-appraisal-signature': `sha256=${b64(hmac())}` }, query: '' }
    case 'tally':
      return { headers: { 'content-type': 'application/json', 'tally-signature': b64(hmac()) }, query: '' }
    case 'typeform':
      return { headers: { 'content-type': 'application/json', 'typeform-signature': `sha256=${b64(hmac())}` }, query: '' }
    case 'jotform': {
      // The boundary Jotform announces is the body's first line (whatever the damage made of it).
      const text = Buffer.from(body).toString('latin1')
      const boundary = text.slice(2, Math.max(2, text.indexOf('\r\n'))).replace(/[^\x20-\x7e]/g, '')
      return { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, query: `?token=${secret}` }
    }
    case 'formbricks': {
      const id = 'hostile-corpus'
      const ts = String(FORMBRICKS_TIMESTAMP)
      return { headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': (await standardWebhookSignature(secret, id, ts, body))! }, query: '' }
    }
    case 'surveyjs':
      return { headers: { 'content-type': 'application/json', 'x-kinerja-token': secret }, query: '' }
    case 'odk-central':
    case 'json':
      return { headers: { 'content-type': 'application/json', 'x-kinerja-signature': `sha256=${hmac().toString('hex')}` }, query: '' }
  }
}

/** The headers that carry each plugin's credentials (the ones a forger would tamper with). */
const CREDENTIAL_HEADERS: Record<Plugin, string[]> = {
  kobo: ['authorization', 'x-api-key'],
  'google-forms': ['x-appraisal-signature'],
  tally: ['tally-signature'],
  typeform: ['typeform-signature'],
  jotform: [],
  formbricks: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
  surveyjs: ['x-kinerja-token'],
  'odk-central': ['x-kinerja-signature', 'authorization'],
  json: ['x-kinerja-signature', 'x-kinerja-token'],
}

/** Size of each body of the fragment sweep, and how long reading one may take. */
const SWEEP_BYTES = 64 * 1024
const SWEEP_CASE_MS = 1000

/** `runs` are cases per plugin and property. */
export interface HooksInput extends SuiteInput {
  dataDir: string
}

export interface HooksSummary {
  properties: Record<string, PropertyRun>
  /** Answers seen, by status. */
  statuses: Record<string, number>
  receipts: number
}

/** A body built from a real fixture. */
interface Spoiled {
  fixture: number
  json: JsonEdit[]
  bytes: ByteEdit[]
  repeat: Repetition | null
  indent: number
}

const spoiled: fc.Arbitrary<Spoiled> = fc.record({
  fixture: fc.nat(),
  json: fc.array(jsonEdit, { maxLength: 3 }),
  // Mostly whole payloads with odd values, so most cases get past the parser to mapping and validation.
  bytes: fc.oneof({ weight: 3, arbitrary: fc.constant<ByteEdit[]>([]) }, { weight: 2, arbitrary: fc.array(byteEdit, { minLength: 1, maxLength: 2 }) }),
  repeat: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: repetition }),
  indent: fc.constantFrom(0, 0, 2),
})

function build(p: Plugin, fixtures: string[], s: Spoiled): Uint8Array {
  let text = fixtures[s.fixture % fixtures.length]!
  // JSON edits apply to JSON payloads; Jotform's multipart carries its JSON in the rawRequest part.
  if (p === 'jotform') {
    const m = /(name="rawRequest"\r\n\r\n)(.*?)(\r\n--)/s.exec(text)
    if (m && s.json.length) text = text.replace(m[0], m[1] + applyJsonEdits(m[2]!, s.json, s.indent) + m[3])
  } else if (!text.startsWith('<') && s.json.length) text = applyJsonEdits(text, s.json, s.indent)
  if (s.repeat) text = applyRepetition(text, s.repeat)
  return applyByteEdits(text, s.bytes)
}

const describeBody = (bytes: Uint8Array) => {
  const text = new TextDecoder().decode(bytes)
  return `${bytes.length} bytes: ${JSON.stringify(text.length > 300 ? `${text.slice(0, 200)}...${text.slice(-80)}` : text)}`
}

export const runHookSuite: HostileSuite<HooksInput, HooksSummary> = async (input, note) => {
  const store = await createLowdbStore(nodeDocumentFiles(input.dataDir))
  const secrets = Object.fromEntries(PLUGINS.map((p) => [envOf(p), SECRETS[p]]))
  // Formbricks refuses a timestamp more than 5 minutes away from the receipt time.
  const h = await harness({ store, secrets, start: new Date((FORMBRICKS_TIMESTAMP + 30) * 1000).toISOString() })
  const cycle = await h.runningCycle('kecamatan-plaju', `${FIXTURES}roster.csv`)
  const bindings = {} as Record<Plugin, string>
  for (const p of PLUGINS) {
    // ODK Central is pulled; its poller posts each submission to the same hook, signed.
    const pull = p === 'odk-central' ? { pull: { base: 'https://odk.plaju.example.go.id', projectId: 3, formId: 'penilaian_perilaku_2026' } } : {}
    const json = p === 'json' ? { plugin: 'json', form: 'ringkas', secretEnv: envOf(p) } : { template: `${p}-ringkas`, secretEnv: envOf(p), ...pull }
    const res = await h.request('POST', `/cycles/${cycle}/bindings`, { json })
    ensure(res.status === 201, () => `binding for ${p}: ${res.status} ${JSON.stringify(res.data)}`)
    bindings[p] = res.data.id
  }
  const fixtures = Object.fromEntries(PLUGINS.map((p) => [p, fixturesOf(p)])) as Record<Plugin, string[]>
  const statuses: Record<string, number> = {}
  const decoder = new TextDecoder()
  /** Every receipt a sender was told of. */
  const named = new Set<string>()

  /** Sends one delivery and checks what every delivery must satisfy; `signed`: it carries valid credentials. */
  const deliver = async (p: Plugin, body: Uint8Array, headers: Record<string, string>, query: string, signed: boolean, label: string, limitMs = input.caseMs) => {
    note(`${p} ${label} ${describeBody(body)} headers ${JSON.stringify(headers).slice(0, 400)}`)
    const t = performance.now()
    const res = await h.app.request(`/hooks/${bindings[p]}${query}`, { method: 'POST', headers, body })
    const text = await res.text()
    const ms = performance.now() - t
    const what = () => `${p} ${label}: ${res.status} ${text.slice(0, 500)} for ${describeBody(body)}`
    statuses[res.status] = (statuses[res.status] ?? 0) + 1
    ensure(res.status < 500, () => `a server error: ${what()}`)
    ensure(ms < limitMs, () => `took ${Math.round(ms)} ms: ${what()}`)
    let data: any
    try {
      data = JSON.parse(text)
    } catch {
      ensure(false, () => `the answer is not JSON: ${what()}`)
    }
    if (res.status >= 400) {
      ensure(res.headers.get('content-type')?.startsWith('application/problem+json'), () => `not problem+json (${res.headers.get('content-type')}): ${what()}`)
      ensure(data.status === res.status && typeof data.code === 'string' && typeof data.detail === 'string' && data.detail !== '', () => `an incomplete problem: ${what()}`)
    } else {
      ensure(res.status === 200 && ['accepted', 'duplicate', 'partial'].includes(data.status), () => `an unexpected success: ${what()}`)
    }
    if (signed && res.status !== 413) {
      ensure(res.status !== 401, () => `a correctly signed delivery was refused as unauthenticated: ${what()}`)
      ensure(typeof data.receipt === 'string', () => `an authenticated delivery names no receipt: ${what()}`)
    }
    if (typeof data.receipt === 'string') {
      const receipt = await store.getReceipt(data.receipt)
      ensure(receipt, () => `receipt ${data.receipt} is not in the store: ${what()}`)
      ensure(receipt.binding === bindings[p] && receipt.body === decoder.decode(body), () => `receipt ${data.receipt} does not hold what arrived: ${what()}`)
      ensure(receipt.status !== 'received', () => `receipt ${data.receipt} was left unprocessed: ${what()}`)
      ensure((res.status === 200) === (receipt.status !== 'rejected'), () => `receipt ${data.receipt} is ${receipt.status}: ${what()}`)
    }
    if (res.status === 401) ensure(data.receipt === undefined, () => `an unauthenticated delivery names a receipt: ${what()}`)
    if (typeof data.receipt === 'string') named.add(data.receipt)
  }

  const properties: Record<string, PropertyRun> = {}
  const share = Math.round(input.budgetMs / (PLUGINS.length * 2))
  // One seed for every property: they share the app's state, so a rerun must replay them all alike.
  const seed = input.seed ?? Math.floor(Math.random() * 2 ** 31)
  const opts = () => ({ numRuns: input.runs, caseMs: input.caseMs, budgetMs: share, seed })
  for (const p of PLUGINS) {
    // 1. A real payload spoiled (values, keys, bytes, charset, long repetitions), signed as the
    //    builder signs it, sometimes with another content type: it authenticates, so it is kept.
    properties[`${p}: spoiled payloads, signed`] = await checkProperty(
      `${p}: spoiled payloads, signed`,
      fc.tuple(spoiled, fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: contentTypes })),
      async ([s, type]) => {
        const body = build(p, fixtures[p], s)
        const { headers, query } = await signedBy(p, body)
        if (type !== null) headers['content-type'] = type
        await deliver(p, body, headers, query, true, 'signed')
      },
      opts(),
    )
    // 2. Anything at all, with credentials missing, garbled, doubled or meant for other bytes.
    properties[`${p}: arbitrary bytes and credentials`] = await checkProperty(
      `${p}: arbitrary bytes and credentials`,
      fc.tuple(
        fc.oneof(fc.uint8Array({ maxLength: 2000 }), spoiled.map((s) => build(p, fixtures[p], s))),
        fc.constantFrom('missing', 'garbage', 'other-body', 'doubled', 'padded', 'valid'),
        fc.array(garbageHeaderValue, { minLength: 3, maxLength: 3 }),
      ),
      async ([body, how, garbage]) => {
          const signed = await signedBy(p, body)
          const headers = new Headers(signed.headers)
          let query = signed.query
          const names = CREDENTIAL_HEADERS[p]
          if (how === 'missing') names.forEach((n) => headers.delete(n))
          else if (how === 'garbage') names.forEach((n, j) => headers.set(n, garbage[j % garbage.length]!))
          else if (how === 'other-body') {
            const other = await signedBy(p, new TextEncoder().encode('{}'))
            names.forEach((n) => other.headers[n] !== undefined && headers.set(n, other.headers[n]!))
          } else if (how === 'doubled') names.forEach((n, j) => headers.append(n, headers.get(n) ?? garbage[j % garbage.length]!))
          else if (how === 'padded') names.forEach((n) => headers.get(n) !== null && headers.set(n, `  ${headers.get(n)}\t`))
          if (p === 'jotform') {
            query = { missing: '', garbage: `?token=${encodeURIComponent(garbage[0]!)}`, 'other-body': '?token=jf_other', doubled: `${query}&token=${SECRETS.jotform}`, padded: `?token=%20${SECRETS.jotform}`, valid: query }[how]
          }
          // Only untouched credentials are sure to authenticate; a padded or doubled one may or may not.
          await deliver(p, body, Object.fromEntries(headers), query, how === 'valid', `credentials ${how}`)
      },
      opts(),
    )
  }

  // 3. Every fragment, repeated to 64 KB from the very first byte (a body's first bytes pick the
  //    parser), signed, to every plugin: a sweep rather than a sample, because a quadratic parser
  //    or a backtracking regular expression hides behind one fragment. Linear code reads 64 KB in
  //    a millisecond; the Kobo regular expressions this found took minutes on 20 KB.
  const sweep = performance.now()
  let swept = 0
  for (const p of PLUGINS) {
    for (const fragment of FRAGMENTS) {
      const body = new TextEncoder().encode(fragment.repeat(Math.ceil(SWEEP_BYTES / fragment.length)))
      const { headers, query } = await signedBy(p, body)
      await deliver(p, body, headers, query, true, `${JSON.stringify(fragment)} repeated`, SWEEP_CASE_MS)
      swept++
    }
  }
  properties['every fragment repeated, every plugin'] = { runs: swept, ms: Math.round(performance.now() - sweep) }

  // Afterwards the server still answers, and a good delivery still goes through.
  const health = await h.app.request('/health')
  ensure(health.status === 200, () => `/health answered ${health.status} after the corpus`)
  // (A pair no fixture names, so the corpus cannot have answered it already.)
  const good = new TextEncoder().encode(JSON.stringify({ id: 'after-the-corpus', subject: '197805152006042011', rater: '197611042003121003', role: 'peer', answers: { integritas: 4, kerjasama: 4, komunikasi: 4, pelayanan_publik: 4 } }))
  const after = await h.app.request(`/hooks/${bindings.json}`, { method: 'POST', headers: (await signedBy('json', good)).headers, body: good })
  const afterText = await after.text()
  ensure(after.status === 200 && JSON.parse(afterText).status === 'accepted', () => `a good delivery after the corpus answered ${after.status}: ${afterText}`)
  // On disk (read by a second, read-only store on the folder, as the CLI reads it): no receipt
  // nobody was told of (a refused credential stores nothing), and none lost.
  named.add(JSON.parse(afterText).receipt)
  const reader = await createLowdbStore(nodeDocumentFiles(input.dataDir, { readOnly: true }))
  const stored = (await reader.listReceipts(cycle)).map((r) => r.id)
  ensure(stored.length === named.size && stored.every((id) => named.has(id)), () => `${stored.length} receipts on disk, ${named.size} named to senders`)
  return { properties, statuses, receipts: stored.length }
}
