/**
 * The engine's one entry point: (package, instance, event, env) -> next instance, events, effects.
 * Pure: no I/O, no clock but env.now, inputs never mutated. A fault in the package (an expression
 * that fails, a loop) fails this appraisal and is recorded; it never takes the service down.
 */
import { AppError } from '../errors.ts'
import type { LoadedPackage } from '../package/loaded-package.ts'
import type { Cycle, Instance } from '../store/records.ts'
import { workingCopy } from './clone.ts'
import { fireDeadline } from './deadline.ts'
import { enterState } from './enter.ts'
import { applyAction } from './review.ts'
import { emit, nowText, WorkflowFailure, type Run } from './run.ts'
import { acceptSubmission } from './submission.ts'
import type { EngineEnv, EngineEvent, TransitionResult } from './types.ts'

/** A blank instance for `nip` in `cycle`, before the 'start' event. */
export function newInstance(args: { id: string; cycle: Cycle; nip: string; now: Date }): Instance {
  const at = args.now.toISOString()
  return {
    id: args.id,
    cycle: args.cycle.id,
    office: args.cycle.office,
    nip: args.nip,
    rev: 0,
    status: 'active',
    state: '',
    stateEnteredAt: at,
    vars: {},
    responses: {},
    tasks: [],
    deadlines: [],
    explanations: {},
    createdAt: at,
    updatedAt: at,
  }
}

export async function transition(pkg: LoadedPackage, instance: Instance, event: EngineEvent, env: EngineEnv): Promise<TransitionResult> {
  const run: Run = { pkg, env, instance: workingCopy(instance), events: [], effects: [], steps: 0 }
  try {
    await apply(run, event)
  } catch (e) {
    const failure = asFailure(e)
    if (!failure) throw e
    fail(run, failure)
  }
  if (run.events.length > 0) run.instance.updatedAt = nowText(run)
  return { instance: run.instance, events: run.events, effects: run.effects }
}

async function apply(run: Run, event: EngineEvent): Promise<void> {
  switch (event.type) {
    case 'start':
      if (run.instance.state !== '') throw new AppError('conflict', `the appraisal of ${run.instance.nip} has already started`)
      emit(run, 'started', { package: { id: run.pkg.id, version: run.pkg.version, hash: run.pkg.hash } })
      await enterState(run, run.pkg.workflow.start, null)
      return
    case 'submission':
      await acceptSubmission(run, structuredClone(event.submission), event.replace === true)
      return
    case 'action':
      await applyAction(run, event.action, event.actor, structuredClone(event.input))
      return
    case 'deadline':
      await fireDeadline(run, event.state, event.kind)
      return
    case 'migrate': {
      const i = run.instance
      if (i.status !== 'active') throw new AppError('conflict', `the appraisal of ${i.nip} has ${i.status === 'done' ? 'ended' : 'failed'}; only active ones move to a new version`)
      if (!(event.to in run.pkg.workflow.states)) throw new AppError('conflict', `version ${run.pkg.version} has no state '${event.to}'`)
      const to = { id: run.pkg.id, version: run.pkg.version, hash: run.pkg.hash }
      emit(run, 'migrated', { from: { package: event.from, state: i.state }, to: { package: to, state: event.to } })
      await enterState(run, event.to, i.state)
      return
    }
  }
}

/** Faults of the package that fail the appraisal; anything else (a rejection, a bug) propagates. */
function asFailure(e: unknown): WorkflowFailure | null {
  if (e instanceof WorkflowFailure) return e
  if (e instanceof AppError && e.code === 'expression-failed') return new WorkflowFailure(e.code, e.detail)
  return null
}

function fail(run: Run, failure: WorkflowFailure): void {
  const i = run.instance
  const at = nowText(run)
  i.status = 'failed'
  i.error = { code: failure.code, message: failure.message, state: i.state, at }
  // A failed appraisal waits for nobody: no tasks to show, no deadlines for the tick to fire.
  i.tasks = []
  i.deadlines = []
  emit(run, 'failed', { state: i.state, code: failure.code, message: failure.message })
}
