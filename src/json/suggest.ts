/**
 * "Did you mean ...?": the nearest candidate to a misspelt name, by edit distance (adjacent
 * transpositions count as one edit, as people type them).
 */

/** Optimal string alignment distance between `a` and `b`. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0
  const rows: number[][] = []
  for (let i = 0; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j)
        continue
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1)
      row.push(d)
    }
    rows.push(row)
  }
  return rows[a.length]![b.length]!
}

/** Longest name that gets a suggestion. */
const MAX_SUGGESTED_LENGTH = 200

/**
 * The candidate closest to `word`, if it is close enough to be a likely typo: at most one edit
 * per three characters (at least one), or the same word in another case.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  // Typos are in names people type; the distance costs the product of the lengths (two names of
  // 10,000 characters took 13 s), so longer text gets no suggestion.
  if (word.length > MAX_SUGGESTED_LENGTH) return undefined
  let best: string | undefined
  let bestScore = Infinity
  const lower = word.toLowerCase()
  for (const c of candidates) {
    if (c === word || c.length > MAX_SUGGESTED_LENGTH) continue
    const limit = Math.max(1, Math.floor(Math.max(word.length, c.length) / 3))
    // The distance is at least the difference in length: no need to compute it when that alone is too far.
    if (Math.abs(word.length - c.length) > limit) continue
    const score = c.toLowerCase() === lower ? 0.5 : editDistance(lower, c.toLowerCase())
    if (score <= limit && score < bestScore) {
      best = c
      bestScore = score
    }
  }
  return best
}

/** ": did you mean 'final'?" or '' when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const c = closest(word, candidates)
  return c === undefined ? '' : `: did you mean '${c}'?`
}
