/**
 * Which packages this service runs. The bundled packages (workflows/) are the current versions;
 * a cycle is bound to one exact version (content hash) and keeps running on it after the package
 * changes, so every version a cycle used is stored and can be rebuilt from its files.
 */
import { AppError } from '../errors.ts'
import type { LoadedPackage } from '../package/loaded-package.ts'
import type { Problem } from '../package/load-package.ts'
import type { Store } from '../store/store.ts'

export type LoadFn = (
  files: Record<string, string>,
  opts?: { known?: { version: string; hash: string }[] },
) => Promise<{ package?: LoadedPackage; problems: Problem[] }>

export interface PackageRegistry {
  /** The current version of every package that loaded without errors. */
  list(): LoadedPackage[]
  current(id: string): LoadedPackage | undefined
  /** The exact version a cycle is bound to. */
  version(id: string, hash: string): Promise<LoadedPackage>
  /** Stores this version so it can be rebuilt later, whatever happens to workflows/. */
  pin(pkg: LoadedPackage, now: Date): Promise<void>
}

export interface BundledSource {
  /** Folder name, for messages. */
  dir: string
  files: Record<string, string>
}

/**
 * Loads the bundled packages, refusing any whose content changed while its version did not
 * (compared with the versions the store has run). Problems are returned, not thrown, so one bad
 * package does not keep the others from serving.
 */
export async function loadBundled(
  store: Store,
  load: LoadFn,
  sources: BundledSource[],
): Promise<{ packages: LoadedPackage[]; problems: { dir: string; problem: Problem }[] }> {
  const packages: LoadedPackage[] = []
  const problems: { dir: string; problem: Problem }[] = []
  for (const src of sources) {
    const id = workflowId(src.files) ?? src.dir
    const known = (await store.listPackageVersions(id)).map((v) => ({ version: v.version, hash: v.hash }))
    const result = await load(src.files, { known })
    for (const problem of result.problems) problems.push({ dir: src.dir, problem })
    if (result.package) packages.push(result.package)
  }
  return { packages, problems }
}

function workflowId(files: Record<string, string>): string | undefined {
  try {
    const id = JSON.parse(files['workflow.json'] ?? '{}').id
    return typeof id === 'string' ? id : undefined
  } catch {
    return undefined
  }
}

export function createPackageRegistry(store: Store, load: LoadFn, packages: LoadedPackage[]): PackageRegistry {
  const current = new Map(packages.map((p) => [p.id, p]))
  const byHash = new Map<string, LoadedPackage>(packages.map((p) => [`${p.id}@${p.hash}`, p]))
  const pinned = new Set<string>()

  return {
    list: () => [...current.values()],
    current: (id) => current.get(id),
    async version(id, hash) {
      const key = `${id}@${hash}`
      const cached = byHash.get(key)
      if (cached) return cached
      const stored = await store.getPackageVersion(id, hash)
      if (!stored) throw new AppError('not-found', `package ${id} version ${hash.slice(0, 12)} is not stored`)
      const { package: pkg, problems } = await load(stored.files)
      if (!pkg) {
        const first = problems.find((p) => p.severity === 'error')
        throw new AppError('invalid-package', `stored package ${id}@${stored.version} no longer loads: ${first?.message ?? 'unknown problem'}`)
      }
      byHash.set(key, pkg)
      return pkg
    },
    async pin(pkg, now) {
      const key = `${pkg.id}@${pkg.hash}`
      if (pinned.has(key)) return
      await store.putPackageVersion({ id: pkg.id, version: pkg.version, hash: pkg.hash, files: pkg.files, storedAt: now.toISOString() })
      pinned.add(key)
    },
  }
}
