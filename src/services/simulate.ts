/**
 * Simulation: runs a package over sample data in a throw-away memory store, through the same
 * services a real cycle uses, and reports the trace and the results. Nothing is stored, so HR can
 * try a change before a cycle starts.
 */
import { AppError, isAppError } from '../errors.ts'
import type { Submission } from '../generated/types.ts'
import { validateSubmission } from '../generated/validators.js'
import { translateAjvErrors } from '../json/ajv-errors.ts'
import type { LoadedPackage } from '../package/loaded-package.ts'
import { createMemoryStore } from '../store/memory-store.ts'
import { createPluginRegistry } from '../../plugins/registry.ts'
import { createCycle, instanceId, startCycle } from './cycles.ts'
import { fixedClock, silentLogger, type Deps } from './deps.ts'
import { applyEvent, tick } from './instances.ts'
import { createOffice } from './offices.ts'
import { createPackageRegistry } from './package-registry.ts'
import { importRoster } from './roster.ts'
import { eventsView, instanceView } from './views.ts'

export interface ScriptedAction {
  nip: string
  action: string
  actor: string
  input?: unknown
}

export interface SimulationInput {
  roster: unknown[]
  submissions: Submission[]
  actions?: ScriptedAction[]
  /** Let every remaining deadline pass at the end (objection windows close, etc.). Default true. */
  runDeadlines?: boolean
  /** When the simulated cycle starts (ISO). Default: now. */
  start?: string
}

export interface SimulationStep {
  step: string
  nip?: string
  ok: boolean
  detail?: string
  errors?: { path: string; message: string }[]
}

export async function simulate(pkg: LoadedPackage, input: SimulationInput) {
  assertSimulationInput(input)
  const clock = fixedClock(input.start ?? new Date().toISOString())
  const store = createMemoryStore()
  const deps: Deps = {
    store,
    clock,
    packages: createPackageRegistry(store, async () => ({ package: pkg, problems: [] }), [pkg]),
    plugins: createPluginRegistry([]),
    logger: silentLogger,
    secrets: () => undefined,
  }
  const steps: SimulationStep[] = []
  const record = async (step: string, nip: string | undefined, run: () => Promise<unknown>) => {
    try {
      await run()
      steps.push({ step, nip, ok: true })
    } catch (e) {
      if (!isAppError(e)) throw e
      steps.push({ step, nip, ok: false, detail: e.detail, errors: e.errors })
    }
  }

  await createOffice(deps, { id: 'simulation', name: 'Simulation' })
  let cycle = await createCycle(deps, 'simulation', { name: 'Simulation', package: pkg.id })
  cycle = (await importRoster(deps, cycle, input.roster)).cycle
  await startCycle(deps, cycle)

  let n = 0
  for (const s of input.submissions) {
    n++
    await record(`submission ${n} (${s.role}, form ${s.form})`, s.subject, () =>
      applyEvent(deps, instanceId(cycle.id, s.subject), {
        type: 'submission',
        submission: { ...s, receipt: `sim-${n}`, receivedAt: clock.now().toISOString() },
      }),
    )
  }
  for (const a of input.actions ?? []) {
    await record(`action '${a.action}' by ${a.actor}`, a.nip, () =>
      applyEvent(deps, instanceId(cycle.id, a.nip), { type: 'action', action: a.action, actor: a.actor, input: a.input }),
    )
  }
  if (input.runDeadlines ?? true) {
    // Jump to each next deadline in turn until none is left (bounded: a workflow may loop).
    for (let round = 0; round < 50; round++) {
      const pending = (await store.listInstances(cycle.id, { status: 'active' })).flatMap((i) => i.deadlines.map((d) => d.at))
      if (pending.length === 0) break
      clock.set(pending.sort()[0]!)
      const moved = await tick(deps)
      steps.push({ step: `time passes to ${clock.now().toISOString()}: ${moved} instance(s) moved`, ok: true })
    }
  }

  const instances = await store.listInstances(cycle.id)
  const results = []
  for (const i of instances) {
    const events = eventsView(await store.listEvents(i.id), pkg)
    results.push({ ...instanceView(i, pkg), trace: events })
  }
  return { package: { id: pkg.id, version: pkg.version, hash: pkg.hash }, steps, results }
}

export function assertSimulationInput(body: unknown): SimulationInput {
  const b = body as Partial<SimulationInput> | null
  const errors = []
  if (!b || typeof b !== 'object') throw new AppError('validation-failed', 'the body must be an object', { errors: [{ path: '/', message: 'must be an object' }] })
  if (!Array.isArray(b.roster)) errors.push({ path: '/roster', message: 'must be an array of roster entries' })
  if (!Array.isArray(b.submissions)) errors.push({ path: '/submissions', message: 'must be an array of submissions' })
  if (b.actions !== undefined && !Array.isArray(b.actions)) errors.push({ path: '/actions', message: 'must be an array of actions' })
  // Each item's shape too: the run uses a submission's subject and an action's nip as ids, and an
  // object there (or a null item) broke it with a 500 instead of saying which item is wrong.
  if (Array.isArray(b.submissions)) {
    b.submissions.forEach((s, i) => {
      if (!validateSubmission(s)) for (const e of translateAjvErrors(validateSubmission.errors ?? [])) errors.push({ path: `/submissions/${i}` + (e.path === '/' ? '' : e.path), message: e.message })
    })
  }
  if (Array.isArray(b.actions)) {
    b.actions.forEach((a: Partial<ScriptedAction> | null, i) => {
      for (const k of ['nip', 'action', 'actor'] as const) {
        if (typeof a?.[k] !== 'string') errors.push({ path: `/actions/${i}/${k}`, message: 'must be a string' })
      }
    })
  }
  if (errors.length) throw new AppError('validation-failed', 'the simulation input is invalid', { errors })
  return b as SimulationInput
}
