/**
 * Instances: one appraisee in one cycle. Every change goes load -> transition (pure) -> commit
 * with the expected rev -> effects; a conflicting writer makes us reload and try again, so no
 * event is ever lost to a race.
 */
import { oneAtATime } from './keyed-queue.ts'
import { AppError, VersionConflict } from '../errors.ts'
import { transition } from '../engine/transition.ts'
import { HistoryNeeded, type EngineEnv, type EngineEvent, type Effect, type TransitionResult } from '../engine/types.ts'
import type { LoadedPackage } from '../package/loaded-package.ts'
import type { Cycle, Instance } from '../store/records.ts'
import type { Deps } from './deps.ts'
import { deliverDue, messagesFor, moveToOutbox } from './outbox.ts'
import { instanceId } from './cycles.ts'
import { copy } from '../store/copy.ts'

const MAX_ATTEMPTS = 8

export async function getInstance(deps: Deps, id: string): Promise<Instance> {
  const instance = await deps.store.getInstance(id)
  if (!instance) throw new AppError('not-found', `instance '${id}' does not exist`)
  return instance
}

/** The office's cycles made before `cycle`, oldest first: where an employee's history comes from. */
export async function earlierCycles(deps: Deps, office: string, cycle: string): Promise<Cycle[]> {
  const all = await deps.store.listCycles(office)
  const created = all.find((c) => c.id === cycle)?.createdAt
  // Only cycles made before this one: a newer cycle is not the history of an older one.
  return all.filter((c) => c.id !== cycle && (created === undefined || c.createdAt < created)).sort((a, b) => a.createdAt.localeCompare(b.createdAt))
}

/** This employee's finished results in `cycles` (earlierCycles), oldest first. */
export async function historyIn(deps: Deps, cycles: Cycle[], nip: string): Promise<unknown[]> {
  const history: unknown[] = []
  for (const c of cycles) {
    const done = await deps.store.getInstance(instanceId(c.id, nip))
    if (done?.status === 'done') history.push({ cycle: { id: c.id, name: c.name, package: c.package, params: c.params ?? {}, status: c.status, createdAt: c.createdAt }, outcome: done.outcome, vars: done.vars })
  }
  return history
}

/** This employee's finished results in the office's earlier cycles, oldest first. */
export async function employeeHistory(deps: Deps, office: string, cycle: string, nip: string): Promise<unknown[]> {
  return historyIn(deps, await earlierCycles(deps, office, cycle), nip)
}

/**
 * Runs a transition without the employee's history, and again with it if a formula reads it (the
 * transition is pure, so the first run leaves nothing behind). The history is read when it is
 * needed, never kept: an earlier cycle's result that changes is seen by the next event.
 */
export async function transitionWithHistory(
  pkg: LoadedPackage,
  instance: Instance,
  event: EngineEvent,
  env: Omit<EngineEnv, 'history'>,
  loadHistory: () => Promise<unknown[]>,
): Promise<TransitionResult> {
  try {
    return await transition(pkg, instance, event, { ...env, history: undefined })
  } catch (e) {
    if (!(e instanceof HistoryNeeded)) throw e
    return transition(pkg, instance, event, { ...env, history: await loadHistory() })
  }
}

/**
 * Applies one event to an instance and saves it. Rejections (AppError from the engine) propagate
 * unchanged; version conflicts are retried on a fresh copy. The event may be made from the
 * instance as it is when its turn comes (never change that instance: it is the stored one).
 */
export async function applyEvent(
  deps: Deps,
  id: string,
  event: EngineEvent | ((current: Readonly<Instance>) => EngineEvent),
  opts: {
    /** A migration: run on this package version from now on, recording who moved it. */
    move?: { package: { id: string; version: string; hash: string }; by: string }
    /** How an action reached us (`key:<id>` or `link`), for the audit trail. */
    via?: string
    /** The error when the instance does not exist (default: 404 not-found). */
    missing?: () => AppError
  } = {},
): Promise<{ instance: Instance; effects: Effect[]; changed: boolean }> {
  // Queued per instance: a burst of answers to one appraisal is applied in turn, not raced.
  return oneAtATime(deps.store, `instance:${id}`, () => applyEventNow(deps, id, event, opts))
}

async function applyEventNow(
  deps: Deps,
  id: string,
  made: Parameters<typeof applyEvent>[2],
  opts: Parameters<typeof applyEvent>[3] = {},
): Promise<{ instance: Instance; effects: Effect[]; changed: boolean }> {
  const { move, via } = opts
  for (let attempt = 1; ; attempt++) {
    // Not copied: the transition works on its own copy, and nothing here changes `current`.
    const current = await deps.store.peekInstance(id)
    if (!current) throw opts.missing?.() ?? new AppError('not-found', `instance '${id}' does not exist`)
    const event = typeof made === 'function' ? made(current) : made
    const cycle = await deps.store.getCycle(current.cycle)
    if (!cycle) throw new AppError('not-found', `cycle '${current.cycle}' does not exist`)
    if (cycle.status === 'closed') throw new AppError('conflict', `cycle '${cycle.id}' is closed: its results are frozen and take no more events`)
    const employee = await deps.store.getRosterEntry(cycle.id, current.nip)
    if (!employee) throw new AppError('conflict', `employee ${current.nip} is no longer on the roster of cycle '${cycle.id}'`)
    const ref = move?.package ?? current.package ?? cycle.package
    const pkg = await deps.packages.version(ref.id, ref.hash)
    const now = deps.clock.now()
    const result = await transitionWithHistory(pkg, current, event, { now, cycle, employee }, () => employeeHistory(deps, cycle.office, cycle.id, current.nip))
    if (result.events.length === 0) return { instance: copy(current), effects: [], changed: false }
    const moved = move ? { ...result.instance, package: move.package } : result.instance
    // The messages go into the same write as the change that made them (see moveToOutbox).
    const messages = await messagesFor(deps, { ...moved, rev: current.rev + 1 }, result.effects)
    const next = messages.length > 0 ? { ...moved, outbox: [...(moved.outbox ?? []), ...messages] } : moved
    const events = result.events.map((e) =>
      move && e.type === 'migrated' ? { ...e, data: { ...e.data, by: move.by } } : via && e.type === 'action' ? { ...e, data: { ...e.data, via } } : e,
    )
    try {
      const saved = await deps.store.commitInstance({ ...next, updatedAt: now.toISOString() }, current.rev, events)
      await moveToOutbox(deps, saved).catch((e) => deps.logger.error('could not move messages to the outbox; the tick will', { instance: saved.id, error: String(e) }))
      return { instance: saved, effects: result.effects, changed: true }
    } catch (e) {
      if (e instanceof VersionConflict && attempt < MAX_ATTEMPTS) continue
      if (e instanceof VersionConflict) throw new AppError('unavailable', `instance '${id}' is busy; try again`, { cause: e })
      throw e
    }
  }
}

/**
 * A person's decision. `via` says how they reached us (an API key, or their signed link). Someone
 * who is not the person the state names is refused with 403, and the attempt stays on the trail.
 */
export async function performAction(
  deps: Deps,
  id: string,
  action: string,
  body: { actor: string; input?: unknown },
  via: string,
): Promise<Instance> {
  try {
    return (await applyEvent(deps, id, { type: 'action', action, actor: body.actor, input: body.input }, { via })).instance
  } catch (e) {
    if (e instanceof AppError && e.code === 'action-forbidden') {
      await recordEvent(deps, id, { type: 'action-refused', data: { ...e.extra, via, reason: e.detail } }).catch((err) =>
        deps.logger.error('could not record a refused action', { instance: id, error: String(err) }),
      )
    }
    throw e
  }
}

/** Appends an event to the trail without changing the appraisal (it only bumps its rev). */
async function recordEvent(deps: Deps, id: string, event: { type: string; data: Record<string, unknown> }): Promise<void> {
  return oneAtATime(deps.store, `instance:${id}`, () => recordEventNow(deps, id, event))
}

async function recordEventNow(deps: Deps, id: string, event: { type: string; data: Record<string, unknown> }): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const current = await getInstance(deps, id)
    const at = deps.clock.now().toISOString()
    try {
      await deps.store.commitInstance(current, current.rev, [{ ...event, at }])
      return
    } catch (e) {
      if (!(e instanceof VersionConflict) || attempt >= MAX_ATTEMPTS) throw e
    }
  }
}

/** Fires every deadline that has come, then sends the messages due. Returns how many instances moved. */
export async function tick(deps: Deps): Promise<number> {
  const now = deps.clock.now()
  let moved = 0
  const closed = new Map<string, boolean>()
  for (const instance of await deps.store.listDueInstances(now.toISOString())) {
    // A closed cycle is frozen: its leftover deadlines never fire.
    if (!closed.has(instance.cycle)) closed.set(instance.cycle, (await deps.store.getCycle(instance.cycle))?.status === 'closed')
    // Messages a crash left on the instance go to the outbox first (even in a closed cycle).
    if (instance.outbox?.length) await moveToOutbox(deps, instance).catch((e) => deps.logger.error('could not move messages to the outbox', { instance: instance.id, error: String(e) }))
    if (closed.get(instance.cycle)) continue
    const passed = instance.deadlines.filter((d) => d.at <= now.toISOString())
    // After downtime a state's reminders may have come together with its deadline: the deadline
    // moves the appraisal on, so a reminder to answer a form that has closed is not sent.
    const closing = new Set(passed.filter((d) => d.kind === 'deadline').map((d) => d.state))
    const due = passed.filter((d) => d.kind === 'deadline' || !closing.has(d.state)).sort((a, b) => a.at.localeCompare(b.at))
    for (const d of due) {
      try {
        const r = await applyEvent(deps, instance.id, { type: 'deadline', state: d.state, kind: d.kind })
        if (r.changed) moved++
      } catch (e) {
        deps.logger.error('deadline failed', { instance: instance.id, state: d.state, error: String(e) })
      }
    }
  }
  // Then what the appraisals have to say (including the reminders just fired).
  await deliverDue(deps).catch((e) => deps.logger.error('outbox delivery failed', { error: String(e) }))
  return moved
}
