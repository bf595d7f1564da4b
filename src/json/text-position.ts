/**
 * Offsets to lines and columns, as editors count them (1-based, UTF-16 units, a BOM not counted),
 * and offsets inside JSON string literals, so an error in a JSONata expression stored in a JSON
 * string points at the exact character of the file.
 */

export interface JsonLocation {
  line: number
  col: number
}

/** Offset in `text` of decoded character `index` of the string literal whose quote is at `quote`. */
export function stringOffset(text: string, quote: number, index: number): number {
  let j = quote + 1
  for (let n = 0; n < index; n++) {
    const c = text[j]
    if (c === '"' || c === undefined) return j
    j += c === '\\' ? (text[j + 1] === 'u' ? 6 : 2) : 1
  }
  return j
}

/** Offsets where each line starts. */
export function lineStarts(text: string): number[] {
  const starts = [0]
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1)
  return starts
}

/** 1-based line and column (in UTF-16 units, as editors count) of `offset`; a leading BOM is not counted. */
export function lineCol(text: string, starts: readonly number[], offset: number): JsonLocation {
  let lo = 0
  let hi = starts.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (starts[mid]! <= offset) lo = mid
    else hi = mid - 1
  }
  const bom = lo === 0 && text.charCodeAt(0) === 0xfeff && offset > 0 ? 1 : 0
  return { line: lo + 1, col: offset - starts[lo]! + 1 - bom }
}

/** Line and column of `offset` in `text` (for files that are not JSON, such as .jsonata). */
export function locateOffset(text: string, offset: number): JsonLocation {
  return lineCol(text, lineStarts(text), Math.max(0, Math.min(offset, text.length)))
}
