/**
 * Kobo deliveries for `npm run bench`, by "rater slot": slot 0 is the employee's self-assessment,
 * 1 the supervisor's, k >= 2 the answer of peer k-1 (the roster of bench/support.ts gives everyone
 * the 8 next employees as peers). Kobo's `_id` is the employee's number times ten plus the slot,
 * so no two deliveries of a run, or of two runs, are the same submission, and every one is
 * accepted as long as fewer than all 8 peers answer (the 10th answer would complete the appraisal).
 */
import { readFile } from 'node:fs/promises'
import { KOBO_SECRET, ROOT, nip, type Delivery } from './support.ts'

const SUPERVISOR = '197611042003121003'

export async function koboBySlot(binding: string, rosterSize: number, employees: number[], slots: number[]): Promise<Delivery[]> {
  if (slots.some((s) => s < 0 || s > 8)) throw new Error('slots are 0 (self), 1 (supervisor) and 2..8 (peers 1-7)')
  const template = JSON.parse(await readFile(`${ROOT}test/fixtures/webhooks/kobo-1.json`, 'utf8'))
  const authorization = `Basic ${Buffer.from(KOBO_SECRET).toString('base64')}`
  const out: Delivery[] = []
  for (const slot of slots) {
    for (const i of employees) {
      const [role, rater] = slot === 0 ? ['self', nip(i)] : slot === 1 ? ['supervisor', SUPERVISOR] : ['peer', nip((i + slot - 1) % rosterSize)]
      const id = i * 10 + slot
      const uuid = `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`
      const body = JSON.stringify({ ...template, _id: 90_000_000 + id, _uuid: uuid, 'meta/instanceID': `uuid:${uuid}`, 'meta/rootUuid': `uuid:${uuid}`, 'identitas/nip_dinilai': nip(i), 'identitas/nip_penilai': rater, 'identitas/peran_penilai': role })
      out.push({ path: `/hooks/${binding}`, body, headers: { 'content-type': 'application/json', authorization } })
    }
  }
  return out
}

export const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, k) => from + k)
