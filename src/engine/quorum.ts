/**
 * How many answers a collect state waits for, per role, and what is still missing. A number n
 * waits for n answers; {min, max} waits for every assigned rater (at most max, at least min) and
 * accepts min at the deadline.
 */
import type { CollectState, Quorum, RosterEntry, Workflow } from '../generated/types.ts'
import type { Instance, Task } from '../store/records.ts'
import { ratersOf } from './raters.ts'

export interface RoleQuorum {
  role: string
  /** Answers that complete the role; Infinity when anyone may answer and nothing caps it. */
  target: number
  /** Answers that suffice at the deadline. */
  minimum: number
  received: number
  /** NIPs assigned to answer, or 'anyone' (hr). */
  raters: string[] | 'anyone'
}

export function roleQuorum(workflow: Workflow, instance: Instance, employee: RosterEntry, role: string, quorum: Quorum): RoleQuorum {
  const def = workflow.roles[role]
  const raters = def ? ratersOf(def, employee) : []
  const received = (instance.responses[role] ?? []).length
  if (typeof quorum === 'number') return { role, target: quorum, minimum: quorum, received, raters }
  const minimum = quorum.min ?? def?.min ?? 0
  const max = quorum.max ?? def?.max ?? Infinity
  const assigned = raters === 'anyone' ? Infinity : raters.length
  return { role, target: Math.min(Math.max(assigned, minimum), max), minimum, received, raters }
}

export function collectQuorums(workflow: Workflow, instance: Instance, employee: RosterEntry, state: CollectState): RoleQuorum[] {
  return Object.entries(state.await).map(([role, q]) => roleQuorum(workflow, instance, employee, role, q))
}

export const complete = (q: RoleQuorum): boolean => q.received >= q.target

/** One task per role still awaited; `who` is left out for anonymous roles so no list reveals a peer. */
export function collectTasks(workflow: Workflow, instance: Instance, stateName: string, quorums: RoleQuorum[], due: string | undefined): Task[] {
  const tasks: Task[] = []
  for (const q of quorums) {
    if (complete(q)) continue
    const task: Task = {
      state: stateName,
      role: q.role,
      // With no cap (anyone may answer), what is "remaining" is what the deadline needs.
      remaining: Number.isFinite(q.target) ? q.target - q.received : Math.max(q.minimum - q.received, 0),
    }
    if (q.raters !== 'anyone' && !workflow.roles[q.role]?.anonymous) {
      const answered = new Set((instance.responses[q.role] ?? []).map((r) => r.rater))
      task.who = q.raters.filter((nip) => !answered.has(nip))
    }
    if (due) task.due = due
    tasks.push(task)
  }
  return tasks
}
