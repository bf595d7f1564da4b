import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { loadPackage } from '../../src/package/load-package.ts'
import { fixedClock, silentLogger, type Deps } from '../../src/services/deps.ts'
import { createKey } from '../../src/services/keys.ts'
import { createPackageRegistry } from '../../src/services/package-registry.ts'
import { createMemoryStore } from '../../src/store/memory-store.ts'
import { jotformPlugin } from '../../plugins/jotform/index.ts'
import { createPluginRegistry } from '../../plugins/registry.ts'
import { plajuPackage, SAMPLE } from '../support/harness.ts'

const TOKEN = 'jf_test_8c1d4e'
const BOUNDARY = '------------------------h7Kp2VxQ9mLr4Tz8Wc1Bn5'
/** Muhammad Rizki Pratama, on the Plaju sample roster, assessing himself. */
const NIP = '198303102006041003'

/** The self form's scored properties, named in Jotform the way its "unique name" box suggests (camelCase). */
const SCORED = ['integritas', 'kerjasama', 'komunikasi', 'orientasi_hasil', 'pelayanan_publik', 'pengembangan_diri', 'mengelola_perubahan', 'pengambilan_keputusan', 'perekat_bangsa']
  .flatMap((c) => [`${c}_1`, `${c}_2`])
const jotformName = (property: string) => property.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase())

function jotformBody(hookUrl: string, submissionID: string): string {
  const answers: Record<string, unknown> = { slug: 'submit/260614938275062', q3_nipDinilai: NIP, q4_nipPenilai: NIP }
  SCORED.forEach((p, i) => (answers[`q${i + 5}_${jotformName(p)}`] = String((i % 5) + 1)))
  // PHP's json_encode escapes slashes; the parser must read them back.
  const raw = JSON.stringify(answers).replace(/\//g, '\\/')
  const parts: [string, string][] = [['webhookURL', hookUrl], ['formID', '260614938275062'], ['submissionID', submissionID], ['rawRequest', raw], ['pretty', 'Integritas:4, Komentar:a, b: c']]
  return parts.map(([n, v]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`).join('') + `--${BOUNDARY}--\r\n`
}

async function setup() {
  const store = createMemoryStore()
  const pkg = await plajuPackage()
  const deps: Deps = {
    store,
    clock: fixedClock('2026-01-05T08:00:00.000Z'),
    packages: createPackageRegistry(store, loadPackage, [pkg]),
    plugins: createPluginRegistry([jotformPlugin]),
    logger: silentLogger,
    secrets: (name) => (name === 'KINERJA_HOOK_JOTFORM' ? TOKEN : undefined),
  }
  const app = createApp(deps)
  const admin = (await createKey(deps, { role: 'admin', office: null })).key
  const call = async (method: string, path: string, body?: string, type = 'application/json', key: string | null = admin) => {
    const headers: Record<string, string> = { 'content-type': type }
    if (key) headers.authorization = `Bearer ${key}`
    const res = await app.request(path, { method, headers, body })
    return { status: res.status, data: (await res.json()) as any }
  }
  await call('POST', '/offices', JSON.stringify({ id: 'kecamatan-plaju', name: 'Kecamatan Plaju' }))
  const cycle = (await call('POST', '/offices/kecamatan-plaju/cycles', JSON.stringify({ name: '2026', package: pkg.id }))).data.id as string
  await call('PUT', `/cycles/${cycle}/roster`, await readFile(`${SAMPLE}roster.csv`, 'utf8'), 'text/csv')
  expect((await call('POST', `/cycles/${cycle}/start`)).status).toBe(200)
  const mapping: Record<string, string> = { nipDinilai: 'subject', nipPenilai: 'rater' }
  for (const p of SCORED) mapping[jotformName(p)] = p
  const binding = await call('POST', `/cycles/${cycle}/bindings`, JSON.stringify({ plugin: 'jotform', form: 'self', secretEnv: 'KINERJA_HOOK_JOTFORM', mapping }))
  expect(binding.status).toBe(201)
  const hookUrl = `http://localhost/hooks/${binding.data.id}?token=${TOKEN}`
  const deliver = (url: string, body: string) => call('POST', url.replace('http://localhost', ''), body, `multipart/form-data; boundary=${BOUNDARY}`, null)
  return { call, cycle, hookUrl, deliver }
}

describe('POST /hooks/{binding}?token= (Jotform)', () => {
  it('accepts a Jotform self-assessment through its hook URL and counts a retry once', async () => {
    const { hookUrl, deliver, call } = await setup()
    const body = jotformBody(hookUrl, '6167401782218834105')
    const first = await deliver(hookUrl, body)
    expect(first).toMatchObject({ status: 200, data: { status: 'accepted' } })
    const again = await deliver(hookUrl, body)
    expect(again.data).toMatchObject({ status: 'duplicate', receipt: first.data.receipt })
    const instance = (await call('GET', `/instances/${first.data.instance}`)).data
    expect(instance.responses.self.count).toBe(1)
  })

  it('answers 401 to a wrong or missing token and stores nothing', async () => {
    const { hookUrl, deliver, call, cycle } = await setup()
    const body = jotformBody(hookUrl, '6167401782218834106')
    expect((await deliver(hookUrl.replace(TOKEN, 'jf_guess'), body)).status).toBe(401)
    expect((await deliver(hookUrl.replace(`?token=${TOKEN}`, ''), body)).status).toBe(401)
    expect((await call('GET', `/cycles/${cycle}/receipts`)).data.receipts).toHaveLength(0)
  })

  it('never shows the token that Jotform echoes in the body when receipts are listed', async () => {
    const { hookUrl, deliver, call, cycle } = await setup()
    await deliver(hookUrl, jotformBody(hookUrl, '6167401782218834107'))
    const listed = JSON.stringify((await call('GET', `/cycles/${cycle}/receipts`)).data)
    expect(listed).toContain('webhookURL')
    expect(listed).not.toContain(TOKEN)
  })

  it('rejects a body with a duplicated rawRequest part with 422, naming the part, and keeps the receipt', async () => {
    const { hookUrl, deliver, call, cycle } = await setup()
    const body = jotformBody(hookUrl, '6167401782218834108')
    const twice = body.replace(`--${BOUNDARY}--`, () => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="rawRequest"\r\n\r\n{}\r\n--${BOUNDARY}--`)
    const res = await deliver(hookUrl, twice)
    expect(res.status).toBe(422)
    expect(res.data.errors).toEqual([{ path: '/rawRequest', message: "the part 'rawRequest' is sent 2 times; send it once" }])
    expect((await call('GET', `/cycles/${cycle}/receipts?status=rejected`)).data.receipts).toHaveLength(1)
  })
})
