import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { harness, SAMPLE, sampleSubmissions } from '../support/harness.ts'
import { applyJsonEdits, jsonEdit } from './hostile-arbitraries.ts'
const h = await harness()
const simulation = JSON.stringify({
  roster: JSON.parse(readFileSync(`${SAMPLE}roster.json`, 'utf8')).slice(0, 6),
  submissions: (await sampleSubmissions()).slice(0, 12),
  actions: JSON.parse(readFileSync(`${SAMPLE}actions.json`, 'utf8')).slice(0, 4),
})
const st: Record<number, number> = {}
await fc.assert(fc.asyncProperty(fc.array(jsonEdit, { minLength: 1, maxLength: 3 }), async (e) => {
  const body = applyJsonEdits(simulation, e)
  const res = await h.request('POST', `/packages/${h.pkg.id}/simulate`, { body, type: 'application/json' })
  st[res.status] = (st[res.status] ?? 0) + 1
  if (res.status >= 500) throw new Error(JSON.stringify(res.data).slice(0, 500))
}), { numRuns: Number(process.env.RUNS ?? 300) })
console.log(st)
