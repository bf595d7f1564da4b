/**
 * A person's decision in a review state (e.g. the superior deciding an objection): who may take
 * it, whether its input fits the action's schema, then its `assign` and the next state.
 */
import { AppError } from '../errors.ts'
import { enterState } from './enter.ts'
import { raterRefusal } from './raters.ts'
import { emit, runAssign, type Run } from './run.ts'

const reject = (reason: string, errors?: { path: string; message: string }[]): AppError =>
  new AppError('action-rejected', reason, errors ? { errors } : {})

export async function applyAction(run: Run, name: string, actor: string, input: unknown): Promise<void> {
  const { pkg, env, instance } = run
  if (instance.status !== 'active') throw reject(`the appraisal of ${instance.nip} has ${instance.status === 'done' ? 'ended' : 'failed'}; it takes no more actions`)
  const stateName = instance.state
  const state = pkg.workflow.states[stateName]
  if (state?.type !== 'review') throw reject(`the state '${stateName}' takes no actions`)
  const action = state.actions[name]
  if (!action) throw reject(`the state '${stateName}' has no action '${name}' (its actions: ${Object.keys(state.actions).join(', ')})`)
  const refusal = raterRefusal(pkg.workflow, state.actor, actor, env.employee)
  if (refusal) throw new AppError('action-forbidden', `only role '${state.actor}' acts in '${stateName}': ${refusal}`, { extra: { state: stateName, action: name, actor } })
  const check = pkg.actionChecks[`${stateName}/${name}`]
  const errors = check ? check(input) : []
  if (errors.length > 0) throw reject(`the input of '${name}' is invalid`, errors)

  emit(run, 'action', { state: stateName, action: name, actor, input })
  if (action.assign) {
    await runAssign(run, stateName, action.assign, ['states', stateName, 'actions', name, 'assign'], { name, actor, input })
  }
  await enterState(run, action.next, stateName)
}
