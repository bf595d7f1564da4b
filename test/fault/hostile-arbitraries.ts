/**
 * The generators of the hostile-input corpus (fast-check): JSON values a parser or a handler may
 * choke on, edits of a real document (a fixture payload, a package file) that keep most of it
 * intact so the input gets past the first checks, byte-level damage (truncation, invalid UTF-8,
 * other charsets) and long repetitions of one fragment, which is how a parser or a regular
 * expression that is quadratic (or worse) shows itself.
 */
import fc from 'fast-check'

const repeat = (s: string, n: number) => s.repeat(n)

/** Raw JSON text of one value (sometimes not JSON at all). */
export const hostileJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.integer({ min: 2, max: 3000 }).map((d) => repeat('[', d) + repeat(']', d)),
  fc.integer({ min: 2, max: 3000 }).map((d) => repeat('{"a":', d) + '1' + repeat('}', d)),
  fc.constantFrom(
    '1e309', '-1e309', '1e-400', '-0', '0.1e1', '198503122010011001', '9007199254740993', '123456789012345678901234567890.5',
    repeat('9', 400), `0.${repeat('0', 400)}1`, '4.000000000000000001', '1E+2', '-4',
  ),
  fc.constantFrom(
    '"\\u0000"', '"\\ud800"', '"a\\udc00b"', '"\\ud83d"', '"\\uDBFF\\uDFFF"', '"\\u202e"', '"=HYPERLINK(\\"http://x\\")"', '""', '"4"', '"4,5"',
    '"lima"', '" 4 "', '"\\u00e9"', '"😀"', '"\\n\\r\\t"', '"</script><script>x</script>"', '"${x}"', '"{{x}}"', '"%s%n"',
  ),
  fc.constantFrom(
    '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', '{"prototype":null}', '{"a":1,"a":2}',
    '{"toString":1,"valueOf":"x","hasOwnProperty":[]}', '{"":""}',
  ),
  fc.constantFrom('true', 'false', 'null', '[]', '{}', '0', '-1', '4.5', '99', '3'),
  fc.constantFrom('NaN', 'Infinity', 'undefined', '[1,]', '{"a":1,}', '/*x*/1', "'x'", '"unterminated', '01', '.5', '+1', '1.', '0x10', '"\\x41"', '"\t"', ''),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => JSON.stringify(s)),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => JSON.stringify(repeat('x', n))),
  fc.double().map((d) => (Number.isFinite(d) ? String(d) : '1e999')),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
)

/** Property names that poison objects, break pointers or are simply odd. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', '', 'toString', 'hasOwnProperty', 'valueOf', '\u0000', '\ud800', 'a/b', '~0', '~1', '$', ' ', '\u202e', 'x'.repeat(5000)),
  fc.string({ unit: 'binary', maxLength: 20 }),
)

// ---- edits of a JSON document --------------------------------------------------------------

export type JsonEdit =
  | { op: 'replace'; at: number; raw: string }
  | { op: 'delete'; at: number }
  | { op: 'add'; at: number; key: string; raw: string }
  /** A second member with the name of an existing one. */
  | { op: 'duplicate'; at: number; raw: string }
  /** The value found at one place copied to another (a state name where a form is expected...). */
  | { op: 'copy'; at: number; from: number }

export const jsonEdit: fc.Arbitrary<JsonEdit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), raw: hostileJsonText }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('add' as const), at: fc.nat(), key: hostileKey, raw: hostileJsonText }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), raw: hostileJsonText }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('copy' as const), at: fc.nat(), from: fc.nat() }) },
)

type Path = (string | number)[]

function pathsOf(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at)
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...at, i], out))
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) pathsOf(v, [...at, k], out)
  return out
}

const getAt = (root: unknown, path: Path): unknown => path.reduce<any>((v, k) => v?.[k], root)

// Markers stand in for raw text (a duplicate key, `__proto__`, 1e999) that no JS value can hold;
// they are swapped for the raw text after JSON.stringify.
const valueMarker = (i: number) => `\u0001V${i}\u0001`
const keyMarker = (i: number) => `\u0001K${i}\u0001`

/**
 * Applies `edits` to the JSON document `text` (positions are taken modulo the number of values,
 * so any number picks one) and returns the new text, compact or indented.
 */
export function applyJsonEdits(text: string, edits: JsonEdit[], indent = 0): string {
  let root: unknown = JSON.parse(text)
  const raws = new Map<string, string>()
  edits.forEach((edit, i) => {
    const paths = pathsOf(root)
    const path = paths[edit.at % paths.length]!
    const parent = path.length ? getAt(root, path.slice(0, -1)) : undefined
    const last = path[path.length - 1]
    const set = (v: unknown) => {
      if (path.length === 0) root = v
      else (parent as any)[last!] = v
    }
    const target = getAt(root, path)
    if (edit.op === 'replace') {
      raws.set(valueMarker(i), edit.raw)
      set(valueMarker(i))
    } else if (edit.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(last as number, 1)
      else if (parent !== undefined) delete (parent as any)[last!]
    } else if (edit.op === 'copy') {
      set(structuredClone(getAt(root, paths[edit.from % paths.length]!)))
    } else if (typeof target === 'object' && target !== null && !Array.isArray(target)) {
      const existing = Object.keys(target)
      const key = edit.op === 'add' ? edit.key : (existing[edit.at % Math.max(existing.length, 1)] ?? 'dup')
      raws.set(keyMarker(i), JSON.stringify(key))
      raws.set(valueMarker(i), edit.raw)
      ;(target as any)[keyMarker(i)] = valueMarker(i)
    } else if (Array.isArray(target)) {
      raws.set(valueMarker(i), edit.raw)
      target.push(valueMarker(i))
    } else {
      raws.set(valueMarker(i), edit.raw)
      set(valueMarker(i))
    }
  })
  let out = JSON.stringify(root, null, indent)
  for (const [marker, raw] of raws) out = out.split(JSON.stringify(marker)).join(raw)
  return out
}

// ---- bytes -----------------------------------------------------------------------------------

/** Byte sequences that are not UTF-8 (an encoded surrogate, an overlong NUL, a lone continuation...). */
export const invalidUtf8: fc.Arbitrary<number[]> = fc.constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80], [0xfe, 0xff], [0x00], [0xef, 0xbb, 0xbf])

export type ByteEdit =
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'overwrite'; at: number; bytes: number[] }
  /** The whole body in another charset than the UTF-8 every builder sends. */
  | { op: 'charset'; charset: 'utf-16le' | 'utf-16be' | 'latin1' | 'bom' }

const someBytes = fc.oneof(invalidUtf8, fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 16 }))

export const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: someBytes }),
  fc.record({ op: fc.constant('overwrite' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: someBytes }),
  fc.record({ op: fc.constant('charset' as const), charset: fc.constantFrom('utf-16le' as const, 'utf-16be' as const, 'latin1' as const, 'bom' as const) }),
)

function encodeAs(text: string, charset: 'utf-16le' | 'utf-16be' | 'latin1' | 'bom'): Uint8Array {
  if (charset === 'bom') return new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)])
  if (charset === 'latin1') return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff)
  const out = new Uint8Array(text.length * 2)
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    out[2 * i + (charset === 'utf-16le' ? 0 : 1)] = c & 0xff
    out[2 * i + (charset === 'utf-16le' ? 1 : 0)] = c >> 8
  }
  return out
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

export function applyByteEdits(text: string, edits: readonly ByteEdit[]): Uint8Array {
  let bytes: Uint8Array = new TextEncoder().encode(text)
  for (const e of edits) {
    const at = e.op === 'charset' ? 0 : Math.floor(e.at * bytes.length)
    if (e.op === 'truncate') bytes = bytes.slice(0, at)
    else if (e.op === 'insert') bytes = concat(bytes.subarray(0, at), Uint8Array.from(e.bytes), bytes.subarray(at))
    else if (e.op === 'overwrite') bytes = concat(bytes.subarray(0, at), Uint8Array.from(e.bytes), bytes.subarray(at + e.bytes.length))
    else bytes = encodeAs(new TextDecoder().decode(bytes), e.charset)
  }
  return bytes
}

// ---- repetitions -----------------------------------------------------------------------------

/**
 * Fragments whose long repetition is a classic way to make a parser or a regular expression
 * backtrack: markup openers without closers, whitespace runs, escapes, multipart delimiters.
 */
export const FRAGMENTS = [
  '<a', '< id', ' ', '\t', '\r\n', '<x> ', '<rootUuid> ', '</', '<!--', '<?', '<![CDATA[', ']]>', '&', '&#', '=',
  '{"a":', '[', '"\\', '\\u', '"a":1,', ',', ':', '"', '\\', '--', '--x\r\n', 'Content-Disposition: form-data; name="a"\r\n',
  '; name="', '\r\n\r\n', 'a', '0', '-', '9', '.', 'e', '%', '%2', '+', '/', 'sha256=', 'v1,', 'id=', ' id="', "'",
]

export interface Repetition {
  fragment: string
  /** Instead of `fragment`, repeat this piece of the document itself (a multipart part, a JSON member). */
  piece: { at: number; length: number } | null
  times: number
  /** Kept from the document before the repetition (so it starts like a real delivery). */
  keep: number
}

/** A repetition stays under the hooks' 1 MB limit (with room for the kept start), so it is read, not refused as too large. */
const maxRepeatBytes = 900_000

export const repetition: fc.Arbitrary<Repetition> =
  fc
    .record({
      fragment: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...FRAGMENTS) }, fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 })),
      times: fc.integer({ min: 1000, max: 200_000 }),
      // Often from the very start: a body's first bytes decide which parser runs (`<` means XML).
      keep: fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
      piece: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), length: fc.integer({ min: 1, max: 300 }) })),
    })

export function applyRepetition(text: string, r: Repetition): string {
  const from = r.piece ? Math.floor(r.piece.at * text.length) : 0
  const fragment = (r.piece && text.slice(from, from + r.piece.length)) || r.fragment
  const times = Math.min(r.times, Math.floor(maxRepeatBytes / fragment.length))
  return text.slice(0, Math.floor(r.keep * text.length)) + fragment.repeat(times)
}

// ---- headers ---------------------------------------------------------------------------------

/** A header value the Fetch API accepts (Latin-1, no control characters) but nobody would send. */
export const garbageHeaderValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 80 }),
  fc.integer({ min: 1000, max: 60_000 }).map((n) => 'x'.repeat(n)),
  fc.constantFrom('', ' ', 'null', 'undefined', '[object Object]', 'sha256=', 'v1,', 'Basic', 'Bearer', 'Basic !!!', 'Basic =', 'sha256=' + '0'.repeat(64), '%00', '\u00ff\u00fe'),
)

export const contentTypes: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16le', 'text/plain; charset=iso-8859-1',
    'application/x-www-form-urlencoded', 'multipart/form-data', 'multipart/form-data; boundary=', 'multipart/form-data; boundary="x',
    `multipart/form-data; boundary=${'b'.repeat(500)}`, 'application/xml', 'text/xml', '*/*', ';;;', 'application/json; charset="', 'APPLICATION/JSON',
    'text/csv', 'application/problem+json',
  ),
  garbageHeaderValue,
)

/** Weird strings for ids, path segments and query values (not yet percent-encoded). */
export const weirdSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '..', '.', '%2F', '%2e%2e', '%', '%zz', '%ff', '%00', '%C0%AF', 'a%2Fb', '%E2%80%AE', '%F0%9F%98%80', '%ED%A0%80', '~', '@', ';', ',', '*', '$', ':', '+',
    '__proto__', 'constructor', 'prototype', 'null', 'undefined', '0', '-1', '1e999', 'NaN', '[]', '{}', 'rcp_', 'bnd_', 'cyc_', 'kj_',
  ),
  fc.integer({ min: 100, max: 20_000 }).map((n) => 'a'.repeat(n)),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 12 }).map((s) => s.replace(/[^\x21-\x7e]/g, (c) => `%${(c.charCodeAt(0) & 0xff).toString(16).padStart(2, '0')}`)),
)

/** Elapsed milliseconds of `work`, with its result. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t = performance.now()
  const value = await work()
  return { value, ms: performance.now() - t }
}
