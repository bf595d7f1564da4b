import { readFile, readdir } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { harness, SAMPLE, sampleSubmissions } from '../support/harness.ts'

describe('packages', () => {
  it('lists the loaded packages and shows one with its framework and forms', async () => {
    const h = await harness()
    const list = await h.request('GET', '/packages')
    expect(list.data.packages).toEqual([expect.objectContaining({ id: 'plaju-kompetensi-360', version: h.pkg.version, hash: h.pkg.hash })])
    const one = await h.request('GET', '/packages/plaju-kompetensi-360')
    expect(one.data.framework.competencies.map((c: any) => c.id)).toContain('integritas')
    expect(Object.keys(one.data.forms)).toEqual(expect.arrayContaining(['peer', 'self', 'supervisor']))
    expect((await h.request('GET', '/packages/nope')).status).toBe(404)
  })

  it('validates a package sent as files and reports each problem with its position', async () => {
    const h = await harness()
    const files = { ...h.pkg.files }
    expect((await h.request('POST', '/packages/validate', { json: { files } })).data).toMatchObject({ valid: true, problems: [] })
    const broken = { ...files, 'workflow.json': files['workflow.json']!.replace('"next": "score"', '"next": "scroe"') }
    const res = await h.request('POST', '/packages/validate', { json: { files: broken } })
    expect(res.status).toBe(200)
    expect(res.data.valid).toBe(false)
    const problem = res.data.problems.find((p: any) => p.message.includes('scroe'))
    expect(problem).toMatchObject({ file: 'workflow.json', severity: 'error' })
    expect(problem.line).toBeGreaterThan(1)
    expect(problem.message).toContain("'score'")
  })

  it('simulates the package over sample data without storing anything', async () => {
    const h = await harness()
    const roster = JSON.parse(await readFile(`${SAMPLE}roster.json`, 'utf8'))
    const submissions = await sampleSubmissions()
    const actions = JSON.parse(await readFile(`${SAMPLE}actions.json`, 'utf8'))
    const res = await h.request('POST', '/packages/plaju-kompetensi-360/simulate', { json: { roster, submissions, actions } })
    expect(res.status).toBe(200)
    expect(res.data.steps.filter((s: any) => !s.ok)).toEqual([])
    expect(res.data.results).toHaveLength(roster.length)
    expect(res.data.results.every((r: any) => r.status === 'done' && typeof r.vars.predikat === 'string')).toBe(true)
    expect(await h.store.listOffices()).toEqual([])
  })

  it('refuses a simulation body that is not roster + submissions', async () => {
    const h = await harness()
    const res = await h.request('POST', '/packages/plaju-kompetensi-360/simulate', { json: { roster: 'x' } })
    expect(res.status).toBe(422)
    expect(res.type).toContain('problem+json')
  })

  it('is readable by a viewer but validate and simulate need hr', async () => {
    const h = await harness()
    await h.request('POST', '/offices', { json: { id: 'kecamatan-plaju', name: 'Plaju' } })
    const viewer = (await h.request('POST', '/offices/kecamatan-plaju/keys', { json: { role: 'viewer' } })).data.key
    expect((await h.request('GET', '/packages', { key: viewer })).status).toBe(200)
    expect((await h.request('POST', '/packages/validate', { key: viewer, json: { files: {} } })).status).toBe(403)
  })

  it('ships sample submissions for every appraisee', async () => {
    const names = await readdir(`${SAMPLE}submissions`)
    expect(names.length).toBeGreaterThanOrEqual(25)
  })
})
