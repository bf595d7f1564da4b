/**
 * Builds a LoadedPackage in memory for engine tests, the way the package loader does: every
 * expression compiled once under its workflow.json pointer, forms and action inputs checked by
 * ajv. Also a fixed clock, a cycle and a small roster.
 */
import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { compileExpression } from '../../src/engine/expression.ts'
import { formsInUse } from '../../src/engine/role-forms.ts'
import { newInstance, transition } from '../../src/engine/transition.ts'
import type { EngineEnv, EngineEvent, TransitionResult } from '../../src/engine/types.ts'
import type { FieldError } from '../../src/errors.ts'
import type { Form, Framework, RosterEntry, Workflow } from '../../src/generated/types.ts'
import type { CompiledExpression, LoadedPackage, SchemaCheck } from '../../src/package/loaded-package.ts'
import type { Cycle, Instance, ReceivedSubmission } from '../../src/store/records.ts'

const ajv = new Ajv2020({ allErrors: true, strict: false })
addFormats(ajv)

function check(schema: object): SchemaCheck {
  const validate = ajv.compile(schema)
  return (data) =>
    validate(data) ? [] : (validate.errors ?? []).map((e): FieldError => ({ path: e.instancePath, message: e.message ?? 'is invalid' }))
}

export const FRAMEWORK: Framework = {
  id: 'test',
  title: { id: 'Uji' },
  competencies: ['integritas', 'kerjasama', 'komunikasi'].map((id) => ({
    id,
    name: { id },
    type: 'manajerial' as const,
    dimension: 'attitude' as const,
    levels: { 1: { description: { id: '1' } }, 2: { description: { id: '2' } }, 3: { description: { id: '3' } }, 4: { description: { id: '4' } }, 5: { description: { id: '5' } } },
  })),
  positions: [{ id: 'camat', title: { id: 'Camat' }, required: { integritas: 4, kerjasama: 3, komunikasi: 3 } }],
}

const score = (competency: string, weight?: number) => ({
  type: 'integer' as const,
  minimum: 1,
  maximum: 5,
  'x-competency': competency,
  ...(weight === undefined ? {} : { 'x-weight': weight }),
})

/** One form every role uses unless a test passes its own. */
export const FORM: Form = {
  type: 'object',
  title: 'Penilaian',
  properties: {
    integritas_1: score('integritas', 2),
    integritas_2: score('integritas'),
    kerjasama_1: score('kerjasama'),
    komentar: { type: 'string' },
  },
  required: ['integritas_1', 'kerjasama_1'],
  additionalProperties: false,
}

export function makePackage(workflow: Workflow, opts: { framework?: Framework; forms?: Record<string, Form>; files?: Record<string, string> } = {}): LoadedPackage {
  const forms = opts.forms ?? Object.fromEntries(formsInUse(workflow).map((f) => [f, FORM]))
  const files = opts.files ?? {}
  const expressions = new Map<string, CompiledExpression>()
  const add = (pointer: string, value: string | { file: string }) => {
    const file = typeof value === 'string' ? 'workflow.json' : value.file
    const source = typeof value === 'string' ? value : files[value.file]
    if (source === undefined) throw new Error(`no file ${file}`)
    expressions.set(pointer, compileExpression(source, { file, pointer }))
  }
  const actionChecks: Record<string, SchemaCheck> = {}
  for (const [name, state] of Object.entries(workflow.states)) {
    const base = `/states/${name}`
    if (state.type === 'compute') for (const [v, e] of Object.entries(state.assign)) add(`${base}/assign/${v}`, e)
    if (state.type === 'choice') state.choices.forEach((c, i) => add(`${base}/choices/${i}/when`, c.when))
    if (state.type === 'notify') {
      add(`${base}/to`, state.to)
      add(`${base}/template`, state.template)
    }
    if (state.type === 'review') {
      for (const [a, action] of Object.entries(state.actions)) {
        for (const [v, e] of Object.entries(action.assign ?? {})) add(`${base}/actions/${a}/assign/${v}`, e)
        if (action.input) actionChecks[`${name}/${a}`] = check(action.input)
      }
    }
  }
  return {
    id: workflow.id,
    version: workflow.version,
    hash: 'test-hash',
    files: { 'workflow.json': JSON.stringify(workflow), ...files },
    workflow,
    framework: opts.framework ?? FRAMEWORK,
    forms,
    expressions,
    formChecks: Object.fromEntries(Object.entries(forms).map(([id, f]) => [id, check(f)])),
    actionChecks,
  }
}

/** 18-digit NIPs of a small office. */
export const NIP = {
  camat: '198501012010011001',
  sekcam: '197801012005011002',
  bupati: '197001011995031003',
  peer1: '199001012015011004',
  peer2: '199101012015012005',
  peer3: '199201012016011006',
  peer4: '199301012017012007',
  outsider: '199901012020011008',
} as const

export const EMPLOYEE: RosterEntry = {
  nip: NIP.camat,
  name: 'Andi',
  position: 'camat',
  supervisor: NIP.sekcam,
  superior: NIP.bupati,
  peers: [NIP.peer1, NIP.peer2, NIP.peer3, NIP.peer4],
}

export const T0 = new Date('2026-03-02T08:00:00.000Z')

export const CYCLE: Cycle = {
  id: 'plaju-2026',
  office: 'plaju',
  name: 'Penilaian 2026',
  package: { id: 'test', version: '1.0.0', hash: 'test-hash' },
  status: 'running',
  rev: 1,
  rosterSize: 1,
  createdAt: T0.toISOString(),
}

export function env(now: Date = T0, employee: RosterEntry = EMPLOYEE): EngineEnv {
  return { now, cycle: CYCLE, employee, history: [] }
}

let receipts = 0

export function answer(role: string, rater: string, answers: Record<string, unknown>, form = 'penilaian', subject: string = NIP.camat): ReceivedSubmission {
  receipts++
  return { form, subject, rater, role, answers, receipt: `r${receipts}`, receivedAt: T0.toISOString() }
}

export const days = (n: number, from: Date = T0): Date => new Date(from.getTime() + n * 86_400_000)

/** Starts an instance of EMPLOYEE (or `e.employee`) at T0. */
export function start(pkg: LoadedPackage, e: EngineEnv = env()): Promise<TransitionResult> {
  return transition(pkg, newInstance({ id: `${CYCLE.id}/${e.employee.nip}`, cycle: CYCLE, nip: e.employee.nip, now: e.now }), { type: 'start' }, e)
}

/** Applies events one after another; returns the last result and every event type on the way. */
export async function apply(pkg: LoadedPackage, instance: Instance, events: EngineEvent[], e: EngineEnv = env()): Promise<TransitionResult & { trail: string[] }> {
  let result: TransitionResult = { instance, events: [], effects: [] }
  const trail: string[] = []
  for (const event of events) {
    result = await transition(pkg, result.instance, event, e)
    trail.push(...result.events.map((ev) => ev.type))
  }
  return { ...result, trail }
}

export const submit = (submission: ReceivedSubmission, replace?: boolean): EngineEvent => ({ type: 'submission', submission, ...(replace ? { replace } : {}) })
