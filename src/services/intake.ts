/**
 * Webhook intake, in the order of DESIGN.md section 6: authenticate over the raw bytes, store the
 * raw receipt durably, then parse, normalise, map, validate, route and transition. Every receipt
 * that authenticated is kept with its outcome and can be replayed once the configuration is fixed.
 */
import { oneAtATime } from './keyed-queue.ts'
import { AppError, isAppError } from '../errors.ts'
import { validateSubmission } from '../generated/validators.js'
import type { Submission } from '../generated/types.ts'
import { translateAjvErrors } from '../json/ajv-errors.ts'
import type { Delivery, Normalised, SourcePlugin } from '../../plugins/plugin.ts'
import type { LoadedPackage } from '../package/loaded-package.ts'
import type { Binding, Cycle, Receipt } from '../store/records.ts'
import { decodedExactly, fromBase64, toBase64 } from '../util/bytes.ts'
import { sha256Hex } from '../util/crypto.ts'
import { formsOfRole } from '../engine/role-forms.ts'
import { bindingSecret } from './bindings.ts'
import { runTransform } from './binding-transform.ts'
import { coerceAnswers } from './coerce-answers.ts'
import { instanceId } from './cycles.ts'
import type { Deps } from './deps.ts'
import { applyEvent } from './instances.ts'

/** How the reason of a receipt refused because its cycle is closed begins. */
export const CYCLE_CLOSED = 'cycle closed'

const closedReason = (cycle: Cycle) =>
  `${CYCLE_CLOSED}: cycle '${cycle.id}' was closed${cycle.closedAt ? ` at ${cycle.closedAt}` : ''} and its results are frozen; this submission is kept but does not count`

export interface IntakeResult {
  status: 'accepted' | 'duplicate' | 'rejected' | 'partial'
  receipt: Receipt
  /** Set when rejected: what the sender is told. */
  error?: AppError
}

const encoder = new TextEncoder()

/**
 * Receipts being processed, per store, so a retry that overlaps its original waits for it instead
 * of racing it. (Per process: each process owns its lowdb folder.)
 */
const inFlightByStore = new WeakMap<object, Map<string, Promise<IntakeResult>>>()

function inFlightOf(deps: Deps): Map<string, Promise<IntakeResult>> {
  let map = inFlightByStore.get(deps.store)
  if (!map) inFlightByStore.set(deps.store, (map = new Map()))
  return map
}

function track(deps: Deps, id: string, work: Promise<IntakeResult>): Promise<IntakeResult> {
  const map = inFlightOf(deps)
  map.set(id, work)
  const clear = () => {
    if (map.get(id) === work) map.delete(id)
  }
  work.then(clear, clear)
  return work
}

export async function receive(deps: Deps, bindingId: string, delivery: Delivery): Promise<IntakeResult> {
  const binding = await deps.store.getBinding(bindingId)
  if (!binding) throw new AppError('bad-signature', `no binding '${bindingId}': check the hook URL`)
  const plugin = deps.plugins.get(binding.plugin)
  const secret = bindingSecret(deps, binding)
  if (secret === undefined) {
    deps.logger.error('binding secret is not configured', { binding: binding.id, variable: 'env' in binding.secret ? binding.secret.env : undefined })
    throw new AppError('unavailable', 'this hook is not configured yet; the sender should retry later')
  }
  if (!(await plugin.authenticate(delivery, secret))) throw new AppError('bad-signature', 'the signature or token does not match this binding')

  const bodyHash = await sha256Hex(delivery.body)
  const key = plugin.idempotencyKey(delivery) ?? `sha256:${bodyHash}`
  // A retry (same key, same bytes) maps to the same receipt; an edit (same key, new bytes) is new.
  const id = `rcp_${(await sha256Hex(`${binding.id}\n${key}\n${bodyHash}`)).slice(0, 24)}`
  const now = deps.clock.now().toISOString()
  const fresh: Receipt = {
    id,
    binding: binding.id,
    cycle: binding.cycle,
    office: binding.office,
    idempotencyKey: key,
    receivedAt: now,
    contentType: delivery.headers['content-type'] ?? '',
    body: delivery.text,
    ...(decodedExactly(delivery.body, delivery.text) ? {} : { bodyBase64: toBase64(delivery.body) }),
    headers: redactHeaders(delivery.headers, plugin),
    status: 'received',
    reasons: [],
    attempts: 1,
    updatedAt: now,
  }
  // A copy that overlaps its original in this process waits for it and is a duplicate. The check
  // and the registration below are synchronous, so two copies can never both go ahead.
  const running = inFlightOf(deps).get(id)
  if (running) {
    const first = await running
    // Copies waiting on one original count one at a time, each from the stored count.
    await oneAtATime(deps.store, `receipt:${id}`, async () => {
      const stored = (await deps.store.getReceipt(id)) ?? first.receipt
      await deps.store.updateReceipt({ ...stored, attempts: stored.attempts + 1, updatedAt: now })
    }).catch(() => undefined)
    return first.status === 'rejected' ? first : { status: 'duplicate', receipt: first.receipt }
  }
  return track(deps, id, storeThenProcess(deps, binding, plugin, fresh))
}

async function storeThenProcess(deps: Deps, binding: Binding, plugin: SourcePlugin, fresh: Receipt): Promise<IntakeResult> {
  let stored: { receipt: Receipt; created: boolean }
  try {
    stored = await deps.store.putReceipt(fresh)
  } catch (e) {
    deps.logger.error('could not store receipt', { binding: binding.id, error: String(e) })
    throw new AppError('unavailable', 'the submission could not be stored; retry later', { cause: e })
  }
  const receipt = stored.receipt
  if (stored.created) return process(deps, binding, plugin, receipt)
  const again = { ...receipt, attempts: receipt.attempts + 1, updatedAt: fresh.receivedAt }
  await deps.store.updateReceipt(again)
  if (receipt.status === 'accepted' || receipt.status === 'duplicate' || receipt.status === 'partial') return { status: 'duplicate', receipt: again }
  if (receipt.status === 'rejected') {
    // The sender is told what it was told the first time: a closed cycle stays a 409.
    const code = receipt.reasons[0]?.startsWith(CYCLE_CLOSED) ? 'conflict' : 'submission-rejected'
    return { status: 'rejected', receipt: again, error: new AppError(code, receipt.reasons[0] ?? 'rejected', { extra: { receipt: receipt.id, reasons: receipt.reasons } }) }
  }
  // Still 'received' and nobody here is processing it: an earlier attempt stopped half-way.
  return process(deps, binding, plugin, again)
}

/** Processes a stored receipt again, as if it had just arrived (still counted once). */
export async function replay(deps: Deps, receipt: Receipt): Promise<IntakeResult> {
  if (receipt.status !== 'rejected' && receipt.status !== 'received') {
    throw new AppError('conflict', `receipt '${receipt.id}' was already ${receipt.status}; it counts once`)
  }
  const binding = await deps.store.getBinding(receipt.binding)
  if (!binding) throw new AppError('not-found', `binding '${receipt.binding}' no longer exists`)
  const cycle = await deps.store.getCycle(receipt.cycle)
  if (cycle?.status === 'closed') {
    throw new AppError('conflict', `${closedReason(cycle)}; a receipt cannot be replayed into it (the receipt is kept as it is)`)
  }
  // A replay racing a delivery of the same receipt (or another replay) waits for it instead.
  const running = inFlightOf(deps).get(receipt.id)
  if (running) {
    const first = await running
    if (first.status !== 'rejected') throw new AppError('conflict', `receipt '${receipt.id}' was just ${first.status}; it counts once`)
    return first
  }
  const updated = { ...receipt, attempts: receipt.attempts + 1, updatedAt: deps.clock.now().toISOString() }
  return track(deps, receipt.id, process(deps, binding, deps.plugins.get(binding.plugin), updated))
}

async function process(deps: Deps, binding: Binding, plugin: SourcePlugin, receipt: Receipt): Promise<IntakeResult> {
  let subject: string | undefined
  try {
    const normalised = plugin.normalise(deliveryOf(receipt))
    if (normalised.partial) {
      const kept: Receipt = { ...receipt, status: 'partial', reasons: ['a partial response: kept, not scored'], updatedAt: deps.clock.now().toISOString() }
      await deps.store.updateReceipt(kept)
      return { status: 'partial', receipt: kept }
    }
    const cycle = await deps.store.getCycle(binding.cycle)
    if (!cycle) throw new AppError('submission-rejected', `cycle '${binding.cycle}' does not exist`)
    const pkg = await deps.packages.version(cycle.package.id, cycle.package.hash)
    if (cycle.status === 'closed') {
      // Whose answer came too late, for HR's list of rejected receipts (if it can be read at all).
      subject = await toSubmission(pkg, binding, plugin, normalised).then((s) => s.subject, () => undefined)
      throw new AppError('conflict', closedReason(cycle))
    }
    const submission = await toSubmission(pkg, binding, plugin, normalised)
    subject = submission.subject
    if (cycle.status !== 'running') throw new AppError('submission-rejected', `cycle '${binding.cycle}' is not running (it is ${cycle.status})`)
    const id = instanceId(cycle.id, submission.subject)
    const externalId = submission.source?.externalId
    const received = { ...submission, receipt: receipt.id, receivedAt: receipt.receivedAt }
    await applyEvent(
      deps,
      id,
      // An edit in the builder (the same external id from the same rater) replaces the earlier answer.
      (instance) => ({
        type: 'submission',
        submission: received,
        replace: externalId !== undefined && (instance.responses[submission.role] ?? []).some((r) => r.rater === submission.rater && r.source?.externalId === externalId),
      }),
      { missing: () => new AppError('submission-rejected', `employee ${submission.subject} is not on the roster of cycle '${cycle.id}'`) },
    )
    const accepted: Receipt = { ...receipt, status: 'accepted', reasons: [], subject, instance: id, updatedAt: deps.clock.now().toISOString() }
    await deps.store.updateReceipt(accepted)
    return { status: 'accepted', receipt: accepted }
  } catch (e) {
    if (!isAppError(e) || e.status >= 500) {
      // Transient or unknown: the receipt stays 'received' so a retry or a replay processes it.
      await deps.store.updateReceipt(receipt).catch(() => undefined)
      if (isAppError(e)) throw e
      deps.logger.error('intake failed', { receipt: receipt.id, error: String(e) })
      throw new AppError('unavailable', 'the submission is stored but could not be processed now; retry later', { cause: e })
    }
    // The cycle may have closed while this submission was on its way to the instance.
    const closed = e.code === 'conflict' ? await deps.store.getCycle(binding.cycle) : null
    const detail = closed?.status === 'closed' ? closedReason(closed) : e.detail
    const reasons = [detail, ...(e.errors ?? []).map((f) => `${f.path}: ${f.message}`)]
    const rejected: Receipt = { ...receipt, status: 'rejected', reasons, ...(subject ? { subject } : {}), updatedAt: deps.clock.now().toISOString() }
    await deps.store.updateReceipt(rejected)
    // A closed cycle is a 409: final for the sender (Kobo never retries a 4xx; the others give up
    // after a few tries), and not a 404/410 that would make Typeform disable the webhook.
    const code = closed?.status === 'closed' ? 'conflict' : e.code === 'invalid-json' ? 'invalid-json' : e.status === 422 ? e.code : 'submission-rejected'
    const error = new AppError(code, detail, {
      errors: e.errors,
      extra: { receipt: receipt.id },
    })
    return { status: 'rejected', receipt: rejected, error }
  }
}

/** The stored receipt as a delivery again (replays parse exactly what arrived). */
const deliveryOf = (receipt: Receipt): Delivery => ({
  headers: receipt.headers,
  text: receipt.body,
  body: receipt.bodyBase64 !== undefined ? fromBase64(receipt.bodyBase64) : encoder.encode(receipt.body),
  url: '',
  receivedAt: new Date(receipt.receivedAt),
})

async function toSubmission(pkg: LoadedPackage, binding: Binding, plugin: SourcePlugin, normalised: Normalised): Promise<Submission> {
  const form = pkg.forms[binding.form]!
  const props = form.properties as Record<string, Record<string, unknown>>
  // Fields pass under their own names unless the binding maps them; a mapped field wins over a
  // field that merely has the same name (Kobo's alias `kompetensi_menonjol` vs the mapped list).
  const mapped: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(normalised.fields)) if (!Object.hasOwn(binding.mapping, field)) mapped[field] = value
  for (const [field, value] of Object.entries(normalised.fields)) if (Object.hasOwn(binding.mapping, field)) mapped[binding.mapping[field]!] = value
  if (binding.transform) Object.assign(mapped, await runTransform(binding.transform, normalised.fields))
  const picked: Record<string, unknown> = {}
  for (const name of Object.keys(props)) if (name in mapped) picked[name] = translate(binding.values?.[name], mapped[name])
  const answers = coerceAnswers(form, picked)

  const marked = (mark: string) => Object.keys(props).find((k) => props[k]?.[mark] === true)
  const pick = (mark: string, fallback: string) => {
    const prop = marked(mark)
    return prop !== undefined ? answers[prop] : mapped[fallback]
  }
  const subject = pick('x-subject', 'subject')
  const role = pick('x-role', 'role') ?? roleOfForm(pkg, binding.form)
  // A self-assessment names only its subject (e.g. Tally's hidden NIP): the rater is that person.
  const selfRole = typeof role === 'string' && pkg.workflow.roles[role]?.rater === 'self'
  const rater = pick('x-rater', 'rater') ?? (selfRole ? subject : undefined)
  const raterProp = marked('x-rater')
  if (raterProp !== undefined && answers[raterProp] === undefined && rater !== undefined) answers[raterProp] = rater
  const submission = {
    form: binding.form,
    subject,
    rater,
    role,
    answers,
    ...(normalised.submittedAt ? { submittedAt: normalised.submittedAt } : {}),
    source: { plugin: plugin.name, ...(normalised.externalId ? { externalId: normalised.externalId } : {}) },
  }
  if (!validateSubmission(submission)) {
    throw new AppError('validation-failed', 'the submission is incomplete or invalid', { errors: translateAjvErrors(validateSubmission.errors ?? []) })
  }
  return submission as Submission
}

/** A builder's label turned into the form's value by the binding's table (arrays item by item). */
function translate(table: Record<string, string | number | boolean> | undefined, value: unknown): unknown {
  if (!table) return value
  if (Array.isArray(value)) return value.map((v) => translate(table, v))
  return (typeof value === 'string' || typeof value === 'number') && Object.hasOwn(table, String(value)) ? table[String(value)] : value
}

/** The role a form belongs to, when exactly one role uses it. */
function roleOfForm(pkg: LoadedPackage, form: string): string | undefined {
  const roles = Object.keys(pkg.workflow.forms).filter((role) => formsOfRole(pkg.workflow, role).includes(form))
  return roles.length === 1 ? roles[0] : undefined
}

function redactHeaders(headers: Record<string, string>, plugin: SourcePlugin): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) {
    out[k] = plugin.secretHeaders.includes(k) || k === 'cookie' ? '[redacted]' : v
  }
  return out
}
