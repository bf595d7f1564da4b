/**
 * Receipts as the API lists them. The raw body is kept for replay but shown only to admins, and
 * even then without secrets a builder echoes inside it (Jotform repeats the hook URL and its token).
 * For other keys a rejection reason shows no NIP but the subject's: a reason such as "rater ...
 * already answered as 'peer'" would otherwise name an anonymous peer.
 */
import type { Binding, Receipt } from '../store/records.ts'
import { bindingSecret } from './bindings.ts'
import type { Deps } from './deps.ts'

export function receiptView(deps: Deps, r: Receipt, binding: Binding | null, withBody: boolean) {
  // The exact bytes of a body that is not UTF-8 are kept for replays, never shown: a builder's
  // echoed secret is redacted in the text only.
  const { body, bodyBase64, headers, ...rest } = r
  if (!withBody) return { ...rest, reasons: rest.reasons.map((reason) => reason.replace(/\b\d{18}\b/g, (nip) => (nip === r.subject ? nip : '[NIP]'))) }
  const plugin = binding ? deps.plugins.get(binding.plugin) : undefined
  const secret = binding ? bindingSecret(deps, binding) : undefined
  const shown = plugin?.redactBody && secret ? plugin.redactBody(body, secret) : body
  return { ...rest, headers, body: shown, ...(bodyBase64 !== undefined ? { bodyExact: false } : {}) }
}

export async function listReceiptViews(deps: Deps, cycle: string, status: Receipt['status'] | undefined, withBody: boolean) {
  const bindings = new Map((await deps.store.listBindings(cycle)).map((b) => [b.id, b]))
  const receipts = await deps.store.listReceipts(cycle, status)
  return receipts.map((r) => receiptView(deps, r, bindings.get(r.binding) ?? null, withBody))
}
