/**
 * Entering a state: record it, its deadlines and tasks, and run it if it is automatic (compute,
 * choice, notify, end), chaining until a state waits for people (collect, review) or ends.
 */
import type { CollectState, ReviewState, State } from '../generated/types.ts'
import { toPointer } from '../json/json-pointer.ts'
import type { Deadline, Task } from '../store/records.ts'
import { addDuration } from './duration.ts'
import { collectQuorums, collectTasks, complete } from './quorum.ts'
import { ratersOf } from './raters.ts'
import { emit, evaluate, evaluateRequired, expressionAt, nowText, runAssign, stateOf, WorkflowFailure, type Run } from './run.ts'

/** More automatic steps than this in one transition means the workflow loops. */
export const MAX_AUTOMATIC_STEPS = 100

export async function enterState(run: Run, name: string, from: string | null): Promise<void> {
  let current = name
  let previous = from
  for (;;) {
    const state = stateOf(run, current, previous ?? undefined)
    record(run, current, state)
    emit(run, 'entered', { state: current, from: previous })
    const next = await runStep(run, current, state)
    if (next === null) return
    run.steps++
    if (run.steps > MAX_AUTOMATIC_STEPS) {
      throw new WorkflowFailure(
        'workflow-loop',
        `more than ${MAX_AUTOMATIC_STEPS} automatic steps without waiting for anyone (last: '${current}' -> '${next}'); the workflow loops`,
      )
    }
    previous = current
    current = next
  }
}

function record(run: Run, name: string, state: State): void {
  const now = run.env.now
  const i = run.instance
  i.state = name
  i.stateEnteredAt = nowText(run)
  i.tasks = []
  const deadlines: Deadline[] = []
  if (state.type === 'collect' || state.type === 'review') {
    if (state.deadline) deadlines.push({ state: name, kind: 'deadline', at: addDuration(now, state.deadline).toISOString() })
    for (const d of state.remind ?? []) deadlines.push({ state: name, kind: 'remind', at: addDuration(now, d).toISOString() })
  }
  i.deadlines = deadlines
}

/** A choice's pointer, worked out once per package (the choice is the key). */
const choicePointers = new WeakMap<object, string>()

/** Runs the state just entered; returns the state to go to next, or null to wait or stop. */
async function runStep(run: Run, name: string, state: State): Promise<string | null> {
  switch (state.type) {
    case 'compute':
      await runAssign(run, name, state.assign, ['states', name, 'assign'])
      return state.next
    case 'choice':
      for (let i = 0; i < state.choices.length; i++) {
        const choice = state.choices[i]!
        let pointer = choicePointers.get(choice)
        if (pointer === undefined) choicePointers.set(choice, (pointer = toPointer(['states', name, 'choices', i, 'when'])))
        const expr = expressionAt(run.pkg, pointer, choice.when)
        if (truthy(await evaluate(run, expr))) return choice.next
      }
      return state.default
    case 'notify': {
      const to = await evaluateRequired(run, expressionAt(run.pkg, toPointer(['states', name, 'to']), state.to), "'to'")
      const message = await evaluateRequired(run, expressionAt(run.pkg, toPointer(['states', name, 'template']), state.template), "'template'")
      run.effects.push({ type: 'notify', channel: state.channel, to, message, state: name })
      emit(run, 'notified', { state: name, channel: state.channel })
      return state.next
    }
    case 'end': {
      const outcome = state.outcome ?? name
      run.instance.status = 'done'
      run.instance.outcome = outcome
      run.instance.tasks = []
      run.instance.deadlines = []
      emit(run, 'ended', { outcome })
      return null
    }
    case 'collect':
      if (collectQuorums(run.pkg.workflow, run.instance, run.env.employee, state).every(complete)) return state.next
      refreshTasks(run)
      return null
    case 'review':
      refreshTasks(run)
      return null
  }
}

/** JSONata's truthiness ($boolean): [] and {} and "" are false, unlike in JavaScript. */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(truthy)
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0
  return Boolean(value)
}

/** Recomputes the pending tasks of the current state (after entry or an accepted answer). */
export function refreshTasks(run: Run): void {
  const name = run.instance.state
  const state = run.pkg.workflow.states[name]
  const due = run.instance.deadlines.find((d) => d.state === name && d.kind === 'deadline')?.at
  if (state?.type === 'collect') run.instance.tasks = collectTasks(run.pkg.workflow, run.instance, name, collectQuorums(run.pkg.workflow, run.instance, run.env.employee, state), due)
  else if (state?.type === 'review') run.instance.tasks = [reviewTask(run, name, state, due)]
  else run.instance.tasks = []
}

function reviewTask(run: Run, name: string, state: ReviewState, due: string | undefined): Task {
  const task: Task = { state: name, role: state.actor, remaining: 1, actions: Object.keys(state.actions) }
  const role = run.pkg.workflow.roles[state.actor]
  const who = role ? ratersOf(role, run.env.employee) : []
  if (who !== 'anyone' && !role?.anonymous) task.who = who
  if (due) task.due = due
  return task
}

/** Roles of a collect state that still miss answers (for reminders). */
export function awaitedRoles(run: Run, state: CollectState): string[] {
  return collectQuorums(run.pkg.workflow, run.instance, run.env.employee, state)
    .filter((q) => !complete(q))
    .map((q) => q.role)
}
