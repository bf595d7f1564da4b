/**
 * Runs plugins/google-forms/apps-script.gs (the script HR pastes into the form) in a Node VM
 * against stand-ins for the Apps Script services, and feeds what it sends to the plugin.
 */
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import vm from 'node:vm'
import { describe, expect, it } from 'vitest'
import { googleFormsPlugin as plugin } from '../../plugins/google-forms/index.ts'

const SCRIPT = readFileSync(new URL('../../plugins/google-forms/apps-script.gs', import.meta.url), 'utf8')
const URL_ = 'https://penilaian.plaju.example.go.id/hooks/bnd_gf1'
const SECRET = 'gas_test_secret_kL93'

/** Java-style signed bytes, as Apps Script's Byte[]. */
const signed = (b: Buffer) => Array.from(b, (x) => (x > 127 ? x - 256 : x))
const unsigned = (bytes: number[]) => Buffer.from(bytes.map((x) => x & 255))

interface Item {
  id: number
  title: string
  type: string
  rows?: string[]
  response: unknown
}

const response = (id: string, items: Item[]) => ({
  getId: () => id,
  getTimestamp: () => new Date('2026-03-02T02:41:07.512Z'),
  getRespondentEmail: () => '',
  getItemResponses: () =>
    items.map((it) => ({
      getItem: () => ({
        getId: () => it.id,
        getTitle: () => it.title,
        getType: () => it.type,
        asGridItem: () => ({ getRows: () => it.rows }),
        asCheckboxGridItem: () => ({ getRows: () => it.rows }),
      }),
      getResponse: () => it.response,
    })),
})

const ITEMS: Item[] = [
  { id: 1184631072, title: 'NIP pegawai yang dinilai', type: 'TEXT', response: '198503122010011001' },
  { id: 2059113784, title: 'Integritas', type: 'SCALE', response: '4' },
  { id: 1450827396, title: 'Penilaian perilaku kerja', type: 'GRID', rows: ['Kerja Sama', 'Komunikasi'], response: ['5', ''] },
  { id: 317764590, title: 'Kompetensi yang menonjol', type: 'CHECKBOX', response: ['Pelayanan publik'] },
  { id: 955601832, title: 'Komentar dan saran', type: 'PARAGRAPH_TEXT', response: 'Sudah baik – terus tingkatkan 👍' },
]

/** A fresh Apps Script world: one form, Script Properties, a scripted kinerja that answers `codes` in turn. */
function appsScript(opts: { codes?: number[]; props?: Record<string, string>; responses?: ReturnType<typeof response>[] } = {}) {
  const props: Record<string, string> = { ...(opts.props ?? { WEBHOOK_URL: URL_, WEBHOOK_SECRET: SECRET }) }
  const responses = opts.responses ?? [response('resp-1', ITEMS)]
  const codes = [...(opts.codes ?? [200])]
  const sent: { url: string; headers: Record<string, string>; body: Buffer; contentType: string }[] = []
  const triggers: { handler: string; kind: string }[] = [{ handler: 'sendResponse', kind: 'old' }]
  const logs: string[] = []
  const log = (...a: unknown[]) => logs.push(a.join(' '))
  const trigger = (handler: string) => ({
    forForm: () => ({ onFormSubmit: () => ({ create: () => triggers.push({ handler, kind: 'onFormSubmit' }) }) }),
    timeBased: () => ({ everyMinutes: (n: number) => ({ create: () => triggers.push({ handler, kind: `every ${n} min` }) }) }),
  })
  const world = {
    console: { log, warn: log, error: log },
    FormApp: {
      ItemType: { GRID: 'GRID', CHECKBOX_GRID: 'CHECKBOX_GRID', SECTION_HEADER: 'SECTION_HEADER', PAGE_BREAK: 'PAGE_BREAK', IMAGE: 'IMAGE', VIDEO: 'VIDEO' },
      getActiveForm: () => ({
        getItems: () => [{ id: 7, title: 'Bagian 2', type: 'PAGE_BREAK', response: null }, ...ITEMS].map((it) => response('-', [it]).getItemResponses()[0]!.getItem()),
        getId: () => '1pQ7cVw3XkR9mTz2LbN8sYd4HfJ6uEa0GqWoKi5PxMnC',
        getTitle: () => 'Penilaian Perilaku Kerja 360° – Kecamatan Plaju',
        getResponses: () => responses,
        getResponse: (id: string) => {
          const r = responses.find((x) => x.getId() === id)
          if (!r) throw new Error(`No response with ID ${id}`)
          return r
        },
      }),
    },
    PropertiesService: {
      getScriptProperties: () => ({
        getProperty: (k: string) => props[k] ?? null,
        setProperty: (k: string, v: string) => void (props[k] = v),
        deleteProperty: (k: string) => void delete props[k],
        getProperties: () => ({ ...props }),
      }),
    },
    Utilities: {
      newBlob: () => ({ setDataFromString: (s: string, cs: string) => ({ getBytes: () => signed(Buffer.from(s, cs === 'UTF-8' ? 'utf8' : 'latin1')) }) }),
      computeHmacSha256Signature: (value: number[], key: number[]) => signed(createHmac('sha256', unsigned(key)).update(unsigned(value)).digest()),
      base64Encode: (bytes: number[]) => unsigned(bytes).toString('base64'),
    },
    UrlFetchApp: {
      fetch: (url: string, o: { payload: number[]; headers: Record<string, string>; contentType: string; followRedirects: boolean; muteHttpExceptions: boolean }) => {
        expect(o.followRedirects).toBe(false)
        expect(o.muteHttpExceptions).toBe(true)
        const code = codes.length > 1 ? codes.shift()! : codes[0]!
        if (code === 0) throw new Error('Address unavailable')
        sent.push({ url, headers: o.headers, body: unsigned(o.payload), contentType: o.contentType })
        return { getResponseCode: () => code, getContentText: () => JSON.stringify({ status: code < 300 ? 'accepted' : 'rejected' }) }
      },
    },
    ScriptApp: {
      getProjectTriggers: () => triggers.map((t) => ({ getHandlerFunction: () => t.handler, t })),
      deleteTrigger: (x: { t: (typeof triggers)[number] }) => triggers.splice(triggers.indexOf(x.t), 1),
      newTrigger: trigger,
    },
    LockService: { getScriptLock: () => ({ tryLock: () => true, releaseLock: () => undefined }) },
  }
  const context = vm.createContext(world)
  vm.runInContext(SCRIPT, context, { filename: 'apps-script.gs' })
  const run = (fn: string, ...args: unknown[]) => (context[fn] as (...a: unknown[]) => unknown)(...args)
  const parked = () => Object.fromEntries(Object.entries(props).filter(([k]) => k.startsWith('retry:') || k.startsWith('failed:')))
  return { run, sent, props, parked, triggers, logs, submit: () => run('sendResponse', { response: responses[0], triggerUid: '8429051736120475913' }) }
}

/** What the intake would see for one sent request. */
const delivery = (s: { headers: Record<string, string>; body: Buffer }) => ({
  headers: Object.fromEntries(Object.entries(s.headers).map(([k, v]) => [k.toLowerCase(), v])),
  body: new Uint8Array(s.body),
  text: s.body.toString('utf8'),
  url: URL_,
  receivedAt: new Date('2026-03-02T02:41:10Z'),
})

describe('apps-script.gs (the Google Forms sender HR pastes)', () => {
  it('sends each response signed so that the plugin authenticates it, with non-ASCII text intact', async () => {
    const gas = appsScript()
    gas.submit()
    expect(gas.sent).toHaveLength(1)
    const d = delivery(gas.sent[0]!)
    expect(gas.sent[0]!.contentType).toBe('application/json; charset=utf-8')
    expect(await plugin.authenticate(d, SECRET)).toBe(true)
    expect(await plugin.authenticate(d, 'another-secret')).toBe(false)
    expect(plugin.idempotencyKey(d)).toBe('resp-1')
    const n = plugin.normalise(d)
    expect(n.fields).toEqual({
      'NIP pegawai yang dinilai': '198503122010011001',
      'item:1184631072': '198503122010011001',
      Integritas: '4',
      'item:2059113784': '4',
      'Penilaian perilaku kerja [Kerja Sama]': '5',
      'item:1450827396:Kerja Sama': '5',
      'Kompetensi yang menonjol': ['Pelayanan publik'],
      'item:317764590': ['Pelayanan publik'],
      'Komentar dan saran': 'Sudah baik – terus tingkatkan 👍',
      'item:955601832': 'Sudah baik – terus tingkatkan 👍',
    })
    expect(n).toMatchObject({ externalId: 'resp-1', submittedAt: '2026-03-02T02:41:07.512Z' })
    expect(JSON.parse(d.text)).toMatchObject({ source: 'google-forms', schemaVersion: 1, formTitle: 'Penilaian Perilaku Kerja 360° – Kecamatan Plaju', attempt: 1 })
    expect(gas.parked()).toEqual({})
  })

  it('parks a response kinerja could not take (503, network error) and delivers it on the 10-minute retry', async () => {
    const gas = appsScript({ codes: [503, 0, 200] })
    gas.submit()
    expect(gas.parked()).toEqual({ 'retry:resp-1': '1' })
    gas.run('retryParked')
    expect(gas.parked()).toEqual({ 'retry:resp-1': '2' })
    gas.run('retryParked')
    expect(gas.parked()).toEqual({})
    const last = gas.sent.at(-1)!
    expect(JSON.parse(last.body.toString('utf8')).attempt).toBe(3)
    expect(await plugin.authenticate(delivery(last), SECRET)).toBe(true)
  })

  it('keeps retrying a 401 (the secret can still be fixed) but not a 422, which kinerja keeps for replay', () => {
    const denied = appsScript({ codes: [401] })
    denied.submit()
    expect(denied.parked()).toEqual({ 'retry:resp-1': '1' })
    const rejected = appsScript({ codes: [422] })
    rejected.submit()
    expect(rejected.parked()).toEqual({})
    expect(rejected.logs.join('\n')).toContain('kinerja rejected response resp-1 (HTTP 422)')
  })

  it('gives up after 50 attempts and lists the response as failed', () => {
    const gas = appsScript({ codes: [503], props: { WEBHOOK_URL: URL_, WEBHOOK_SECRET: SECRET, 'retry:resp-1': '49' } })
    gas.run('retryParked')
    expect(Object.keys(gas.parked())).toEqual(['failed:resp-1'])
    gas.run('listParked')
    expect(gas.logs.join('\n')).toMatch(/given up: 1\nresp-1 at /)
  })

  it('parks responses submitted before the Script Properties are set, and sends them once they are', () => {
    const gas = appsScript({ props: {} })
    gas.submit()
    expect(gas.sent).toHaveLength(0)
    expect(gas.parked()).toEqual({ 'retry:resp-1': '1' })
    Object.assign(gas.props, { WEBHOOK_URL: URL_, WEBHOOK_SECRET: SECRET })
    gas.run('retryParked')
    expect(gas.sent).toHaveLength(1)
    expect(gas.parked()).toEqual({})
  })

  it('installs one on-submit trigger and one 10-minute retry trigger, replacing old copies', () => {
    const gas = appsScript()
    gas.run('installTriggers')
    gas.run('installTriggers')
    expect(gas.triggers).toEqual([
      { handler: 'sendResponse', kind: 'onFormSubmit' },
      { handler: 'retryParked', kind: 'every 10 min' },
    ])
  })

  it('refuses to install the triggers until WEBHOOK_URL and WEBHOOK_SECRET are set', () => {
    expect(() => appsScript({ props: { WEBHOOK_URL: 'http://insecure.example' } }).run('installTriggers')).toThrow(/WEBHOOK_URL \(https:\/\/\.\.\.\) dan WEBHOOK_SECRET/)
  })

  it('testSend re-sends the latest response and explains a 401 in Indonesian and English', () => {
    const gas = appsScript({ codes: [401] })
    gas.run('testSend')
    expect(gas.sent).toHaveLength(1)
    expect(gas.logs.join('\n')).toContain('HTTP 401: Tanda tangan/URL salah')
    expect(gas.parked()).toEqual({})
  })

  it('listItems prints the field names HR writes in the mapping, one per grid row, without layout items', () => {
    const gas = appsScript()
    gas.run('listItems')
    const out = gas.logs.join('\n')
    expect(out).toContain('"Integritas"  /  "item:2059113784"  (SCALE)')
    expect(out).toContain('"Penilaian perilaku kerja [Komunikasi]"  /  "item:1450827396:Komunikasi"  (GRID)')
    expect(out).not.toContain('Bagian 2')
  })

  it('queueAllResponses sends every earlier response on the next retry run', () => {
    const gas = appsScript({ responses: [response('resp-1', ITEMS), response('resp-2', ITEMS)] })
    gas.run('queueAllResponses')
    expect(gas.parked()).toEqual({ 'retry:resp-1': '0', 'retry:resp-2': '0' })
    gas.run('retryParked')
    expect(gas.sent.map((s) => JSON.parse(s.body.toString('utf8')).responseId)).toEqual(['resp-1', 'resp-2'])
    expect(gas.parked()).toEqual({})
  })
})
