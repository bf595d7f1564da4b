import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { harness, SAMPLE, sampleSubmissions } from '../support/harness.ts'
import { simulate, assertSimulationInput } from '../../src/services/simulate.ts'
import { applyJsonEdits, jsonEdit } from './hostile-arbitraries.ts'
const h = await harness()
const simulation = JSON.stringify({
  roster: JSON.parse(readFileSync(`${SAMPLE}roster.json`, 'utf8')).slice(0, 6),
  submissions: (await sampleSubmissions()).slice(0, 12),
  actions: JSON.parse(readFileSync(`${SAMPLE}actions.json`, 'utf8')).slice(0, 4),
})
await fc.assert(fc.asyncProperty(fc.array(jsonEdit, { minLength: 1, maxLength: 3 }), async (e) => {
  const body = applyJsonEdits(simulation, e)
  const res = await h.request('POST', `/packages/${h.pkg.id}/simulate`, { body, type: 'application/json' })
  if (res.status >= 500) {
    const parsed = JSON.parse(body)
    const diff = e.map((x) => ({ ...x, raw: (x as any).raw?.slice(0, 60) }))
    console.log('edits', JSON.stringify(diff))
    try { await simulate(h.pkg, { ...assertSimulationInput(parsed), start: '2026-01-05T08:00:00.000Z' }) } catch (err) { console.log((err as Error).stack?.slice(0, 1500)) }
    throw new Error('500')
  }
}), { numRuns: 500, seed: Number(process.env.SEED), path: process.env.FCPATH, endOnFailure: true }).catch(() => {})
