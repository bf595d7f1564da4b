/**
 * A recorded time of the current state has come: a reminder (tell the people still awaited) or the
 * deadline (collect: move on with what arrived; review: onDeadline, or keep waiting).
 */
import { awaitedRoles, enterState } from './enter.ts'
import { collectQuorums } from './quorum.ts'
import { emit, type Run } from './run.ts'

export async function fireDeadline(run: Run, stateName: string, kind: 'deadline' | 'remind'): Promise<void> {
  const { instance } = run
  // A time of a state already left (or of a finished appraisal) is stale: nothing happens.
  if (instance.status !== 'active' || instance.state !== stateName) return
  const state = run.pkg.workflow.states[stateName]
  if (state?.type !== 'collect' && state?.type !== 'review') return

  if (kind === 'remind') {
    const reminders = instance.deadlines.filter((d) => d.state === stateName && d.kind === 'remind').sort((a, b) => a.at.localeCompare(b.at))
    const first = reminders[0]
    if (!first) return
    instance.deadlines = instance.deadlines.filter((d) => d !== first)
    const roles = state.type === 'collect' ? awaitedRoles(run, state) : [state.actor]
    if (roles.length > 0) run.effects.push({ type: 'remind', state: stateName, roles })
    emit(run, 'reminded', { state: stateName, roles })
    return
  }

  if (state.type === 'collect') {
    emit(run, 'deadline', { state: stateName })
    const enough = collectQuorums(run.pkg.workflow, instance, run.env.employee, state).every((q) => q.received >= q.minimum)
    const next = enough ? (state.onDeadline ?? state.next) : (state.onIncomplete ?? state.onDeadline ?? state.next)
    await enterState(run, next, stateName)
    return
  }
  if (state.onDeadline) {
    emit(run, 'deadline', { state: stateName })
    await enterState(run, state.onDeadline, stateName)
    return
  }
  // No onDeadline: the review keeps waiting; drop the passed deadline so it does not fire again.
  const before = instance.deadlines.length
  instance.deadlines = instance.deadlines.filter((d) => !(d.state === stateName && d.kind === 'deadline'))
  if (instance.deadlines.length === before) return
  emit(run, 'deadline', { state: stateName })
  for (const t of instance.tasks) delete t.due
}
