/**
 * Pulls submissions from sources that send no webhooks (ODK Central) and feeds each one through
 * the same intake as a webhook, signed with the binding's secret. The cursor is stored only after
 * every pulled submission has been handed to the intake, so a crash or a restart repeats a page
 * (answered as duplicates) rather than skipping one.
 */
import { pollOnce } from '../../plugins/odk-central/odata.ts'
import { signedDeliveryHeaders } from '../../plugins/odk-central/index.ts'
import type { Binding } from '../store/records.ts'
import { bindingSecret } from './bindings.ts'
import type { Deps } from './deps.ts'
import { receive } from './intake.ts'

export interface PullReport {
  binding: string
  delivered: number
  accepted: number
  rejected: number
  error?: string
}

const encoder = new TextEncoder()

export async function pullBinding(deps: Deps, binding: Binding): Promise<PullReport> {
  const report: PullReport = { binding: binding.id, delivered: 0, accepted: 0, rejected: 0 }
  const secret = bindingSecret(deps, binding)
  if (!binding.pull || !deps.fetch) return { ...report, error: 'not a pulled source, or outbound HTTP is off' }
  if (!secret) return { ...report, error: 'the login of this source is not configured (secretEnv)' }
  const fetch = deps.fetch
  const authorization = `Basic ${btoa(String.fromCharCode(...encoder.encode(secret)))}`
  const result = await pollOnce({
    base: binding.pull.base,
    projectId: binding.pull.projectId,
    formId: binding.pull.formId,
    top: binding.pull.top,
    cursor: binding.cursor,
    async fetchJson(url) {
      const res = await fetch(url, { headers: { authorization, accept: 'application/json' } })
      if (!res.ok) throw new Error(`ODK Central answered ${res.status} for ${new URL(url).pathname}`)
      // The text, not parsed JSON: an 18-digit number must be caught before it loses digits.
      return res.text()
    },
  })
  for (const item of result.polled) {
    const body = encoder.encode(item.body)
    const headers = { 'content-type': 'application/json', ...(await signedDeliveryHeaders(secret, body)) }
    const outcome = await receive(deps, binding.id, { headers, body, text: item.body, url: `pull:${binding.pull.base}`, receivedAt: deps.clock.now() })
    report.delivered++
    if (outcome.status === 'rejected') report.rejected++
    else if (outcome.status === 'accepted') report.accepted++
  }
  const fresh = await deps.store.getBinding(binding.id)
  if (fresh) await deps.store.saveBinding({ ...fresh, cursor: result.cursor })
  return report
}

/** One pass over every pulled binding of every running cycle; a failing source does not stop the others. */
export async function pullAll(deps: Deps): Promise<PullReport[]> {
  const reports: PullReport[] = []
  for (const office of await deps.store.listOffices()) {
    for (const cycle of await deps.store.listCycles(office.id)) {
      if (cycle.status !== 'running') continue
      for (const binding of await deps.store.listBindings(cycle.id)) {
        if (!binding.pull) continue
        try {
          reports.push(await pullBinding(deps, binding))
        } catch (e) {
          const error = e instanceof Error ? e.message : String(e)
          deps.logger.warn('pull failed; the cursor stays where it was', { binding: binding.id, error })
          reports.push({ binding: binding.id, delivered: 0, accepted: 0, rejected: 0, error })
        }
      }
    }
  }
  return reports
}
