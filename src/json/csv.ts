/**
 * RFC 4180 CSV, as spreadsheets export it: quoted fields with doubled quotes and line breaks,
 * CRLF or LF, an optional BOM, and ',' or ';' as the delimiter (Indonesian Excel writes ';'
 * because ',' is the decimal mark), detected from the header line. Every row keeps the line it
 * starts on so an import error can say "line 7".
 */
import { FORBIDDEN_KEYS } from './parse-json.ts'

export interface CsvRow {
  /** 1-based line where the row starts (the header is line 1 unless blank lines precede it). */
  line: number
  cells: string[]
  /** Header name -> cell. */
  record: Record<string, string>
}

export interface CsvError {
  line: number
  message: string
}

export type CsvResult =
  | { ok: true; delimiter: ',' | ';'; header: string[]; headerLine: number; rows: CsvRow[] }
  | { ok: false; errors: CsvError[] }

export interface ParseCsvOptions {
  /** Force the delimiter instead of detecting it from the header line. */
  delimiter?: ',' | ';'
  /** Stop after this many errors (default 50): a wrong file should not produce thousands. */
  maxErrors?: number
}

/** Counts ',' and ';' outside quotes on the first line; the more frequent one wins (',' on a tie). */
export function detectDelimiter(text: string): ',' | ';' {
  let commas = 0
  let semicolons = 0
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '"') quoted = !quoted
    else if (!quoted && (c === '\n' || c === '\r')) break
    else if (!quoted && c === ',') commas++
    else if (!quoted && c === ';') semicolons++
  }
  return semicolons > commas ? ';' : ','
}

/** Splits `text` into records of raw cells, each with its starting line. */
function records(text: string, delimiter: string, errors: CsvError[]): { line: number; cells: string[] }[] {
  const out: { line: number; cells: string[] }[] = []
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  let line = 1
  while (i < text.length) {
    const start = line
    const cells: string[] = []
    let ended = false
    while (!ended) {
      let cell = ''
      if (text[i] === '"') {
        const openLine = line
        i++
        for (;;) {
          const q = text.indexOf('"', i)
          if (q === -1) {
            errors.push({ line: openLine, message: `line ${openLine}: a quoted field is never closed (missing ")` })
            return out
          }
          const chunk = text.slice(i, q)
          for (let k = chunk.indexOf('\n'); k !== -1; k = chunk.indexOf('\n', k + 1)) line++
          cell += chunk
          if (text[q + 1] === '"') {
            cell += '"'
            i = q + 2
            continue
          }
          i = q + 1
          break
        }
        const c = text[i]
        if (c !== undefined && c !== delimiter && c !== '\n' && c !== '\r') {
          errors.push({ line, message: `line ${line}: text after a closing quote; write a quote inside a quoted field as ""` })
          while (i < text.length && text[i] !== delimiter && text[i] !== '\n') i++
        }
      } else {
        const from = i
        while (i < text.length && text[i] !== delimiter && text[i] !== '\n' && text[i] !== '\r') i++
        cell = text.slice(from, i)
        if (cell.includes('"')) {
          errors.push({ line, message: `line ${line}: a quote inside an unquoted field; wrap the field in quotes and double the quote ("")` })
        }
      }
      cells.push(cell)
      const c = text[i]
      if (c === delimiter) i++
      else {
        if (c === '\r') i++
        if (text[i] === '\n') i++
        line++
        ended = true
      }
    }
    // Blank lines and the all-empty rows spreadsheets leave at the end (';;;;') are not records.
    if (cells.some((c) => c.trim() !== '')) out.push({ line: start, cells })
  }
  return out
}

/** Parses CSV text whose first non-blank line is the header. */
export function parseCsv(text: string, opts: ParseCsvOptions = {}): CsvResult {
  const errors: CsvError[] = []
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const delimiter = opts.delimiter ?? detectDelimiter(body.replace(/^(\s*\n)+/, ''))
  const all = records(text, delimiter, errors)
  const first = all[0]
  if (first === undefined) {
    return { ok: false, errors: errors.length > 0 ? errors : [{ line: 1, message: 'the file is empty: expected a header line' }] }
  }
  const header = first.cells.map((h) => h.trim())
  const seen = new Set<string>()
  header.forEach((name, k) => {
    if (name === '') errors.push({ line: first.line, message: `line ${first.line}: column ${k + 1} has no name` })
    else if (seen.has(name)) errors.push({ line: first.line, message: `line ${first.line}: column '${name}' appears twice` })
    else if (FORBIDDEN_KEYS.has(name)) errors.push({ line: first.line, message: `line ${first.line}: column name '${name}' is not allowed` })
    seen.add(name)
  })
  const rows: CsvRow[] = []
  for (const r of all.slice(1)) {
    if (r.cells.length !== header.length) {
      errors.push({
        line: r.line,
        message: `line ${r.line}: expected ${header.length} fields (as in the header), found ${r.cells.length}` +
          (r.cells.length > header.length && delimiter === ',' ? '; quote fields that contain a comma' : ''),
      })
      continue
    }
    const record: Record<string, string> = {}
    header.forEach((name, k) => (record[name] = r.cells[k]!))
    rows.push({ line: r.line, cells: r.cells, record })
  }
  if (errors.length > 0) {
    const max = opts.maxErrors ?? 50
    errors.sort((a, b) => a.line - b.line)
    return { ok: false, errors: errors.slice(0, max) }
  }
  return { ok: true, delimiter, header, headerLine: first.line, rows }
}
