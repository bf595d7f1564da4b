/**
 * Checks of workflow.json that its JSON Schema cannot express: every transition names a state,
 * every state can be reached and can finish, roles and forms named in one place exist in the
 * other. Runs on a workflow that passed its schema.
 */
import type { State, Workflow } from '../generated/types.ts'
import { joinPointer } from '../json/json-pointer.ts'
import { didYouMean } from '../json/suggest.ts'
import type { ProblemList } from './problems.ts'
import { WORKFLOW_FILE } from './select-files.ts'

const F = WORKFLOW_FILE

/** Every transition of a state: [pointer, target]. */
export function transitions(name: string, state: State): [string, string][] {
  const at = joinPointer('/states', name)
  const out: [string, string][] = []
  const add = (pointer: string, target: string | undefined) => {
    if (target !== undefined) out.push([pointer, target])
  }
  switch (state.type) {
    case 'collect':
      add(`${at}/next`, state.next)
      add(`${at}/onDeadline`, state.onDeadline)
      add(`${at}/onIncomplete`, state.onIncomplete)
      break
    case 'compute':
    case 'notify':
      add(`${at}/next`, state.next)
      break
    case 'choice':
      state.choices.forEach((c, i) => add(`${at}/choices/${i}/next`, c.next))
      add(`${at}/default`, state.default)
      break
    case 'review':
      for (const [action, a] of Object.entries(state.actions)) add(joinPointer(at, 'actions', action, 'next'), a.next)
      add(`${at}/onDeadline`, state.onDeadline)
      break
    case 'end':
      break
  }
  return out
}

/** Reports transitions to states that do not exist; true when there are none. */
function checkTransitions(wf: Workflow, problems: ProblemList): boolean {
  const names = Object.keys(wf.states)
  let ok = true
  const check = (pointer: string, target: string) => {
    if (Object.hasOwn(wf.states, target)) return
    problems.error(F, pointer, `no state is named '${target}'${didYouMean(target, names)}`)
    ok = false
  }
  check('/start', wf.start)
  for (const [name, state] of Object.entries(wf.states)) for (const [pointer, target] of transitions(name, state)) check(pointer, target)
  return ok
}

/** States reachable from `from` (following only transitions to existing states). */
function reachable(wf: Workflow, from: string): Set<string> {
  const seen = new Set<string>()
  const todo = [from]
  while (todo.length > 0) {
    const name = todo.pop()!
    const state = wf.states[name]
    if (seen.has(name) || state === undefined) continue
    seen.add(name)
    for (const [, target] of transitions(name, state)) todo.push(target)
  }
  return seen
}

function checkGraph(wf: Workflow, problems: ProblemList): void {
  const fromStart = reachable(wf, wf.start)
  const ends = Object.keys(wf.states).filter((n) => wf.states[n]!.type === 'end')
  for (const name of Object.keys(wf.states)) {
    if (!fromStart.has(name)) {
      problems.warning(F, joinPointer('/states', name), `state '${name}' cannot be reached from '${wf.start}': no transition leads to it`, 'key')
    }
  }
  if (ends.length === 0) {
    problems.error(F, '/states', 'the workflow has no end state: add one, e.g. "done": { "type": "end" }', 'key')
    return
  }
  if (!ends.some((e) => fromStart.has(e))) {
    problems.error(F, '/start', `no end state can be reached from '${wf.start}': an appraisal would never finish`)
    return
  }
  for (const name of fromStart) {
    if (wf.states[name]!.type === 'end') continue
    if (!ends.some((e) => reachable(wf, name).has(e))) {
      problems.warning(F, joinPointer('/states', name), `no end state can be reached from '${name}': an appraisal that gets here never finishes`, 'key')
    }
  }
}

function checkRoles(wf: Workflow, formIds: ReadonlySet<string>, problems: ProblemList): void {
  const roles = Object.keys(wf.roles)
  const unknownRole = (role: string) => `role '${role}' is not declared in "roles"${didYouMean(role, roles)}`
  for (const [role, r] of Object.entries(wf.roles)) {
    if (r.min !== undefined && r.max !== undefined && r.min > r.max) {
      problems.error(F, joinPointer('/roles', role, 'min'), `min (${r.min}) is more than max (${r.max})`)
    }
  }
  for (const [role, entry] of Object.entries(wf.forms)) {
    if (!Object.hasOwn(wf.roles, role)) problems.error(F, joinPointer('/forms', role), unknownRole(role), 'key')
    const list = Array.isArray(entry) ? entry : [entry]
    list.forEach((form, i) => {
      if (!formIds.has(form)) {
        const at = Array.isArray(entry) ? joinPointer('/forms', role, i) : joinPointer('/forms', role)
        problems.error(F, at, `no form file forms/${form}.json${didYouMean(form, formIds)}`)
      }
    })
  }
  for (const [name, state] of Object.entries(wf.states)) {
    const at = joinPointer('/states', name)
    if (state.type === 'collect') {
      for (const [role, quorum] of Object.entries(state.await)) {
        const pointer = joinPointer(at, 'await', role)
        if (!Object.hasOwn(wf.roles, role)) problems.error(F, pointer, unknownRole(role), 'key')
        else if (!Object.hasOwn(wf.forms, role)) {
          problems.error(F, pointer, `role '${role}' has no form: add "${role}": "<form id>" to "forms"`, 'key')
        }
        if (typeof quorum === 'object' && quorum.min !== undefined && quorum.max !== undefined && quorum.min > quorum.max) {
          problems.error(F, `${pointer}/min`, `min (${quorum.min}) is more than max (${quorum.max})`)
        }
      }
    }
    if (state.type === 'review' && !Object.hasOwn(wf.roles, state.actor)) {
      problems.error(F, `${at}/actor`, unknownRole(state.actor))
    }
  }
}

/** Variables the report shows must be assigned somewhere, or the report shows nothing. */
function checkReport(wf: Workflow, problems: ProblemList): void {
  if (!wf.report) return
  const assigned = new Set<string>()
  for (const state of Object.values(wf.states)) {
    if (state.type === 'compute') Object.keys(state.assign).forEach((v) => assigned.add(v))
    if (state.type === 'review') for (const a of Object.values(state.actions)) Object.keys(a.assign ?? {}).forEach((v) => assigned.add(v))
  }
  const check = (pointer: string, name: string) => {
    if (!assigned.has(name)) problems.warning(F, pointer, `no state assigns '${name}'${didYouMean(name, assigned)}`)
  }
  const r = wf.report
  r.vars?.forEach((v, i) => check(`/report/vars/${i}`, v))
  r.export?.forEach((v, i) => check(`/report/export/${i}`, v))
  if (r.scores !== undefined) check('/report/scores', r.scores)
  for (const key of ['predikat', 'training', 'nineBox', 'scholarship'] as const) {
    const section = r[key] as Record<string, unknown> | undefined
    for (const field of ['var', 'note', 'jp']) if (typeof section?.[field] === 'string') check(`/report/${key}/${field}`, section[field])
  }
  if (r.scale && r.scale.max <= r.scale.min) problems.error(F, '/report/scale', `max (${r.scale.max}) must be above min (${r.scale.min})`)
}

/** Cross-checks of a schema-valid workflow against itself and the package's form ids. */
export function lintWorkflow(wf: Workflow, formIds: ReadonlySet<string>, problems: ProblemList): void {
  // A misspelt target cuts the graph: reachability is reported once the names are right.
  if (checkTransitions(wf, problems)) checkGraph(wf, problems)
  checkRoles(wf, formIds, problems)
  checkReport(wf, problems)
}
