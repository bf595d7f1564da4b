/**
 * Accepting one filled form into a collect state. Every refusal names what is wrong in words the
 * sender can act on; nothing is changed unless the answer is accepted.
 */
import { AppError } from '../errors.ts'
import type { ReceivedSubmission } from '../store/records.ts'
import { enterState, refreshTasks } from './enter.ts'
import { collectQuorums, complete, roleQuorum } from './quorum.ts'
import { raterRefusal } from './raters.ts'
import { answersChanged, emit, type Run } from './run.ts'
import { formsOfRole } from './role-forms.ts'

const reject = (reason: string, errors?: { path: string; message: string }[]): AppError =>
  new AppError('submission-rejected', reason, errors ? { errors } : {})

export async function acceptSubmission(run: Run, submission: ReceivedSubmission, replace: boolean): Promise<void> {
  const { pkg, env, instance } = run
  const workflow = pkg.workflow
  const employee = env.employee
  const { role, rater, form } = submission
  // The same delivery applied twice (a retry that overlapped the original) changes nothing: this
  // check comes first, because the original may already have closed the state.
  if (Object.values(instance.responses).some((list) => list.some((r) => r.receipt === submission.receipt))) return

  if (instance.status !== 'active') throw reject(`the appraisal of ${instance.nip} has ${instance.status === 'done' ? 'ended' : 'failed'}; it takes no more answers`)
  const state = workflow.states[instance.state]
  if (state?.type !== 'collect') throw reject(`the state '${instance.state}' does not collect answers`)
  if (submission.subject !== employee.nip) {
    throw reject(`the answer is about ${submission.subject}, but this appraisal is of ${employee.nip}`)
  }
  const quorum = state.await[role]
  if (quorum === undefined) {
    throw reject(`the state '${instance.state}' does not await answers from role '${role}' (it awaits ${Object.keys(state.await).join(', ')})`)
  }
  const expected = formsOfRole(workflow, role)
  if (!expected.includes(form)) {
    throw reject(expected.length === 0 ? `role '${role}' has no form in the workflow` : `role '${role}' answers form ${expected.map((f) => `'${f}'`).join(' or ')}, not '${form}'`)
  }
  const refusal = raterRefusal(workflow, role, rater, employee)
  if (refusal) throw reject(refusal)

  const earlier = (instance.responses[role] ?? []).findIndex((r) => r.rater === rater)
  if (earlier >= 0 && !replace) {
    throw reject(`rater ${rater} already answered as '${role}' for ${employee.nip}; send the answer as an edit to replace it`)
  }
  const q = roleQuorum(workflow, instance, employee, role, quorum)
  if (earlier < 0 && complete(q)) {
    throw reject(`role '${role}' already has the ${q.received} answer(s) it needs for ${employee.nip}`)
  }
  const check = pkg.formChecks[form]
  if (!check) throw reject(`the package has no form '${form}'`)
  const errors = check(submission.answers)
  if (errors.length > 0) throw reject(`the answers do not fit form '${form}'`, errors)

  const list = [...(instance.responses[role] ?? [])]
  if (earlier >= 0) list[earlier] = submission
  else list.push(submission)
  instance.responses[role] = list
  answersChanged(run)

  const data: Record<string, unknown> = { role, form, receipt: submission.receipt, replaced: earlier >= 0 }
  // An anonymous role's rater is kept on the answer (to refuse a second one) but never in the trail.
  if (!workflow.roles[role]?.anonymous) data.rater = rater
  emit(run, 'submission-accepted', data)

  if (collectQuorums(workflow, instance, employee, state).every(complete)) {
    await enterState(run, state.next, instance.state)
  } else {
    refreshTasks(run)
  }
}
