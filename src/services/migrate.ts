/**
 * Moving a running cycle to a new version of its package: explicit and audited. Each instance
 * stays on the version it started with until this call moves it; the call names where every
 * occupied state goes in the new version, and every move is an event in that instance's trail.
 * Instances move one by one and each records its own version, so a call that stops half-way can
 * simply be made again: the ones already moved are skipped.
 */
import { AppError, type FieldError } from '../errors.ts'
import type { Cycle, Instance } from '../store/records.ts'
import type { Deps } from './deps.ts'
import { applyEvent } from './instances.ts'

export interface MigrationInput {
  /** The version to move to; it must be the package's current version. */
  version: string
  /** Occupied state in the old version -> state in the new one. A state that exists in both may be left out. */
  states?: Record<string, string>
}

export interface MigrationReport {
  cycle: Cycle
  from: { version: string; hash: string }
  to: { version: string; hash: string }
  moved: number
  skipped: number
  byState: Record<string, string>
}

export const packageOf = (instance: Instance, cycle: Cycle) => instance.package ?? cycle.package

export async function migrateCycle(deps: Deps, cycle: Cycle, input: MigrationInput, by: string): Promise<MigrationReport> {
  if (cycle.status !== 'running') throw new AppError('conflict', `cycle '${cycle.id}' is ${cycle.status}; only a running cycle is migrated`)
  const target = deps.packages.current(cycle.package.id)
  if (!target) throw new AppError('not-found', `package '${cycle.package.id}' is not loaded`)
  if (target.version !== input.version) {
    throw new AppError('conflict', `package '${target.id}' is loaded at version ${target.version}, not ${input.version}`)
  }
  const active = await deps.store.listInstances(cycle.id, { status: 'active' })
  const toMove = active.filter((i) => packageOf(i, cycle).hash !== target.hash)
  const occupied = [...new Set(toMove.map((i) => i.state))].sort()
  const byState: Record<string, string> = {}
  const errors: FieldError[] = []
  for (const state of occupied) {
    const mapped = input.states?.[state] ?? (state in target.workflow.states ? state : undefined)
    if (mapped === undefined) errors.push({ path: `/states/${state}`, message: `version ${target.version} has no state '${state}': say where its instances go` })
    else if (!(mapped in target.workflow.states)) errors.push({ path: `/states/${state}`, message: `version ${target.version} has no state '${mapped}'` })
    else byState[state] = mapped
  }
  if (errors.length) throw new AppError('validation-failed', 'the migration does not place every occupied state', { errors })

  const now = deps.clock.now()
  await deps.packages.pin(target, now)
  const to = { id: target.id, version: target.version, hash: target.hash }
  let moved = 0
  for (const instance of toMove) {
    const from = packageOf(instance, cycle)
    await applyEvent(deps, instance.id, { type: 'migrate', to: byState[instance.state]!, from }, { move: { package: to, by } })
    moved++
  }
  // The cycle follows last: it names the version its instances are on.
  const fresh = (await deps.store.getCycle(cycle.id))!
  const migrations = [...(fresh.migrations ?? []), { at: now.toISOString(), by, from: fresh.package, to, states: byState, moved }]
  const saved = await deps.store.saveCycle({ ...fresh, package: to, migrations }, fresh.rev)
  return { cycle: saved, from: { version: cycle.package.version, hash: cycle.package.hash }, to, moved, skipped: active.length - toMove.length, byState }
}
