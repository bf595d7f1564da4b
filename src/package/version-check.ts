/**
 * A package's content may not change under the same version: running instances stay on the
 * version they started with, and two different contents under one name would make the audit
 * trail lie about which formula produced a score.
 */

export interface KnownVersion {
  version: string
  hash: string
  /** Package id; entries of other packages are ignored when given. */
  id?: string
}

const parts = (v: string): number[] => (/^(\d+)\.(\d+)\.(\d+)/.exec(v) ?? []).slice(1).map(Number)

/** Orders versions by major, minor, patch (pre-release tags are not compared). */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)]
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0)
  return 0
}

/** The next patch version after every version listed. */
export function nextVersion(versions: readonly string[]): string {
  const top = [...versions].sort(compareVersions).at(-1) ?? '0.0.0'
  const [major = 0, minor = 0, patch = 0] = parts(top)
  return `${major}.${minor}.${patch + 1}`
}

/** The message when `version` is already known with other content, else undefined. */
export function versionNotBumped(id: string, version: string, hash: string, known: readonly KnownVersion[]): string | undefined {
  const mine = known.filter((k) => k.id === undefined || k.id === id)
  if (!mine.some((k) => k.version === version && k.hash !== hash)) return undefined
  const suggestion = nextVersion([version, ...mine.map((k) => k.version)])
  return `content changed but version ${version} was not bumped: set "version" to ${suggestion}`
}
