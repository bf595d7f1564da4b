/**
 * A seeded random source (mulberry32), so a fault run that fails can be run again exactly: every
 * run prints its seed, and KINERJA_FAULT_SEED=<seed> repeats it.
 */
export interface Random {
  seed: number
  /** In [0, 1). */
  next(): number
  /** An integer in [min, max]. */
  int(min: number, max: number): number
  shuffle<T>(items: T[]): T[]
}

export function seededRandom(seed: number): Random {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  return {
    seed,
    next,
    int,
    shuffle<T>(items: T[]): T[] {
      const out = [...items]
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i)
        ;[out[i], out[j]] = [out[j]!, out[i]!]
      }
      return out
    },
  }
}

/** The seed from KINERJA_FAULT_SEED, or a new one. */
export function seedFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.KINERJA_FAULT_SEED
  if (given !== undefined && given !== '') {
    const n = Number(given)
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`KINERJA_FAULT_SEED must be a whole number, not ${JSON.stringify(given)}`)
    return n >>> 0
  }
  return Math.floor(Math.random() * 2 ** 32) >>> 0
}
