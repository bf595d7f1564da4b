/**
 * Hostile bodies (webhooks.md section 9) sent through the real app for every JSON form builder,
 * each signed properly so it authenticates: each gets a 4xx problem+json (never a 5xx), the receipt
 * is kept as rejected with a reason, and the server goes on serving.
 */
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { standardWebhookSignature } from '../../plugins/formbricks/standard-webhooks.ts'
import { BUILDERS, FIXTURES, FORMBRICKS_TIMESTAMP } from '../support/deliveries.ts'
import { harness } from '../support/harness.ts'

const FILES: Record<string, string> = {
  kobo: 'kobo-1.json',
  'google-forms': 'google-forms-1.json',
  tally: 'tally-2.json',
  typeform: 'typeform-2.json',
  formbricks: 'formbricks-1.json',
  surveyjs: 'surveyjs-1.json',
}

/** Ways to spoil a JSON body; each must be refused with a 4xx. */
const HOSTILE: Record<string, (body: string) => string> = {
  'a truncated body': (b) => b.slice(0, Math.floor(b.length / 2)),
  'a duplicate key': (b) => b.replace('{', '{"dup":1,"dup":2,'),
  'a __proto__ key': (b) => b.replace('{', '{"__proto__":{"admin":true},'),
  'a constructor key': (b) => b.replace('{', '{"constructor":{"prototype":1},'),
  'a NIP sent as a JSON number': (b) => b.replace('"198503122010011001"', '198503122010011001').replace('"199204182019031004"', '199204182019031004').replace('"199007252015032002"', '199007252015032002'),
  'a number too large for JSON': (b) => b.replace('{', '{"big":1e309,'),
  'a NUL character in text': (b) => b.replace('{', '{"komentar_x":"a\\u0000b",'),
  'a lone surrogate in text': (b) => b.replace('{', '{"komentar_x":"a\\ud800b",'),
  'not JSON at all': () => 'nip=198503122010011001&skor=lima',
}

/** Where each refusal must point (a field-level reason), where the place is the same for every builder. */
const WHERE: Record<string, RegExp> = {
  'a duplicate key': /^\/dup$/,
  'a __proto__ key': /^\/__proto__$/,
  'a constructor key': /^\/constructor/,
  'a number too large for JSON': /^\/big$/,
  'a NUL character in text': /^\/komentar_x$/,
  'a lone surrogate in text': /^\/komentar_x$/,
  'a NIP sent as a JSON number': /nip|\/answers\/0\/response|\/data\/fields\/0\/value/,
}

async function headersFor(builder: string, body: string): Promise<Record<string, string>> {
  if (builder !== 'formbricks') return BUILDERS[builder]!.headers(body)
  // Formbricks signs id.timestamp.body: sign the spoiled bytes so only the content is at fault.
  const id = 'hostile-test'
  const ts = String(FORMBRICKS_TIMESTAMP)
  const signature = await standardWebhookSignature(BUILDERS.formbricks!.secret, id, ts, new TextEncoder().encode(body))
  return { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': signature! }
}

describe('hostile deliveries from every JSON form builder', () => {
  for (const [builder, file] of Object.entries(FILES)) {
    it(`${builder}: refuses each with a 4xx, keeps the receipt, and keeps serving`, async () => {
      const h = await harness({ start: new Date(FORMBRICKS_TIMESTAMP * 1000 + 30_000).toISOString(), secrets: { KINERJA_HOOK: BUILDERS[builder]!.secret } })
      const cycle = await h.runningCycle('kecamatan-plaju', `${FIXTURES}roster.csv`)
      const binding = (await h.request('POST', `/cycles/${cycle}/bindings`, { json: { template: `${builder}-ringkas`, secretEnv: 'KINERJA_HOOK' } })).data.id
      const fixture = await readFile(`${FIXTURES}${file}`, 'utf8')
      let sent = 0
      for (const [what, spoil] of Object.entries(HOSTILE)) {
        const body = spoil(fixture)
        if (body === fixture) continue
        sent++
        const res = await h.request('POST', `/hooks/${binding}`, { key: null, body, headers: await headersFor(builder, body) })
        expect(res.status, `${builder}, ${what}: ${JSON.stringify(res.data)}`).toBeGreaterThanOrEqual(400)
        expect(res.status, `${builder}, ${what}`).toBeLessThan(500)
        expect(res.type, `${builder}, ${what}`).toContain('application/problem+json')
        expect(res.data.detail, `${builder}, ${what}`).toBeTruthy()
        const where = WHERE[what]
        if (where) expect(res.data.errors?.[0]?.path, `${builder}, ${what}`).toMatch(where)
      }
      expect(sent).toBeGreaterThanOrEqual(8)
      const rejected = (await h.request('GET', `/cycles/${cycle}/receipts?status=rejected`)).data.receipts
      expect(rejected).toHaveLength(sent)
      for (const r of rejected) expect(r.reasons.length).toBeGreaterThan(0)
      expect((await h.request('GET', '/health', { key: null })).status).toBe(200)
      // And a good delivery still goes through afterwards.
      const ok = await h.request('POST', `/hooks/${binding}`, { key: null, body: fixture, headers: await BUILDERS[builder]!.headers(fixture) })
      expect(ok.status, JSON.stringify(ok.data)).toBe(builder === 'formbricks' ? 422 : 200)
    })
  }
})
