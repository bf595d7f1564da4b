/**
 * Cycles: one appraisal period of one office, bound to one exact package version. A cycle is
 * created as a draft, gets its roster, and is started: then every roster entry becomes an instance
 * that enters the workflow's first state.
 */
import { AppError } from '../errors.ts'
import { newInstance, transition } from '../engine/transition.ts'
import type { Cycle, Instance } from '../store/records.ts'
import { newId } from '../util/crypto.ts'
import type { Deps } from './deps.ts'
import { getOffice } from './offices.ts'
import { employeeHistory } from './instances.ts'
import { enqueueEffects } from './outbox.ts'

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
  for (const employee of roster) {
    const id = instanceId(cycle.id, employee.nip)
    if (await deps.store.getInstance(id)) continue
    const blank: Instance = newInstance({ id, cycle, nip: employee.nip, now })
    const history = await employeeHistory(deps, cycle.office, cycle.id, employee.nip)
    const result = await transition(pkg, blank, { type: 'start' }, { now, cycle, employee, history })
    const created = await deps.store.createInstance(result.instance, result.events)
    await enqueueEffects(deps, created, result.effects)
  }
}
