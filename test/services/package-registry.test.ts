import { describe, expect, it } from 'vitest'
import { loadPackage } from '../../src/package/load-package.ts'
import { createPackageRegistry, loadBundled } from '../../src/services/package-registry.ts'
import { createMemoryStore } from '../../src/store/memory-store.ts'
import { readPackageDir } from '../../src/entry/package-files.ts'
import { PLAJU_DIR } from '../support/harness.ts'

describe('bundled packages', () => {
  it('refuses at start a package whose content changed without a version bump, and keeps serving the version cycles run', async () => {
    const store = createMemoryStore()
    const files = await readPackageDir(PLAJU_DIR)
    const first = await loadBundled(store, loadPackage, [{ dir: 'plaju', files }])
    const original = first.packages[0]!
    await createPackageRegistry(store, loadPackage, first.packages).pin(original, new Date())

    const edited = { ...files, 'workflow.json': files['workflow.json']!.replace('"supervisor": 50', '"supervisor": 60') }
    const second = await loadBundled(store, loadPackage, [{ dir: 'plaju', files: edited }])
    expect(second.packages).toHaveLength(0)
    expect(second.problems.map((p) => p.problem.message).join('\n')).toMatch(/was not bumped/)

    // A cycle bound to the original still gets exactly that version, rebuilt from the store.
    const registry = createPackageRegistry(store, loadPackage, second.packages)
    const rebuilt = await registry.version(original.id, original.hash)
    expect(rebuilt.hash).toBe(original.hash)
    expect(rebuilt.workflow.params).toEqual(original.workflow.params)

    const bumped = { ...edited, 'workflow.json': edited['workflow.json']!.replace(`"version": "${original.version}"`, '"version": "9.0.0"') }
    const third = await loadBundled(store, loadPackage, [{ dir: 'plaju', files: bumped }])
    expect(third.packages[0]?.version).toBe('9.0.0')
  })
})
