import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/errors.ts'
import { koboPlugin } from '../../plugins/kobo/index.ts'
import type { Delivery } from '../../plugins/plugin.ts'
import { failure } from '../support/failure.ts'

const fixture = (name: string) => readFileSync(new URL(`../fixtures/webhooks/${name}`, import.meta.url), 'utf8')
const BASIC = 'Basic a29iby1ob29rOmtvYm9fdGVzdF9wd180MXg='

const delivery = (text: string): Delivery => ({
  headers: { 'content-type': 'application/xml', authorization: BASIC },
  body: new TextEncoder().encode(text),
  text,
  url: 'https://kinerja.example.go.id/hooks/bnd_kobo',
  receivedAt: new Date('2026-03-03T07:03:00Z'),
})

const rejection = (text: string): AppError => failure(() => koboPlugin.normalise(delivery(text)))

/** A small instance, as Kobo stores it. */
const instance = (body: string, meta = '<meta><instanceID>uuid:c7a19e04-52b8-4f3d-a6e1-90d4b2f8c317</instanceID></meta>') =>
  `<?xml version='1.0' encoding='UTF-8'?><data id="aTq4Z9mYvR8sLkP2xW3nJd">${body}${meta}</data>`

describe('kobo plugin: the XML export', () => {
  it('authenticates the XML export like the JSON one', async () => {
    expect(await koboPlugin.authenticate(delivery(fixture('hostile/kobo-export.xml')), 'kobo-hook:kobo_test_pw_41x')).toBe(true)
  })

  it('reads the XML export of kobo-2 into the same field names and values as the JSON export', () => {
    const xml = koboPlugin.normalise(delivery(fixture('hostile/kobo-export.xml')))
    const json = koboPlugin.normalise(delivery(fixture('kobo-2.json')))
    const same = [
      'identitas/nip_dinilai', 'identitas/nip_penilai', 'identitas/peran_penilai', 'penilaian/integritas', 'penilaian/kerja_sama',
      'penilaian/komunikasi', 'penilaian/orientasi_pelayanan', 'penilaian/kompetensi_menonjol', 'penilaian/bukti_kinerja',
      'penilaian/bukti_kinerja[1]/capaian_persen', 'penilaian/bukti_kinerja[2]/uraian_bukti', 'integritas', 'kompetensi_menonjol[]', '_xform_id_string', 'meta/instanceID',
    ]
    for (const key of same) expect([key, xml.fields[key]]).toEqual([key, json.fields[key]])
    expect(xml.fields['penilaian/integritas']).toBe('5')
    expect(xml.fields['identitas/nip_dinilai']).toBe('198503122010011001')
    expect(xml.fields['penilaian/komentar']).toContain('jujur & tidak pernah')
    expect(xml.externalId).toBe(json.externalId)
  })

  it('leaves unanswered (empty) questions out, as the JSON export does', () => {
    const { fields } = koboPlugin.normalise(delivery(fixture('hostile/kobo-export.xml')))
    expect(fields).not.toHaveProperty('penilaian/bukti_kinerja[2]/dokumen')
  })

  it('keys an original by asset uid + instanceID, and an edit by its rootUuid, so the edit replaces it', () => {
    const original = delivery(instance('<penilaian><integritas>4</integritas></penilaian>'))
    expect(koboPlugin.idempotencyKey(original)).toBe('aTq4Z9mYvR8sLkP2xW3nJd:uuid:c7a19e04-52b8-4f3d-a6e1-90d4b2f8c317')
    const edit = delivery(
      instance(
        '<penilaian><integritas>3</integritas></penilaian>',
        '<orx:meta><orx:instanceID>uuid:11111111-2222-4333-8444-555555555555</orx:instanceID><orx:deprecatedID>uuid:c7a19e04-52b8-4f3d-a6e1-90d4b2f8c317</orx:deprecatedID><orx:rootUuid>uuid:c7a19e04-52b8-4f3d-a6e1-90d4b2f8c317</orx:rootUuid></orx:meta>',
      ),
    )
    expect(koboPlugin.idempotencyKey(edit)).toBe(koboPlugin.idempotencyKey(original))
    expect(koboPlugin.normalise(edit).externalId).toBe(koboPlugin.normalise(original).externalId)
    expect(koboPlugin.normalise(edit).fields['meta/deprecatedID']).toBe('uuid:c7a19e04-52b8-4f3d-a6e1-90d4b2f8c317')
  })

  it('cannot link an edit without rootUuid to its original, and says so by giving no key', () => {
    const edit = delivery(
      instance('<a>1</a>', '<meta><instanceID>uuid:11111111-2222-4333-8444-555555555555</instanceID><deprecatedID>uuid:c7a19e04-52b8-4f3d-a6e1-90d4b2f8c317</deprecatedID></meta>'),
    )
    expect(koboPlugin.idempotencyKey(edit)).toBeUndefined()
    expect(koboPlugin.normalise(edit).externalId).toBeUndefined()
  })

  it('decodes the predefined entities, character references and CDATA, and keeps emoji', () => {
    const { fields } = koboPlugin.normalise(delivery(instance('<c>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#65;&#x1F44D;<![CDATA[ <x> & ]]></c>')))
    expect(fields.c).toBe('a <b> & "c" \'d\' A\u{1F44D} <x> & ')
  })

  it('reads a repeat answered once as a group, as the setup guide warns', () => {
    const { fields } = koboPlugin.normalise(delivery(instance('<g><r><x>1</x></r></g>')))
    expect(fields['g/r/x']).toBe('1')
    expect(fields).not.toHaveProperty('g/r[1]/x')
  })
})

describe('kobo plugin: hostile XML', () => {
  it('refuses a DTD, so entity bombs and external entities never expand', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><data id="x"><a>&lol2;</a></data>`
    const e = rejection(bomb)
    expect(e.status).toBe(422)
    expect(e.errors).toEqual([{ path: '/', message: expect.stringMatching(/DTDs .* not accepted \(line 1, column 22\)/) }])
    const xxe = rejection(instance('<!DOCTYPE x SYSTEM "file:///etc/passwd"><a>1</a>'))
    expect(xxe.errors?.[0]?.message).toContain('not accepted')
  })

  it('refuses an undeclared entity and a bare ampersand', () => {
    expect(rejection(instance('<a>&nbsp;</a>')).errors?.[0]?.message).toMatch(/unknown entity '&nbsp;'/)
    expect(rejection(instance('<a>R&D</a>')).errors?.[0]?.message).toMatch(/'&' must start an entity/)
  })

  it('refuses mismatched and unclosed elements, with line and column', () => {
    expect(rejection('<data id="x">\n  <a>1</b>\n</data>').errors?.[0]?.message).toBe('</b> closes <a>, which it does not match (line 2, column 7)')
    expect(rejection('<data id="x"><a>1</a>').errors?.[0]?.message).toMatch(/<data> is not closed \(line 1, column 1\)/)
  })

  it('refuses an answer that appears twice, naming its XPath', () => {
    const e = rejection(instance('<penilaian><integritas>4</integritas><integritas>1</integritas></penilaian>'))
    expect(e.status).toBe(422)
    expect(e.errors).toEqual([{ path: '/data/penilaian/integritas', message: expect.stringContaining('appears 2 times') }])
  })

  it('refuses __proto__ as an element name and NUL as a character reference', () => {
    expect(rejection(instance('<g><__proto__>1</__proto__></g>')).errors).toEqual([{ path: '/data/g/__proto__', message: expect.stringContaining('not allowed') }])
    expect(rejection(instance('<a>x&#0;y</a>')).errors?.[0]?.message).toMatch(/'&#0;' is not a character XML allows/)
    expect(rejection(instance('<a>x\u0000y</a>')).errors?.[0]?.message).toMatch(/NUL character/)
  })

  it('refuses text declared in another encoding than UTF-8', () => {
    expect(rejection(`<?xml version="1.0" encoding="ISO-8859-1"?><data id="x"/>`).errors?.[0]?.message).toMatch(/declared as 'ISO-8859-1'/)
  })

  it('refuses nesting deeper than 64 levels', () => {
    const deep = `${'<g>'.repeat(70)}1${'</g>'.repeat(70)}`
    expect(rejection(`<data id="x">${deep}</data>`).errors?.[0]?.message).toMatch(/nested deeper than 64 levels/)
  })

  it('reads a retried XML body to the same key, and a malformed one to none', () => {
    const text = fixture('hostile/kobo-export.xml')
    expect(koboPlugin.idempotencyKey(delivery(text))).toBe('aTq4Z9mYvR8sLkP2xW3nJd:uuid:c7a19e04-52b8-4f3d-a6e1-90d4b2f8c317')
    expect(koboPlugin.idempotencyKey(delivery(text))).toBe(koboPlugin.idempotencyKey(delivery(text)))
    expect(koboPlugin.idempotencyKey(delivery('<data'))).toBeUndefined()
  })
})
