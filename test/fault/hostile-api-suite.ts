/**
 * The admin/API half of the hostile-input corpus (run in a worker by hostile-api.test.ts): every
 * operation of /openapi.json on the real app (memory store), in a world with something in it (two
 * offices, a running cycle whose appraisals wait for review actions, a draft cycle, bindings,
 * receipts, signed links). Each case is one request: the operation's method or another, path
 * parameters real or weird (`..`, `%2F`, `%zz`, 20,000 characters, unicode), a body shaped by the
 * operation's schema with odd leaves (or any JSON, or not JSON), a query, and odd Authorization,
 * Accept and Accept-Language headers. Every answer must be below 500, a 4xx must be problem+json,
 * and after any request that changed something, the pages that read it must still answer.
 */
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { createKey } from '../../src/services/keys.ts'
import { harness, SAMPLE, sampleSubmissions } from '../support/harness.ts'
import { applyJsonEdits, contentTypes, garbageHeaderValue, hostileJsonText, jsonEdit, weirdSegment } from './hostile-arbitraries.ts'
import { checkProperty, ensure, type PropertyRun } from './hostile-check.ts'
import { valueFor } from './hostile-schema-values.ts'
import type { HostileSuite, SuiteInput } from './hostile-worker.ts'

export type ApiInput = SuiteInput

export interface ApiSummary {
  properties: Record<string, PropertyRun>
  statuses: Record<string, number>
  /** Operations that answered 2xx at least once (the corpus got past validation). */
  succeeded: string[]
}

interface Operation {
  method: string
  path: string
  params: string[]
  query: string[]
  body?: { type: string; schema: Record<string, any> }
}

/** Methods a Fetch Request may carry (TRACE, CONNECT and TRACK are forbidden by the Fetch standard). */
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND', 'get']

export const runApiSuite: HostileSuite<ApiInput, ApiSummary> = async (input, note) => {
  const h = await harness()
  const cycle = await h.runningCycle('kecamatan-plaju')
  const draft = await h.draftCycle('kecamatan-kedua')
  // Every sample answer, so the appraisals reach their review states and actions mean something.
  const bindings: Record<string, { id: string; secret: string }> = {}
  for (const form of Object.keys(h.pkg.forms)) {
    const res = await h.request('POST', `/cycles/${cycle}/bindings`, { json: { plugin: 'json', form } })
    bindings[form] = { id: res.data.id, secret: res.data.secret }
  }
  const receipts: string[] = []
  for (const s of await sampleSubmissions()) {
    const res = await h.deliver(bindings[s.form]!.id, bindings[s.form]!.secret, JSON.stringify({ id: `${s.role}-${s.subject}-${s.rater}`, subject: s.subject, rater: s.rater, answers: s.answers }))
    if (res.data.receipt) receipts.push(res.data.receipt)
  }
  const instances: string[] = (await h.request('GET', `/cycles/${cycle}/instances`)).data.instances.map((i: { id: string }) => i.id)
  const nips = instances.map((id) => id.slice(cycle.length + 1))
  const hr = (await createKey(h.deps, { role: 'hr', office: 'kecamatan-plaju' })).key
  const viewer = (await createKey(h.deps, { role: 'viewer', office: 'kecamatan-kedua' })).key
  const act = (await h.request('POST', `/instances/${instances[0]}/links`, { json: { nip: nips[0] } })).data.url.replace(/^.*\/act\//, '')
  const reportLink = (await h.request('POST', `/instances/${instances[0]}/report-link`)).data.url.replace(/^.*[?&]link=/, '')
  const actions = [...new Set(Object.values(h.pkg.workflow.states).flatMap((s: any) => Object.keys(s.actions ?? {})))]
  const actionInputs = Object.values(h.pkg.workflow.states).flatMap((s: any) => Object.values<any>(s.actions ?? {}).map((a) => a.input).filter(Boolean))

  const doc = (await h.request('GET', '/openapi.json')).data
  const operations: Operation[] = []
  for (const [path, ops] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(ops)) {
      const params = (op.parameters ?? []) as { in: string; name: string }[]
      const content = op.requestBody?.content as Record<string, { schema: Record<string, any> }> | undefined
      const type = content && Object.keys(content).find((t) => t.includes('json'))
      operations.push({
        method: method.toUpperCase(),
        path,
        params: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params.filter((p) => p.in === 'query').map((p) => p.name),
        ...(type ? { body: { type, schema: content![type]!.schema } } : {}),
      })
    }
  }

  /** Real values for each path parameter name, so requests reach records that exist. */
  const real: Record<string, string[]> = {
    office: ['kecamatan-plaju', 'kecamatan-kedua'],
    cycle: [cycle, draft],
    id: [...instances.slice(0, 5), bindings.ringkas!.id, ...receipts.slice(0, 2), h.pkg.id],
    binding: Object.values(bindings).map((b) => b.id),
    action: actions,
    token: [act],
  }
  const roster = readFileSync(`${SAMPLE}roster.csv`, 'utf8')
  const rosterEntries = JSON.parse(readFileSync(`${SAMPLE}roster.json`, 'utf8'))
  const simulation = JSON.stringify({
    roster: rosterEntries.slice(0, 6),
    submissions: (await sampleSubmissions()).slice(0, 8),
    actions: JSON.parse(readFileSync(`${SAMPLE}actions.json`, 'utf8')).slice(0, 3),
  })

  const param = (name: string) => fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...(real[name] ?? ['x'])) }, { weight: 2, arbitrary: weirdSegment })
  const encodePart = (v: string) => (/%|^\.\.?$/.test(v) ? v : encodeURIComponent(v))

  /** A body for the operation: its schema's shape, an edited real document, any JSON, or not JSON. */
  const bodyFor = (op: Operation): fc.Arbitrary<{ text: string; type: string | null }> => {
    const json = (a: fc.Arbitrary<string>) => a.map((text) => ({ text, type: op.body?.type ?? 'application/json' }))
    const shaped = op.body ? valueFor(op.body.schema, doc).map((v) => JSON.stringify(v) ?? 'null') : fc.constant('{}')
    const real: fc.Arbitrary<string>[] = [shaped]
    if (op.path.endsWith('/simulate')) real.push(fc.array(jsonEdit, { minLength: 1, maxLength: 3 }).map((e) => applyJsonEdits(simulation, e)))
    if (op.path.includes('/actions/') || op.path.startsWith('/act/')) {
      real.push(fc.record({ actor: fc.constantFrom(...nips), input: fc.oneof(...actionInputs.map((s) => valueFor(s, s))) }).map((v) => JSON.stringify(v)))
    }
    // The sample roster with CSV's troublemakers spliced in: quotes, separators, BOMs, formulas, NUL.
    const csv = fc.tuple(fc.nat(), fc.constantFrom('"', ',', '\n', '\r', '\u0000', '=1+1', ';', '\ufeff', '"""', 'a'.repeat(5000), '\ud800'), fc.nat({ max: 5 })).map(([at, piece, n]) => {
      const i = at % (roster.length + 1)
      return roster.slice(0, i) + piece.repeat(n + 1) + roster.slice(i)
    })
    return fc.oneof(
      { weight: 6, arbitrary: json(fc.oneof(...real)) },
      { weight: 2, arbitrary: json(shaped.chain((t) => fc.array(jsonEdit, { minLength: 1, maxLength: 2 }).map((e) => applyJsonEdits(t, e)))) },
      { weight: 1, arbitrary: json(hostileJsonText) },
      { weight: op.path.endsWith('/roster') ? 3 : 0, arbitrary: csv.map((text) => ({ text, type: 'text/csv' })) },
      { weight: 1, arbitrary: fc.tuple(fc.string({ unit: 'binary', maxLength: 200 }), fc.option(contentTypes)).map(([text, type]) => ({ text, type })) },
    )
  }

  const queryFor = (op: Operation): fc.Arbitrary<string> =>
    fc.oneof(
      fc.constant(''),
      fc.array(fc.tuple(fc.constantFrom(...op.query, 'lang', 'status', 'link', '__proto__', 'a'), fc.oneof(fc.constantFrom('id', 'en', 'rejected', 'collect', reportLink, ''), weirdSegment)), { maxLength: 3 })
        .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${encodePart(v)}`).join('&')}` : '')),
      fc.constantFrom('?', '?&&', '?%', '?lang=%zz', '?lang', '?status=accepted&status=rejected', `?link=${reportLink}x`, `?${'a=1&'.repeat(2000)}`),
    )

  const headersArb = fc.record({
    authorization: fc.oneof(
      { weight: 10, arbitrary: fc.constant(`Bearer ${h.admin}`) },
      { weight: 2, arbitrary: fc.constantFrom(`Bearer ${hr}`, `Bearer ${viewer}`) },
      { weight: 1, arbitrary: fc.oneof(garbageHeaderValue, fc.constantFrom('Bearer ', `bearer ${h.admin}`, `Bearer  ${h.admin} `, `Bearer ${h.admin}x`, `Basic ${btoa('admin:admin')}`, 'Bearer kj_', `Bearer ${'k'.repeat(9000)}`)) },
      { weight: 1, arbitrary: fc.constant(null) },
    ),
    accept: fc.option(fc.oneof(fc.constantFrom('application/json', 'text/html', '*/*', 'application/xml;q=0.9, */*;q=abc', ''), garbageHeaderValue)),
    'accept-language': fc.option(fc.oneof(fc.constantFrom('id', 'en', 'en-US,en;q=0.9', '*', 'zz', 'id;q=0, en;q=0', ';;;q=,', `${'en,'.repeat(3000)}id`), garbageHeaderValue)),
    'x-forwarded-for': fc.option(garbageHeaderValue),
  })

  /** A request and what it must get back. */
  const send = async (method: string, path: string, headers: Record<string, string>, body: string | undefined, label: string) => {
    note(`${method} ${path.slice(0, 300)} ${JSON.stringify(headers).slice(0, 300)} ${JSON.stringify(body ?? '').slice(0, 400)}`)
    const t = performance.now()
    const res = await h.app.request(path, { method, headers, ...(body !== undefined && !['GET', 'HEAD'].includes(method.toUpperCase()) ? { body } : {}) })
    const text = await res.text()
    const ms = performance.now() - t
    const what = () => `${label}: ${method} ${path.slice(0, 300)} -> ${res.status} ${text.slice(0, 600)}`
    ensure(res.status < 500, () => `a server error: ${what()}`)
    ensure(ms < input.caseMs, () => `took ${Math.round(ms)} ms: ${what()}`)
    if (res.status >= 400 && method.toUpperCase() !== 'HEAD') {
      ensure(res.headers.get('content-type')?.startsWith('application/problem+json'), () => `not problem+json (${res.headers.get('content-type')}): ${what()}`)
      const problem = JSON.parse(text)
      ensure(problem.status === res.status && typeof problem.code === 'string' && typeof problem.detail === 'string', () => `an incomplete problem: ${what()}`)
    }
    return res.status
  }

  // What HR opens afterwards: none of it may fail because of what a request stored.
  const READS = [
    '/health', `/cycles/${cycle}`, `/cycles/${cycle}/instances`, `/cycles/${cycle}/rules`, `/cycles/${cycle}/receipts`, `/cycles/${cycle}/bindings`,
    `/cycles/${cycle}/outbox`, `/cycles/${cycle}/report`, `/cycles/${cycle}/export.csv`, `/cycles/${cycle}/export.xlsx`, `/cycles/${draft}`,
    `/cycles/${draft}/roster`, `/offices/kecamatan-plaju/cycles`, `/offices/kecamatan-kedua`, '/packages', ...instances.slice(0, 3).flatMap((i) => [`/instances/${i}`, `/instances/${i}/events`, `/instances/${i}/report`]),
    `/act/${act}`,
  ]
  const readsStillWork = async (after: string) => {
    for (const path of READS) {
      const status = await send('GET', path, { authorization: `Bearer ${h.admin}` }, undefined, `a read after ${after}`)
      ensure(status < 400 || path.startsWith('/act/') || status === 409 || status === 404, () => `GET ${path} answers ${status} after ${after}`)
    }
  }

  const statuses: Record<string, number> = {}
  const succeeded = new Set<string>()
  const properties: Record<string, PropertyRun> = {}
  const share = Math.round(input.budgetMs / 3)
  // One seed for every property: they share the app's state, so a rerun must replay them all alike.
  const seed = input.seed ?? Math.floor(Math.random() * 2 ** 31)
  const opts = () => ({ numRuns: input.runs, caseMs: input.caseMs, budgetMs: share, seed })

  const request = fc
    .constantFrom(...operations)
    .chain((op) =>
      fc.record({
        op: fc.constant(op),
        method: fc.oneof({ weight: 6, arbitrary: fc.constant(op.method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
        params: fc.tuple(...op.params.map(param)) as fc.Arbitrary<string[]>,
        query: queryFor(op),
        body: bodyFor(op),
        headers: headersArb,
      }),
    )

  properties['every operation, hostile requests'] = await checkProperty(
    'every operation, hostile requests',
    request,
    async (r) => {
      let path = r.op.path
      r.op.params.forEach((name, i) => (path = path.replace(`{${name}}`, encodePart(r.params[i]!))))
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(r.headers)) if (v !== null) headers[k] = v
      if (r.body.type !== null) headers['content-type'] = r.body.type
      const status = await send(r.method, path + r.query, headers, r.body.text, 'the request')
      statuses[status] = (statuses[status] ?? 0) + 1
      if (status < 300) succeeded.add(`${r.op.method} ${r.op.path}`)
      if (status < 300 && !['GET', 'HEAD', 'OPTIONS'].includes(r.method.toUpperCase())) await readsStillWork(`${r.method} ${path.slice(0, 200)}`)
    },
    opts(),
  )

  // Review actions by the people who may take them (the appraisee, their supervisor) or others,
  // with inputs shaped by the action's own schema: the way into the package's formulas.
  const supervisorOf = Object.fromEntries(rosterEntries.map((e: { nip: string; supervisor?: string }) => [e.nip, e.supervisor ?? e.nip]))
  const reviewActions = Object.values(h.pkg.workflow.states).flatMap((s: any) => Object.entries<any>(s.actions ?? {}).map(([name, a]) => ({ name, input: a.input })))
  properties['review actions, hostile inputs'] = await checkProperty(
    'review actions, hostile inputs',
    fc.tuple(
      fc.constantFrom(...instances),
      fc.constantFrom(...reviewActions).chain((a) => fc.tuple(fc.constant(a.name), a.input ? valueFor(a.input, a.input) : fc.jsonValue({ maxDepth: 2 }))),
      fc.constantFrom('self', 'supervisor', 'anyone'),
      fc.constantFrom(...nips),
      fc.array(jsonEdit, { maxLength: 2 }),
      fc.boolean(),
    ),
    async ([id, [action, actionInput], who, anyone, edits, byLink]) => {
        const nip = id.slice(cycle.length + 1)
        const actor = who === 'self' ? nip : who === 'supervisor' ? supervisorOf[nip]! : anyone
        const body = edits.length ? applyJsonEdits(JSON.stringify({ actor, input: actionInput }), edits) : JSON.stringify({ actor, input: actionInput })
        const path = byLink ? `/act/${act}/${action}` : `/instances/${id}/actions/${action}`
        const status = await send('POST', path, { authorization: `Bearer ${h.admin}`, 'content-type': 'application/json' }, body, 'an action')
        statuses[status] = (statuses[status] ?? 0) + 1
        if (status < 300) {
          succeeded.add(`POST ${byLink ? '/act/{token}/{action}' : '/instances/{id}/actions/{action}'}`)
          await readsStillWork(`${action} on ${id}`)
        }
    },
    opts(),
  )

  // Paths no operation has: odd routes, encodings and methods must be a 404/405 problem, not a crash.
  properties['unknown paths'] = await checkProperty(
    'unknown paths',
    fc.tuple(
      fc.array(fc.oneof(weirdSegment, fc.constantFrom('cycles', 'instances', 'hooks', 'act', 'offices', 'packages', 'receipts', 'bindings', cycle, instances[0]!)), { minLength: 1, maxLength: 5 }),
      fc.constantFrom(...METHODS),
      fc.constantFrom('', '/', '//', '?x=%', '#frag'),
    ),
    async ([segments, method, tail]) => {
      await send(method, `/${segments.map(encodePart).join('/')}${tail}`, { authorization: `Bearer ${h.admin}` }, method === 'GET' || method === 'HEAD' ? undefined : '{}', 'an unknown path')
    },
    opts(),
  )

  await readsStillWork('the corpus')
  return { properties, statuses, succeeded: [...succeeded].sort() }
}
