import { describe, expect, it } from 'vitest'
import { parseCsv } from '../../src/json/csv.ts'

const rows = (text: string) => {
  const r = parseCsv(text)
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r
}

describe('parseCsv', () => {
  it('reads a comma-separated roster with quoted fields and doubled quotes', () => {
    const r = rows('nip,name,unit\n"199001012015031001","Siti ""Ani"" Rahma","Seksi Umum, Plaju"\n')
    expect(r.delimiter).toBe(',')
    expect(r.header).toEqual(['nip', 'name', 'unit'])
    expect(r.rows).toEqual([
      { line: 2, cells: ['199001012015031001', 'Siti "Ani" Rahma', 'Seksi Umum, Plaju'], record: { nip: '199001012015031001', name: 'Siti "Ani" Rahma', unit: 'Seksi Umum, Plaju' } },
    ])
  })

  it("detects ';' from the header line, as Indonesian Excel writes it, and strips the BOM", () => {
    const r = rows('\ufeffnip;name;peers\r\n199001012015031001;Budi;"199001012015031002,199001012015031003"\r\n')
    expect(r.delimiter).toBe(';')
    expect(r.header).toEqual(['nip', 'name', 'peers'])
    expect(r.rows[0]?.record.peers).toBe('199001012015031002,199001012015031003')
  })

  it('keeps line breaks inside quotes and numbers rows by the line they start on', () => {
    const r = rows('a,b\n1,"two\nlines"\n3,4\n')
    expect(r.rows.map((x) => [x.line, x.cells])).toEqual([
      [2, ['1', 'two\nlines']],
      [4, ['3', '4']],
    ])
  })

  it('skips blank lines and the empty rows spreadsheets leave at the end', () => {
    const r = rows('a;b\n\n1;2\n;\n;;\n')
    expect(r.rows.map((x) => x.line)).toEqual([3])
  })

  it('keeps empty cells', () => {
    expect(rows('a,b,c\n1,,3').rows[0]?.cells).toEqual(['1', '', '3'])
  })

  it.each([
    ['a,b\n1,2,3\n', 2, 'line 2: expected 2 fields (as in the header), found 3; quote fields that contain a comma'],
    ['a,b\n1\n', 2, 'line 2: expected 2 fields (as in the header), found 1'],
    ['a,b\n1,"open\n2,3\n', 2, 'line 2: a quoted field is never closed (missing ")'],
    ['a,b\n1,x"y\n', 2, 'line 2: a quote inside an unquoted field; wrap the field in quotes and double the quote ("")'],
    ['a,b\n1,"x"y\n', 2, 'line 2: text after a closing quote; write a quote inside a quoted field as ""'],
    ['nip,nip\n1,2\n', 1, "line 1: column 'nip' appears twice"],
    ['nip,,name\n1,2,3\n', 1, 'line 1: column 2 has no name'],
    ['__proto__\n1\n', 1, "line 1: column name '__proto__' is not allowed"],
    ['', 1, 'the file is empty: expected a header line'],
  ])('names the line of what is wrong in %j', (text, line, message) => {
    expect(parseCsv(text)).toEqual({ ok: false, errors: [{ line, message }] })
  })

  it('lists every bad row, not only the first', () => {
    const r = parseCsv('a,b\n1\n2,3\n4\n')
    expect(r.ok ? [] : r.errors.map((e) => e.line)).toEqual([2, 4])
  })
})
