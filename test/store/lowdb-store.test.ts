import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { nodeDocumentFiles, type NodeDocumentFiles } from '../../src/entry/node-document-files.ts'
import { memoryDocumentFiles, type DocumentFiles } from '../../src/store/document-files.ts'
import { createLowdbStore } from '../../src/store/lowdb-store.ts'
import { cycle, event, instance, nip, office, storeContract } from './contract.ts'

const tempDir = () => mkdtemp(join(tmpdir(), 'kinerja-store-'))

storeContract('lowdb (files on disk)', async () => {
  const dir = await tempDir()
  return {
    store: await createLowdbStore(nodeDocumentFiles(dir)),
    reopen: () => createLowdbStore(nodeDocumentFiles(dir)),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
})

storeContract('lowdb (documents in memory)', async () => {
  const files = memoryDocumentFiles()
  return { store: await createLowdbStore(files), reopen: () => createLowdbStore(files) }
})

/**
 * Every document file under `dir` with what changes when it is rewritten (a rename gives a new
 * inode), once a checkpoint has written what the journal held. The journal and the folder's lock
 * are left out.
 */
async function fingerprints(dir: string, files: NodeDocumentFiles): Promise<Map<string, string>> {
  await files.checkpoint()
  const out = new Map<string, string>()
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const file = join(entry.parentPath, entry.name)
    if (file.startsWith(join(dir, '.journal')) || file === join(dir, '.lock')) continue
    const s = await stat(file)
    out.set(file.slice(dir.length + 1), `${s.ino}:${s.size}:${s.mtimeMs}`)
  }
  return out
}

describe('the lowdb store on disk', () => {
  it('rewrites only the committed instance\'s small file, however many employees the cycle holds', async () => {
    const dir = await tempDir()
    try {
      const files = nodeDocumentFiles(dir)
      const store = await createLowdbStore(files)
      await store.createCycle(cycle('c1', { rosterSize: 2000 }))
      for (let n = 0; n < 2000; n++) {
        await store.createInstance(instance(`i${n}`, { nip: nip(n % 1000) }), [event('started')])
      }
      const before = await fingerprints(dir, files)
      expect(before.size).toBe(2001)

      await store.commitInstance(instance('i1234', { state: 'compute', vars: { skor: 91 } }), 0, [event('submitted')])

      const after = await fingerprints(dir, files)
      const changed = [...after].filter(([file, print]) => before.get(file) !== print).map(([file]) => file)
      expect(changed).toEqual(['cycles/c1/instances/i1234.json'])
      expect((await stat(join(dir, 'cycles/c1/instances/i1234.json'))).size).toBeLessThan(2000)
      expect([...after.keys()].some((f) => f.endsWith('.tmp'))).toBe(false)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('keeps ids that look like paths inside the data folder and finds them after reopening', async () => {
    const dir = await tempDir()
    try {
      const files = nodeDocumentFiles(dir)
      const store = await createLowdbStore(files)
      for (const id of ['../escape', 'a/b', '.hidden', 'tahun 2026 ü']) await store.createCycle(cycle(id))
      await store.createInstance(instance('../../i1', { cycle: '../escape' }), [])
      const names = [...(await fingerprints(dir, files)).keys()]
      expect(names.every((f) => f.startsWith('cycles/') && !f.includes('..'))).toBe(true)
      const again = await createLowdbStore(nodeDocumentFiles(dir))
      expect((await again.listCycles('kec-plaju')).map((c) => c.id).sort()).toEqual(['../escape', '.hidden', 'a/b', 'tahun 2026 ü'])
      expect((await again.listInstances('../escape')).map((i) => i.id)).toEqual(['../../i1'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('the lowdb store when a write fails', () => {
  it('reports the failure and keeps showing what was last written', async () => {
    const files = memoryDocumentFiles()
    let failing = false
    const flaky: DocumentFiles = {
      list: (folder) => files.list(folder),
      adapter<T>(path: string) {
        const inner = files.adapter<T>(path)
        return { read: () => inner.read(), write: (data: T) => (failing ? Promise.reject(new Error('disk full')) : inner.write(data)) }
      },
    }
    const store = await createLowdbStore(flaky)
    await store.createCycle(cycle())
    await store.createInstance(instance('i1'), [event('started')])
    failing = true
    await expect(store.commitInstance(instance('i1', { state: 'compute' }), 0, [event('lost')])).rejects.toThrow('disk full')
    await expect(store.createOffice(office())).rejects.toThrow('disk full')
    expect(await store.getInstance('i1')).toEqual(instance('i1'))
    expect((await store.listEvents('i1')).map((e) => e.type)).toEqual(['started'])
    expect(await store.getOffice('kec-plaju')).toBeNull()
    failing = false
    expect((await store.commitInstance(instance('i1', { state: 'compute' }), 0, [event('retried')])).rev).toBe(1)
    expect((await (await createLowdbStore(files)).listEvents('i1')).map((e) => e.type)).toEqual(['started', 'retried'])
  })
})

describe('nodeDocumentFiles', () => {
  it('lands writes issued together in order, each whole, as compact JSON', async () => {
    const dir = await tempDir()
    try {
      const files = nodeDocumentFiles(dir)
      const doc = files.adapter<{ n: number }>('deep/folder/doc.json')
      const data = { n: 0 }
      const writes: Promise<void>[] = []
      for (let n = 1; n <= 50; n++) {
        data.n = n
        writes.push(doc.write(data))
      }
      data.n = -1 // changed after the last write: must not leak into it
      const read = doc.read()
      await Promise.all(writes)
      expect(await read).toEqual({ n: 50 })
      await files.checkpoint()
      expect(await readFile(join(dir, 'deep/folder/doc.json'), 'utf8')).toBe('{"n":50}')
      expect(await files.list('deep/folder')).toEqual(['doc.json'])
      expect(await files.list('deep')).toEqual([])
      expect(await files.list('missing')).toEqual([])
      expect(await files.adapter('deep/none.json').read()).toBeNull()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('refuses paths that leave the data folder', () => {
    const files = nodeDocumentFiles('/tmp/kinerja-never-written')
    for (const path of ['../x.json', '/etc/passwd', 'a//b.json', 'a/./b.json', 'a\\..\\b.json']) {
      expect(() => files.adapter(path)).toThrow(/safe document path/)
    }
  })
})
