/**
 * Cycles: one appraisal period of one office, bound to one exact package version. A cycle is
 * created as a draft, gets its roster, and is started: then every roster entry becomes an instance
 * that enters the workflow's first state.
 */
import { AppError, VersionConflict } from '../errors.ts'
import { newInstance } from '../engine/transition.ts'
import type { Cycle, Instance } from '../store/records.ts'
import { newId } from '../util/crypto.ts'
import type { Deps } from './deps.ts'
import { getOffice } from './offices.ts'
import { earlierCycles, historyIn, transitionWithHistory } from './instances.ts'
import { messagesFor, moveToOutbox } from './outbox.ts'

export const instanceId = (cycle: string, nip: string) => `${cycle}.${nip}`

export async function createCycle(
  deps: Deps,
  office: string,
  input: { name: string; package: string; version?: string; params?: Record<string, unknown> },
): Promise<Cycle> {
  await getOffice(deps, office)
  const pkg = deps.packages.current(input.package)
  if (!pkg) {
    const known = deps.packages.list().map((p) => p.id)
    throw new AppError('not-found', `package '${input.package}' is not loaded; available: ${known.join(', ') || 'none'}`)
  }
  if (input.version !== undefined && input.version !== pkg.version) {
    throw new AppError('conflict', `package '${pkg.id}' is at version ${pkg.version}, not ${input.version}`)
  }
  if (input.params) checkParams(input.params)
  const now = deps.clock.now()
  await deps.packages.pin(pkg, now)
  const cycle: Cycle = {
    id: newId('cyc'),
    office,
    name: input.name,
    package: { id: pkg.id, version: pkg.version, hash: pkg.hash },
    status: 'draft',
    rev: 0,
    rosterSize: 0,
    createdAt: now.toISOString(),
    ...(input.params ? { params: input.params } : {}),
  }
  await deps.store.createCycle(cycle)
  return cycle
}

/** Params are small facts (a period, a year, the organisation's predikat), not a data store. */
export const MAX_PARAMS_BYTES = 64 * 1024
export const MAX_PARAMS_DEPTH = 16
/** A name a formula can write as `cycle.params.<name>` (a '-' would read as a minus). */
export const PARAM_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/

/**
 * Refuses params too big or too deep to be facts of a period, without recursion (a hostile body
 * nested a million levels deep must get a 422, not a stack overflow).
 */
export function checkParams(params: Record<string, unknown>): void {
  for (const name of Object.keys(params)) {
    if (!PARAM_NAME.test(name)) {
      throw new AppError('validation-failed', `param name '${name.slice(0, 80)}' is not usable as cycle.params.<name>: use letters, digits and '_', starting with a letter`)
    }
  }
  let bytes = 0
  const todo: [unknown, number][] = [[params, 1]]
  while (todo.length > 0) {
    const [value, depth] = todo.pop()!
    if (depth > MAX_PARAMS_DEPTH) throw new AppError('validation-failed', `params nest deeper than ${MAX_PARAMS_DEPTH} levels`)
    if (typeof value === 'string') bytes += value.length + 2
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        bytes += k.length + 4
        todo.push([v, depth + 1])
      }
    } else bytes += 8
    if (bytes > MAX_PARAMS_BYTES) throw new AppError('validation-failed', `params are larger than ${MAX_PARAMS_BYTES / 1024} KB`)
  }
}

export interface CyclePatch {
  /** The rev the caller read: a different one means someone changed the cycle since. */
  rev: number
  name?: string
  /** Merged into the cycle's params; a param set to null is removed. */
  params?: Record<string, unknown>
}

/**
 * Renames a cycle or changes its params (HR sets the organisation's predikat at the end of the
 * year) while it is not closed: a closed cycle's facts are frozen with its results.
 */
export async function updateCycle(deps: Deps, cycle: Cycle, patch: CyclePatch): Promise<Cycle> {
  if (cycle.status === 'closed') throw new AppError('conflict', `cycle '${cycle.id}' is closed: its name and params are frozen with its results`)
  if (patch.rev !== cycle.rev) throw new VersionConflict(`cycle '${cycle.id}'`, patch.rev, cycle.rev)
  if (patch.name === undefined && patch.params === undefined) return cycle
  let params = cycle.params
  if (patch.params !== undefined) {
    checkParams(patch.params)
    const merged: Record<string, unknown> = { ...(cycle.params ?? {}) }
    for (const [k, v] of Object.entries(patch.params)) {
      if (v === null) delete merged[k]
      else merged[k] = v
    }
    checkParams(merged)
    params = merged
  }
  const { params: _old, ...rest } = cycle
  return deps.store.saveCycle({ ...rest, ...(patch.name !== undefined ? { name: patch.name } : {}), ...(params && Object.keys(params).length > 0 ? { params } : {}) }, cycle.rev)
}

export async function getCycle(deps: Deps, id: string): Promise<Cycle> {
  const cycle = await deps.store.getCycle(id)
  if (!cycle) throw new AppError('not-found', `cycle '${id}' does not exist`)
  return cycle
}

export interface CycleStatus {
  cycle: Cycle
  instances: number
  byStatus: Record<string, number>
  byState: Record<string, number>
}

export async function cycleStatus(deps: Deps, cycle: Cycle): Promise<CycleStatus> {
  const instances = await deps.store.listInstances(cycle.id)
  const byStatus: Record<string, number> = {}
  const byState: Record<string, number> = {}
  for (const i of instances) {
    byStatus[i.status] = (byStatus[i.status] ?? 0) + 1
    byState[i.state] = (byState[i.state] ?? 0) + 1
  }
  return { cycle, instances: instances.length, byStatus, byState }
}

/** Creates an instance per roster entry and enters the workflow's first state for each. */
export async function startCycle(deps: Deps, cycle: Cycle): Promise<CycleStatus> {
  if (cycle.status !== 'draft') throw new AppError('conflict', `cycle '${cycle.id}' is already ${cycle.status}`)
  const roster = await deps.store.getRoster(cycle.id)
  if (roster.length === 0) throw new AppError('conflict', `cycle '${cycle.id}' has no roster yet: PUT /cycles/${cycle.id}/roster first`)
  const pkg = await deps.packages.version(cycle.package.id, cycle.package.hash)
  const now = deps.clock.now()
  // Mark the cycle running first: a crash half-way leaves a running cycle whose missing instances
  // the loop below creates when started again (it skips the ones that exist).
  const running = await deps.store.saveCycle({ ...cycle, status: 'running', startedAt: now.toISOString() }, cycle.rev)
  await createInstances(deps, running, pkg, roster, now)
  return cycleStatus(deps, running)
}

/** Resumes a start that stopped half-way (idempotent). */
export async function resumeStart(deps: Deps, cycle: Cycle): Promise<CycleStatus> {
  if (cycle.status !== 'running') throw new AppError('conflict', `cycle '${cycle.id}' is ${cycle.status}, not running`)
  const pkg = await deps.packages.version(cycle.package.id, cycle.package.hash)
  await createInstances(deps, cycle, pkg, await deps.store.getRoster(cycle.id), deps.clock.now())
  return cycleStatus(deps, cycle)
}

async function createInstances(
  deps: Deps,
  cycle: Cycle,
  pkg: Awaited<ReturnType<Deps['packages']['version']>>,
  roster: Awaited<ReturnType<Deps['store']['getRoster']>>,
  now: Date,
): Promise<void> {
  // The earlier cycles are listed once for the whole roster, and only if a first state reads them.
  let earlier: Promise<Awaited<ReturnType<typeof earlierCycles>>> | undefined
  for (const employee of roster) {
    const id = instanceId(cycle.id, employee.nip)
    if (await deps.store.getInstance(id)) continue
    const blank: Instance = newInstance({ id, cycle, nip: employee.nip, now })
    const result = await transitionWithHistory(pkg, blank, { type: 'start' }, { now, cycle, employee }, async () =>
      historyIn(deps, await (earlier ??= earlierCycles(deps, cycle.office, cycle.id)), employee.nip),
    )
    const messages = await messagesFor(deps, result.instance, result.effects)
    const created = await deps.store.createInstance(messages.length > 0 ? { ...result.instance, outbox: messages } : result.instance, result.events)
    await moveToOutbox(deps, created)
  }
}
