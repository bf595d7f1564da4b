import fc from 'fast-check'
import { harness, sampleSubmissions } from '../support/harness.ts'
import { valueFor } from './hostile-schema-values.ts'
import { applyJsonEdits, jsonEdit } from './hostile-arbitraries.ts'
const h = await harness()
const cycle = await h.runningCycle('kecamatan-plaju')
const bindings: Record<string, any> = {}
for (const form of Object.keys(h.pkg.forms)) bindings[form] = (await h.request('POST', `/cycles/${cycle}/bindings`, { json: { plugin: 'json', form } })).data
for (const s of await sampleSubmissions()) await h.deliver(bindings[s.form].id, bindings[s.form].secret, JSON.stringify({ id: `${s.role}-${s.subject}-${s.rater}`, subject: s.subject, rater: s.rater, answers: s.answers }))
const list = (await h.request('GET', `/cycles/${cycle}/instances`)).data.instances
console.log(list.map((i: any) => i.state + ':' + JSON.stringify(i.waitingFor ?? i.tasks ?? '')).slice(0, 20))
console.log(Object.keys(list[0]))
import { readFileSync } from 'node:fs'
import { SAMPLE } from '../support/harness.ts'
const roster = JSON.parse(readFileSync(`${SAMPLE}roster.json`, 'utf8'))
const sup = Object.fromEntries(roster.map((e: any) => [e.nip, e.supervisor]))
const states = h.pkg.workflow.states as any
const acts: [string, string, any][] = []
for (const [sn, s] of Object.entries<any>(states)) for (const [an, a] of Object.entries<any>(s.actions ?? {})) acts.push([sn, an, a.input])
const st: Record<string, number> = {}
await fc.assert(fc.asyncProperty(fc.constantFrom(...list.map((i: any) => i.id)), fc.constantFrom(...acts), fc.nat(2), fc.nat(), fc.array(jsonEdit, { maxLength: 2 }), async (id, [sn, an, schema], who, seed2, edits) => {
  const nip = id.slice(cycle.length + 1)
  const actor = [nip, sup[nip], roster[seed2 % roster.length].nip][who]
  const input = schema ? fc.sample(valueFor(schema, schema), { numRuns: 1, seed: seed2 })[0] : undefined
  let body = JSON.stringify({ actor, input })
  if (edits.length) body = applyJsonEdits(body, edits)
  const res = await h.request('POST', `/instances/${id}/actions/${an}`, { body, type: 'application/json' })
  const k = `${sn}/${an} ${res.status}`
  st[k] = (st[k] ?? 0) + 1
  if (res.status >= 500) throw new Error(body.slice(0, 500))
  if (res.status < 300 && Math.random() < 0.3) {
    for (const p of [`/instances/${id}`, `/instances/${id}/report`, `/cycles/${cycle}/report`, `/cycles/${cycle}/export.xlsx`]) { const r = await h.request('GET', p); if (r.status >= 500) throw new Error('read ' + p) }
  }
}), { numRuns: Number(process.env.RUNS ?? 300) })
console.log(st)
