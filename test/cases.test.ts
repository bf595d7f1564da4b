/**
 * The data-driven suite: every test/cases/<package>/*.json case replays its events through the
 * real package on disk (workflows/<package>/, loaded by loadPackage) and the engine, and checks
 * the states, variables and refusals it expects. The case format is language-neutral and
 * documented in test/cases/README.md; this file is its one runner. A case may bring the employee's
 * earlier results (`history`) and may start on an older variant of the package (`from`, a merge
 * patch of workflow.json) and move to the real one with a `migrate` event. It also runs the package's
 * sample cycle (workflows/<package>/sample/: roster, submissions, scripted actions) to its end,
 * and checks test/cases/webhook-fixtures.json: that the form builders' example payloads in
 * test/fixtures/webhooks/ become valid answers of the package's short form and name raters the
 * fixtures' roster assigns to them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { formsOfRole } from '../src/engine/role-forms.ts'
import { raterRefusal } from '../src/engine/raters.ts'
import { newInstance, transition } from '../src/engine/transition.ts'
import type { EngineEnv, EngineEvent } from '../src/engine/types.ts'
import { AppError } from '../src/errors.ts'
import type { RosterEntry, Submission } from '../src/generated/types.ts'
import { validateSubmission } from '../src/generated/validators.js'
import type { LoadedPackage } from '../src/package/loaded-package.ts'
import { loadPackage } from '../src/package/load-package.ts'
import { checkRoster, parseRoster } from '../src/services/roster.ts'
import type { Cycle, Instance, ReceivedSubmission } from '../src/store/records.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const casesDir = join(root, 'test/cases')

/** The string a case writes where a key must not exist at all. */
const ABSENT = '<absent>'

interface Checkpoint {
  state?: string
  status?: string
  outcome?: string
  vars?: Record<string, unknown>
  instance?: Record<string, unknown>
}

interface CaseSubmission {
  form: string
  subject: string
  rater: string
  role: string
  /** competency id (or '*' for every scored question) -> the answer to each of its questions. */
  levels?: Record<string, number>
  answers?: Record<string, unknown>
}

type CaseEvent = { at: string; rejected?: string; reason?: string; expect?: Checkpoint } & (
  | { type: 'start' }
  | { type: 'submission'; submission: CaseSubmission; replace?: boolean }
  | { type: 'action'; action: string; actor: string; input?: unknown }
  | { type: 'deadline'; state: string; kind?: 'deadline' | 'remind' }
  | { type: 'migrate'; to: string }
)

interface Case {
  description: string
  notes?: string[]
  employee: RosterEntry
  /** The employee's results in the office's earlier cycles, oldest first, as the service builds them. */
  history?: unknown[]
  /** Start on an older variant of the package: workflow.json with this merge patch, at this version. */
  from?: { version: string; workflow?: unknown }
  /** The cycle's params (what HR set for the period), read by expressions as `cycle.params`. */
  cycle?: { params?: Record<string, unknown> }
  events: CaseEvent[]
  expect: Checkpoint
}

/** Every file of the package except the sample data, keyed by its path inside the package. */
function packageFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  const visit = (path: string): void => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name)
      const rel = relative(dir, full).split('\\').join('/')
      if (rel === 'sample') continue
      if (statSync(full).isDirectory()) visit(full)
      else files[rel] = readFileSync(full, 'utf8')
    }
  }
  visit(dir)
  return files
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** RFC 7386 JSON merge patch: objects merge key by key, `null` removes a key, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = mergePatch(out[k], v)
  }
  return out
}

/** The older variant a case starts on: the package's files with workflow.json patched and its version set. */
async function olderVariant(files: Record<string, string>, from: NonNullable<Case['from']>): Promise<{ pkg?: LoadedPackage; problems: string[] }> {
  const workflow = mergePatch(JSON.parse(files['workflow.json']!), from.workflow ?? {}) as Record<string, unknown>
  const { package: pkg, problems } = await loadPackage({ ...files, 'workflow.json': JSON.stringify({ ...workflow, version: from.version }, null, 2) })
  return pkg ? { pkg, problems: [] } : { problems: [`the older variant (from ${from.version}) does not load: ${JSON.stringify(problems)}`] }
}

/** Fills every question of a competency from `levels`; explicit `answers` win. */
function answersOf(pkg: LoadedPackage, s: CaseSubmission): Record<string, unknown> {
  const form = pkg.forms[s.form]
  const out: Record<string, unknown> = {}
  if (s.levels && form) {
    for (const [prop, q] of Object.entries(form.properties)) {
      const competency = q['x-competency']
      if (competency === undefined) continue
      const level = s.levels[competency] ?? s.levels['*']
      if (level !== undefined) out[prop] = level
    }
  }
  return { ...out, ...s.answers }
}

/**
 * Differences between `actual` and the partial `expected`: objects need only the keys written,
 * arrays must have the same length, numbers agree within 1e-9, ABSENT means "no such key".
 */
function mismatches(actual: unknown, expected: unknown, path: string): string[] {
  if (expected === ABSENT) return actual === undefined ? [] : [`${path}: expected no value, found ${JSON.stringify(actual)}`]
  if (actual === undefined) return [`${path}: missing (expected ${JSON.stringify(expected)})`]
  if (typeof expected === 'number' && typeof actual === 'number') {
    return Math.abs(actual - expected) <= 1e-9 ? [] : [`${path}: expected ${expected}, found ${actual}`]
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, found ${JSON.stringify(actual)}`]
    if (actual.length !== expected.length) {
      return [`${path}: expected ${expected.length} item(s), found ${actual.length}: ${JSON.stringify(actual)}`]
    }
    return expected.flatMap((e, i) => mismatches(actual[i], e, `${path}/${i}`))
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      return [`${path}: expected an object, found ${JSON.stringify(actual)}`]
    }
    const a = actual as Record<string, unknown>
    return Object.entries(expected).flatMap(([k, e]) => mismatches(a[k], e, `${path}/${k}`))
  }
  return Object.is(actual, expected) ? [] : [`${path}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`]
}

function check(instance: Instance, want: Checkpoint, where: string): string[] {
  const out: string[] = []
  if (want.state !== undefined) out.push(...mismatches(instance.state, want.state, `${where} state`))
  if (want.status !== undefined) out.push(...mismatches(instance.status, want.status, `${where} status`))
  if (want.outcome !== undefined) out.push(...mismatches(instance.outcome, want.outcome, `${where} outcome`))
  if (want.vars !== undefined) out.push(...mismatches(instance.vars, want.vars, `${where} vars`))
  if (want.instance !== undefined) out.push(...mismatches(instance, want.instance, `${where} instance`))
  return out
}

function engineEvent(pkg: LoadedPackage, event: CaseEvent, index: number, from: LoadedPackage): EngineEvent {
  switch (event.type) {
    case 'start':
      return { type: 'start' }
    case 'submission': {
      const { levels: _levels, answers: _answers, ...envelope } = event.submission
      const submission: ReceivedSubmission = {
        ...envelope,
        answers: answersOf(pkg, event.submission),
        receipt: `case-event-${index}`,
        receivedAt: event.at,
      }
      return { type: 'submission', submission, ...(event.replace ? { replace: true } : {}) }
    }
    case 'action':
      return { type: 'action', action: event.action, actor: event.actor, ...(event.input === undefined ? {} : { input: event.input }) }
    case 'deadline':
      return { type: 'deadline', state: event.state, kind: event.kind ?? 'deadline' }
    case 'migrate':
      return { type: 'migrate', to: event.to, from: refOf(from) }
  }
}

const refOf = (pkg: LoadedPackage) => ({ id: pkg.id, version: pkg.version, hash: pkg.hash })

/**
 * Replays a case; returns every way it differs from what it expects ([] when it passes). `files`
 * are the package's files, for a case that starts on an older variant of it.
 */
async function replay(pkg: LoadedPackage, c: Case, files: Record<string, string>): Promise<string[]> {
  const problems: string[] = []
  const first = c.events[0]
  if (first?.type !== 'start') return ['the first event must be {"type": "start"}']
  // The version the appraisal runs on: the older variant until a migrate event moves it.
  let current = pkg
  if (c.from) {
    const older = await olderVariant(files, c.from)
    if (!older.pkg) return older.problems
    if (older.pkg.hash === pkg.hash || older.pkg.version === pkg.version) {
      return [`'from' gives version ${older.pkg.version} (hash ${older.pkg.hash.slice(0, 12)}): it must differ from the package's ${pkg.version} (${pkg.hash.slice(0, 12)}) in version and in content`]
    }
    current = older.pkg
  }
  let cycle: Cycle = {
    id: `cases-${pkg.id}`,
    office: 'cases',
    name: `Case: ${c.description}`,
    package: refOf(current),
    status: 'running',
    rev: 1,
    rosterSize: 1,
    createdAt: first.at,
    ...(c.cycle?.params ? { params: c.cycle.params } : {}),
  }
  let instance = newInstance({ id: `${cycle.id}/${c.employee.nip}`, cycle, nip: c.employee.nip, now: new Date(first.at) })
  let previous = first.at
  for (const [i, event] of c.events.entries()) {
    const where = `event ${i} (${event.type}${'action' in event ? ` ${event.action}` : ''})`
    if (event.at < previous) problems.push(`${where}: time goes backwards (${event.at} < ${previous})`)
    previous = event.at
    if (event.type === 'deadline') {
      // The service's tick fires only times the instance recorded and that have come.
      const kind = event.kind ?? 'deadline'
      const due = instance.deadlines.find((d) => d.state === event.state && d.kind === kind && d.at <= event.at)
      if (!due) problems.push(`${where}: no ${kind} of '${event.state}' is due at ${event.at} (recorded: ${JSON.stringify(instance.deadlines)})`)
    }
    if (event.type === 'migrate' && current === pkg) {
      problems.push(`${where}: the appraisal is already on version ${pkg.version} (a migrating case starts 'from' an older variant)`)
      continue
    }
    const env: EngineEnv = { now: new Date(event.at), cycle, employee: c.employee, history: c.history ?? [] }
    try {
      // A migration runs on the version it moves to, as the service does.
      const on = event.type === 'migrate' ? pkg : current
      const result = await transition(on, instance, engineEvent(on, event, i, current), env)
      if (event.rejected) problems.push(`${where}: expected a '${event.rejected}' refusal, but it was accepted`)
      instance = result.instance
      if (event.type === 'migrate') {
        // The service records the new version on the instance, and the cycle follows.
        instance = { ...instance, package: refOf(pkg) }
        cycle = { ...cycle, package: refOf(pkg) }
        current = pkg
      }
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      if (!event.rejected) problems.push(`${where}: refused with ${e.code}: ${e.detail} ${JSON.stringify(e.errors ?? [])}`)
      else if (e.code !== event.rejected) problems.push(`${where}: expected '${event.rejected}', got ${e.code}: ${e.detail}`)
      else if (event.reason && !e.detail.includes(event.reason)) problems.push(`${where}: the reason "${e.detail}" does not mention "${event.reason}"`)
    }
    if (instance.status === 'failed' && c.expect.status !== 'failed') {
      problems.push(`${where}: the appraisal failed: ${instance.error?.message}`)
      return problems
    }
    if (event.expect) problems.push(...check(instance, event.expect, `after ${where}:`))
  }
  problems.push(...check(instance, c.expect, 'at the end:'))
  return problems
}

interface SampleAction {
  nip: string
  action: string
  actor: string
  input?: unknown
}

/**
 * Runs the sample cycle: every roster entry answered by its submissions files, then the scripted
 * actions in order. Returns the instances by NIP and every refusal met on the way.
 */
async function runSample(pkg: LoadedPackage, dir: string): Promise<{ instances: Map<string, Instance>; refusals: string[] }> {
  const read = (file: string) => readFileSync(join(dir, file), 'utf8')
  const roster = checkRoster(parseRoster(read('roster.json'), 'json'), pkg).entries
  const submissions = readdirSync(join(dir, 'submissions'))
    .sort()
    .map((f) => JSON.parse(read(`submissions/${f}`)) as Submission)
  const actions = JSON.parse(read('actions.json')) as SampleAction[]
  const t0 = new Date('2026-01-05T01:00:00.000Z')
  const cycle: Cycle = {
    id: 'plaju-2026-sample',
    office: 'kecamatan-plaju',
    name: 'Contoh siklus 2026',
    package: { id: pkg.id, version: pkg.version, hash: pkg.hash },
    status: 'running',
    rev: 1,
    rosterSize: roster.length,
    createdAt: t0.toISOString(),
  }
  const instances = new Map<string, Instance>()
  const refusals: string[] = []
  let minutes = 0
  const step = async (entry: RosterEntry, event: EngineEvent, what: string) => {
    const now = new Date(t0.getTime() + ++minutes * 60_000)
    const instance = instances.get(entry.nip) ?? newInstance({ id: `${cycle.id}/${entry.nip}`, cycle, nip: entry.nip, now })
    try {
      const result = await transition(pkg, instance, event, { now, cycle, employee: entry, history: [] })
      instances.set(entry.nip, result.instance)
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      refusals.push(`${what}: ${e.code}: ${e.detail} ${JSON.stringify(e.errors ?? [])}`)
    }
  }
  for (const entry of roster) {
    await step(entry, { type: 'start' }, `start ${entry.nip}`)
    for (const [i, s] of submissions.entries()) {
      if (s.subject !== entry.nip) continue
      const submission: ReceivedSubmission = { ...s, receipt: `sample-${i}`, receivedAt: t0.toISOString() }
      await step(entry, { type: 'submission', submission }, `${s.role} answer of ${s.rater} about ${s.subject}`)
    }
  }
  for (const a of actions) {
    const entry = roster.find((e) => e.nip === a.nip)
    if (!entry) refusals.push(`action ${a.action}: ${a.nip} is not on the sample roster`)
    else await step(entry, { type: 'action', action: a.action, actor: a.actor, input: a.input }, `action ${a.action} on ${a.nip}`)
  }
  return { instances, refusals }
}

const packages = readdirSync(casesDir).filter((name) => statSync(join(casesDir, name)).isDirectory())

for (const name of packages) {
  describe(`package ${name}`, async () => {
    const pkgFiles = packageFiles(join(root, 'workflows', name))
    const { package: pkg, problems } = await loadPackage(pkgFiles)
    if (!pkg) throw new Error(`workflows/${name} does not load:\n${JSON.stringify(problems, null, 2)}`)
    const files = readdirSync(join(casesDir, name)).filter((f) => f.endsWith('.json')).sort()
    for (const file of files) {
      const c = JSON.parse(readFileSync(join(casesDir, name, file), 'utf8')) as Case
      it(`${c.description} (${file})`, async () => {
        expect(await replay(pkg, c, pkgFiles)).toEqual([])
      })
    }

    const sample = join(root, 'workflows', name, 'sample')
    if (!statSync(sample, { throwIfNoEntry: false })?.isDirectory()) return

    it('has a sample roster whose CSV and JSON agree and name every rater the workflow awaits', () => {
      const json = checkRoster(parseRoster(readFileSync(join(sample, 'roster.json'), 'utf8'), 'json'), pkg)
      const csv = checkRoster(parseRoster(readFileSync(join(sample, 'roster.csv'), 'utf8'), 'csv'), pkg)
      expect(csv.entries).toEqual(json.entries)
      expect(json.warnings).toEqual([])
    })

    it('has sample submissions that are valid Submission objects answering their role\'s form', () => {
      const problems: string[] = []
      for (const file of readdirSync(join(sample, 'submissions')).sort()) {
        const s = JSON.parse(readFileSync(join(sample, 'submissions', file), 'utf8')) as Submission
        if (!validateSubmission(s)) problems.push(`${file}: ${JSON.stringify(validateSubmission.errors)}`)
        else if (!formsOfRole(pkg.workflow, s.role).includes(s.form)) problems.push(`${file}: role '${s.role}' answers form ${formsOfRole(pkg.workflow, s.role).join(' or ')}, not '${s.form}'`)
        else problems.push(...(pkg.formChecks[s.form]?.(s.answers) ?? []).map((e) => `${file} ${e.path}: ${e.message}`))
      }
      expect(problems).toEqual([])
    })

    it('runs the sample cycle to the end: every answer and scripted action is accepted and every appraisal is final', async () => {
      const { instances, refusals } = await runSample(pkg, sample)
      expect(refusals).toEqual([])
      const unfinished = [...instances.values()].filter((i) => i.status !== 'done').map((i) => `${i.nip}: ${i.status} in ${i.state} ${i.error?.message ?? ''}`)
      expect(unfinished).toEqual([])
      for (const i of instances.values()) expect(typeof i.vars.predikat, `predikat of ${i.nip}`).toBe('string')
    })
  })
}

// ---- Webhook fixtures -> the short form ------------------------------------------------------

interface FixtureBinding {
  file: string
  builder: string
  /** builder field name -> form property */
  mapping: Record<string, string>
  /** the builder's role answer -> the role (where the builder sends a label, not self/supervisor/peer) */
  roleValues?: Record<string, string>
  /** the payload has no rater field: a self-assessment's rater is its subject */
  raterIsSubject?: boolean
  /** properties the payload cannot supply: the fixture cannot be accepted as sent */
  missing?: string[]
  expect: { subject: string; rater: string | null; role: string }
}

interface FixtureTable {
  package: string
  form: string
  roster: string
  fixtures: FixtureBinding[]
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
const isRecord = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Puts `value` under `name`, and an object's members under `name<sep>member` (nested groups, matrices). */
function spreadInto(out: Record<string, unknown>, name: string, value: unknown, sep: string): void {
  if (isRecord(value)) for (const [k, v] of Object.entries(value)) spreadInto(out, `${name}${sep}${k}`, v, sep)
  else out[name] = value
}

/** Kobo and ODK: every text answer also as `<key>[]`, split on spaces (the form of a select_multiple). */
function withChoiceLists(fields: Record<string, unknown>): Record<string, unknown> {
  const out = { ...fields }
  for (const [k, v] of Object.entries(fields)) if (typeof v === 'string' && !k.startsWith('_')) out[`${k}[]`] = v.split(/\s+/).filter(Boolean)
  return out
}

/** The `rawRequest` part of a Jotform multipart body (boundary = first line). */
function jotformRawRequest(text: string): unknown {
  const boundary = text.slice(0, text.indexOf('\r\n'))
  for (const part of text.split(boundary)) {
    const head = part.indexOf('\r\n\r\n')
    if (head >= 0 && part.slice(0, head).includes('name="rawRequest"')) return JSON.parse(part.slice(head + 4).replace(/\r\n$/, ''))
  }
  throw new Error('no rawRequest part')
}

/**
 * The payload's answers under the field names test/fixtures/webhooks/README.md documents for
 * each builder (a stand-in for the plugins, so the table is checked against the bytes).
 */
function builderFields(builder: string, text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  switch (builder) {
    case 'kobo': // flat XPath keys, as sent; '<key>[]' splits a select_multiple's space-separated text
      return withChoiceLists(JSON.parse(text))
    case 'odk-central': // one submission of the OData page; nested groups joined with '/' like Kobo's keys
      for (const [k, v] of Object.entries(JSON.parse(text).value[0])) if (!k.startsWith('__')) spreadInto(out, k, v, '/')
      return withChoiceLists(out)
    case 'google-forms': // item title; a grid row as 'Title [Row]'
      for (const a of JSON.parse(text).answers) {
        if (a.type === 'GRID') a.rows.forEach((row: string, i: number) => (out[`${a.title} [${row}]`] = a.response[i]))
        else out[a.title] = a.response
      }
      return out
    case 'tally': // field key (labels are aliases)
      for (const f of JSON.parse(text).data.fields) out[f.key] = f.value
      return out
    case 'typeform': { // hidden field name; answer by field ref
      const r = JSON.parse(text).form_response
      Object.assign(out, r.hidden)
      for (const a of r.answers) out[a.field.ref] = a.type === 'choice' ? a.choice.label : a[a.type]
      return out
    }
    case 'jotform': // rawRequest key q<n>_<name>
      return jotformRawRequest(text) as Record<string, unknown>
    case 'formbricks': // question or hidden field id in data.data
      return JSON.parse(text).data.data
    case 'surveyjs': // question name; a matrix row as 'name.row'
      for (const [k, v] of Object.entries(JSON.parse(text).data)) spreadInto(out, k, v, '.')
      return out
  }
  throw new Error(`no field naming for builder '${builder}'`)
}

/** What a binding does with the mapped values: role labels translated, scores and choices typed. */
function ringkasAnswers(pkg: LoadedPackage, form: string, f: FixtureBinding, fields: Record<string, unknown>): Record<string, unknown> {
  const props = pkg.forms[form]!.properties as Record<string, Record<string, unknown>>
  const answers: Record<string, unknown> = {}
  for (const [field, prop] of Object.entries(f.mapping)) {
    let v = fields[field]
    if (prop === 'role' && typeof v === 'string' && f.roleValues?.[v]) v = f.roleValues[v]
    // As the intake does (coerce-answers.ts): Kobo, ODK, Google Forms and Jotform send scores as text.
    if (props[prop]?.type === 'integer' && typeof v === 'string' && /^\d+$/.test(v)) v = Number(v)
    answers[prop] = v
  }
  if (f.raterIsSubject && answers.rater === undefined) answers.rater = answers.subject
  return answers
}

describe('webhook fixtures', async () => {
  const table = JSON.parse(readFileSync(join(casesDir, 'webhook-fixtures.json'), 'utf8')) as FixtureTable
  const fixturesDir = join(root, 'test/fixtures/webhooks')
  const { package: pkg } = await loadPackage(packageFiles(join(root, 'workflows', table.package)))
  if (!pkg) throw new Error(`workflows/${table.package} does not load`)
  const roster = checkRoster(parseRoster(readFileSync(join(root, table.roster), 'utf8'), 'csv'), pkg)
  const readme = readFileSync(join(fixturesDir, 'README.md'), 'utf8')

  it('has a roster that fits the package, names every NIP in the fixtures and gives each employee 3 peers', () => {
    expect(roster.warnings).toEqual([])
    const onRoster = new Set(roster.entries.map((e) => e.nip))
    // 18 digits exactly: the 19-digit trigger and submission ids and 13-digit timestamps are not NIPs.
    const named = readdirSync(fixturesDir)
      .filter((f) => /\.(json|txt)$/.test(f))
      .flatMap((f) => [...readFileSync(join(fixturesDir, f), 'utf8').matchAll(/(?<!\d)\d{18}(?!\d)/g)].map((m) => `${f}: ${m[0]}`))
    expect(named.filter((n) => !onRoster.has(n.split(': ')[1]!))).toEqual([])
    expect(table.fixtures.map((f) => f.file).sort()).toEqual(readdirSync(fixturesDir).filter((f) => /\.(json|txt)$/.test(f)).sort())
  })

  for (const f of table.fixtures) {
    it(`maps ${f.file} onto form '${table.form}' as the ${f.expect.role} answer of ${f.expect.rater ?? 'an unnamed rater'} about ${f.expect.subject}`, () => {
      const fields = builderFields(f.builder, readFileSync(join(fixturesDir, f.file), 'utf8'))
      expect(Object.keys(f.mapping).filter((field) => !(field in fields)), 'mapped fields the payload lacks').toEqual([])
      expect(Object.keys(f.mapping).filter((field) => !readme.includes(`\`${field}\``)), 'mapped fields the README does not name').toEqual([])

      const answers = ringkasAnswers(pkg, table.form, f, fields)
      expect({ subject: answers.subject, rater: answers.rater ?? null, role: answers.role }).toEqual(f.expect)
      const errors = pkg.formChecks[table.form]!(answers)
      expect(errors.map((e) => e.path).sort()).toEqual((f.missing ?? []).map((p) => `/${p}`).sort())

      const employee = roster.entries.find((e) => e.nip === f.expect.subject)
      expect(employee, `${f.expect.subject} on the roster`).toBeDefined()
      expect(formsOfRole(pkg.workflow, f.expect.role)).toContain(table.form)
      if (f.expect.rater !== null) expect(raterRefusal(pkg.workflow, f.expect.role, f.expect.rater, employee!)).toBeNull()
    })
  }
})
