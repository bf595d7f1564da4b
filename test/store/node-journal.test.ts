/**
 * The write-ahead journal under nodeDocumentFiles, on real files in a temp folder: what a restart
 * finds after a crash (including a SIGKILL at a random moment), torn and damaged records, group
 * commit, read-your-writes, checkpoints, and the rules for a second opener.
 */
import { spawn } from 'node:child_process'
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { nodeDocumentFiles } from '../../src/entry/node-document-files.ts'
import { decodeRecords, encodeRecord, readJournal } from '../../src/entry/node-journal.ts'

const ROOT = new URL('../../', import.meta.url).pathname
const dirs: string[] = []
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kinerja-journal-'))
  dirs.push(dir)
  return dir
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

const segments = async (dir: string) => (await readdir(join(dir, '.journal'))).filter((n) => n.endsWith('.log')).sort()

/** A folder whose journal holds `docs` (as a crashed writer leaves it), and the segment's path. */
async function crashedWith(docs: [string, unknown][]): Promise<{ dir: string; segment: string }> {
  const dir = await tempDir()
  const files = nodeDocumentFiles(dir)
  await Promise.all(docs.map(([path, data]) => files.adapter(path).write(data)))
  await files.list('docs') // open, even with nothing written
  // Copy the journal aside before anything else happens to it, as a crash would leave it.
  const segment = join(dir, '.journal', (await segments(dir))[0]!)
  const bytes = await readFile(segment)
  const copy = await tempDir()
  await mkdir(join(copy, '.journal'))
  await writeFile(join(copy, '.journal', '000000000001.log'), bytes)
  return { dir: copy, segment: join(copy, '.journal', '000000000001.log') }
}

describe('journal records', () => {
  it('read back exactly as written, any text, and stop at the unused end', () => {
    const records = [['a.json', '{"n":1}'], ['cycles/%C3%BC/x.json', '{"nama":"Pegawai ü 𝔘","s":"\\n\\u0000"}'], ['b.json', 'x'.repeat(70_000)]] as const
    const bytes = Buffer.concat([...records.map(([p, t]) => encodeRecord(p, t)), Buffer.alloc(100)])
    const read = decodeRecords(bytes)
    expect(read.records).toEqual(records.map(([path, text]) => ({ path, text })))
    expect(read.torn).toBe(false)
  })
})

describe('a restart after a crash', () => {
  it('finds every acknowledged write in the documents, and no journal left to replay', async () => {
    const { dir } = await crashedWith([['offices.json', [{ id: 'a' }]], ['cycles/c1/roster.json', [{ nip: '1' }]]])
    const files = nodeDocumentFiles(dir)
    expect(await files.adapter('offices.json').read()).toEqual([{ id: 'a' }])
    expect(await files.list('cycles/c1')).toEqual(['roster.json'])
    // Replayed into the files themselves, durably, before the old journal was dropped.
    expect(JSON.parse(await readFile(join(dir, 'cycles/c1/roster.json'), 'utf8'))).toEqual([{ nip: '1' }])
    expect((await readJournal(join(dir, '.journal'))).records).toEqual([])
    expect(files.stats.replayed).toBe(2)
  })

  it('ignores a last record cut short, keeps the ones before it, and says so', async () => {
    const { dir, segment } = await crashedWith([['a.json', { n: 1 }]])
    const torn = encodeRecord('b.json', JSON.stringify({ n: 2 }))
    await appendFile(segment, torn.subarray(0, torn.length - 3))
    const warnings: string[] = []
    const files = nodeDocumentFiles(dir, { warn: (m) => warnings.push(m) })
    expect(await files.adapter('a.json').read()).toEqual({ n: 1 })
    expect(await files.adapter('b.json').read()).toBeNull()
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/cut short by a crash/)
    // And it goes on: a new write after the torn one is kept across the next restart.
    await files.adapter('b.json').write({ n: 3 })
    expect(await nodeDocumentFiles(dir).adapter('b.json').read()).toEqual({ n: 3 })
  })

  it('ignores a record whose checksum does not match, and everything after it', async () => {
    const { dir, segment } = await crashedWith([])
    const good = encodeRecord('a.json', '{"n":1}')
    const bad = encodeRecord('b.json', '{"n":2}')
    bad.writeUInt8(bad.readUInt8(bad.length - 2) ^ 0xff, bad.length - 2)
    await appendFile(segment, Buffer.concat([good, bad, encodeRecord('c.json', '{"n":3}')]))
    const files = nodeDocumentFiles(dir)
    expect(await files.adapter('a.json').read()).toEqual({ n: 1 })
    expect(await files.adapter('b.json').read()).toBeNull()
    expect(await files.adapter('c.json').read()).toBeNull()
  })

  it('keeps the last write of each document when the journal holds several', async () => {
    const { dir } = await crashedWith([])
    const files = nodeDocumentFiles(dir, { checkpointBytes: 1 << 30 })
    for (let n = 1; n <= 5; n++) await files.adapter('a.json').write({ n })
    await files.adapter('b.json').write({ n: 1 })
    const again = nodeDocumentFiles(dir) // takes over, as a restart would
    expect(await again.adapter('a.json').read()).toEqual({ n: 5 })
    expect(await again.adapter('b.json').read()).toEqual({ n: 1 })
  })

  it('loses no acknowledged write when the writer is killed with SIGKILL at a random moment', async () => {
    for (const after of [150, 400, 900]) {
      const dir = await tempDir()
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/store/journal-writer.ts', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
      const acked = new Map<string, number>()
      let out = ''
      let first: () => void
      const started = new Promise<void>((r) => (first = r))
      child.stdout.on('data', (d) => {
        out += d
        first()
      })
      const exited = new Promise((r) => child.once('exit', r))
      await started
      await new Promise((r) => setTimeout(r, after + Math.random() * 100))
      child.kill('SIGKILL')
      await exited
      // Only whole lines: a line cut by the kill may not have been printed completely.
      for (const line of out.split('\n').slice(0, -1)) {
        const [doc, n] = line.split(' ')
        acked.set(doc!, Math.max(acked.get(doc!) ?? -1, Number(n)))
      }
      expect(acked.size).toBeGreaterThan(0)

      const files = nodeDocumentFiles(dir)
      for (const [doc, n] of acked) {
        const found = await files.adapter<{ n: number }>(doc).read()
        // A write that reached the disk but was not yet printed may be newer still.
        expect(found?.n, `${doc} after ${after} ms`).toBeGreaterThanOrEqual(n)
      }
      // No document file is damaged: each one that exists parses.
      for (const name of await readdir(join(dir, 'docs'))) {
        const text = name.startsWith('.') ? '' : await readFile(join(dir, 'docs', name), 'utf8')
        if (!name.startsWith('.')) expect(() => JSON.parse(text), name).not.toThrow()
      }
      await files.close()
    }
  }, 60_000)
})

describe('writes', () => {
  it('share one sync when they come together, and each is durable when it resolves', async () => {
    const dir = await tempDir()
    const files = nodeDocumentFiles(dir)
    await files.adapter('warm.json').write({})
    const before = files.stats.syncs
    await Promise.all(Array.from({ length: 200 }, (_, n) => files.adapter(`docs/d${n}.json`).write({ n })))
    const syncs = files.stats.syncs - before
    expect(syncs).toBeGreaterThanOrEqual(1)
    expect(syncs).toBeLessThanOrEqual(20)
    // Another reader of the folder (as after a crash) finds all 200 in the journal.
    const other = nodeDocumentFiles(dir, { readOnly: true })
    expect(await other.list('docs')).toHaveLength(200)
    expect(await other.adapter('docs/d199.json').read()).toEqual({ n: 199 })
  })

  it('are seen by reads and lists issued after them, before they reach their files', async () => {
    const dir = await tempDir()
    const files = nodeDocumentFiles(dir, { checkpointBytes: 1 << 30 })
    const doc = files.adapter<{ n: number }>('cycles/c1/receipts/r1.json')
    const written = doc.write({ n: 1 })
    expect(await doc.read()).toEqual({ n: 1 })
    expect(await files.list('cycles/c1/receipts')).toEqual(['r1.json'])
    await written
    await expect(readFile(join(dir, 'cycles/c1/receipts/r1.json'))).rejects.toThrow(/ENOENT/)
    void doc.write({ n: 2 })
    expect(await doc.read()).toEqual({ n: 2 })
  })

  it('that fail leave the document as it was last written', async () => {
    const dir = await tempDir()
    const files = nodeDocumentFiles(dir)
    const doc = files.adapter<{ n: number }>('a.json')
    await doc.write({ n: 1 })
    await files.close()
    await expect(doc.write({ n: 2 })).rejects.toThrow(/closed/)
    expect(await doc.read()).toEqual({ n: 1 })
  })
})

describe('checkpoints', () => {
  it('write the documents to their files and drop the journal behind them', async () => {
    const dir = await tempDir()
    const files = nodeDocumentFiles(dir, { checkpointBytes: 1 << 30 })
    await files.adapter('a.json').write({ n: 1 })
    await files.adapter('a.json').write({ n: 2 })
    await files.adapter('deep/b.json').write({ n: 1 })
    expect((await readJournal(join(dir, '.journal'))).records).toHaveLength(3)
    await files.checkpoint()
    expect(await readFile(join(dir, 'a.json'), 'utf8')).toBe('{"n":2}')
    expect(await readFile(join(dir, 'deep/b.json'), 'utf8')).toBe('{"n":1}')
    expect((await readJournal(join(dir, '.journal'))).records).toEqual([])
    expect(files.stats.checkpoints).toBe(1)
    // Writes go on into the new segment and are read back.
    await files.adapter('a.json').write({ n: 3 })
    expect(await files.adapter('a.json').read()).toEqual({ n: 3 })
    expect(await nodeDocumentFiles(dir).adapter('a.json').read()).toEqual({ n: 3 })
  })

  it('start by themselves when the journal grows past its limit', async () => {
    const dir = await tempDir()
    const files = nodeDocumentFiles(dir, { checkpointBytes: 16 * 1024 })
    for (let n = 0; n < 40; n++) await files.adapter(`d${n % 4}.json`).write({ n, pad: 'x'.repeat(1000) })
    await files.close()
    expect(files.stats.checkpoints).toBeGreaterThanOrEqual(2)
    expect(await segments(dir)).toEqual([])
    expect(JSON.parse(await readFile(join(dir, 'd3.json'), 'utf8')).n).toBe(39)
  })

  it('that fail (a folder that cannot be made) keep the journal, and a later one writes the documents', async () => {
    const dir = await tempDir()
    const files = nodeDocumentFiles(dir, { checkpointBytes: 1 << 30 })
    await files.adapter('x/a.json').write({ n: 1 })
    // A file where the document's folder should be.
    await writeFile(join(dir, 'x'), 'in the way')
    await expect(files.checkpoint()).rejects.toThrow()
    expect((await readJournal(join(dir, '.journal'))).records.map((r) => r.path)).toEqual(['x/a.json'])
    expect(await files.adapter('x/a.json').read()).toEqual({ n: 1 })
    await rm(join(dir, 'x'))
    await files.checkpoint()
    expect(await readFile(join(dir, 'x/a.json'), 'utf8')).toBe('{"n":1}')
    expect((await readJournal(join(dir, '.journal'))).records).toEqual([])
    await files.close()
  })

  it('leave no temp files, and the temp files of a crashed one are removed by the next writer only', async () => {
    const dir = await tempDir()
    const files = nodeDocumentFiles(dir)
    for (let n = 0; n < 50; n++) await files.adapter(`deep/d${n}.json`).write({ n })
    await files.close()
    const all = async () => (await readdir(dir, { recursive: true })).map(String).filter((n) => n.endsWith('.tmp')).sort()
    expect(await all()).toEqual([])
    // What a checkpoint killed half-way leaves: temp files of a process that is gone.
    const stale = ['.offices.json.999999.1.tmp', 'deep/.d1.json.999999.2.tmp']
    for (const name of stale) await writeFile(join(dir, name), '{"half":')
    const reader = nodeDocumentFiles(dir, { readOnly: true })
    expect(await reader.list('deep')).toHaveLength(50)
    expect(await all()).toEqual(stale.sort())
    const writer = nodeDocumentFiles(dir)
    expect(await writer.list('deep')).toHaveLength(50)
    expect(await all()).toEqual([])
    expect(await writer.adapter('deep/d1.json').read()).toEqual({ n: 1 })
    await writer.close()
  })

  it('run at close, which leaves no journal, so the next start has nothing to replay', async () => {
    const dir = await tempDir()
    const files = nodeDocumentFiles(dir)
    await files.adapter('a.json').write({ n: 1 })
    await files.close()
    expect(await segments(dir)).toEqual([])
    const again = nodeDocumentFiles(dir)
    expect(await again.adapter('a.json').read()).toEqual({ n: 1 })
    expect(again.stats.replayed).toBe(0)
  })
})

describe('packed folders', () => {
  const packed = (folder: string) => folder === 'r'
  const packFiles = async (dir: string) => (await readdir(join(dir, 'r'))).sort()

  it('keep a checkpoint\'s documents in one append-only pack, the newest version read back after a restart', async () => {
    const dir = await tempDir()
    const files = nodeDocumentFiles(dir, { packed })
    await files.adapter('r/a.json').write({ v: 1 })
    await files.adapter('r/b.json').write({ b: true })
    await files.adapter('other.json').write({ o: 1 })
    await files.checkpoint()
    await files.adapter('r/a.json').write({ v: 2 })
    await files.close()
    expect(await packFiles(dir)).toEqual(['.pack-000001.log'])
    expect(await readFile(join(dir, 'other.json'), 'utf8')).toBe('{"o":1}')
    const again = nodeDocumentFiles(dir, { packed })
    expect(await again.list('r')).toEqual(['a.json', 'b.json'])
    expect(await again.adapter('r/a.json').read()).toEqual({ v: 2 })
    expect(await again.adapter('r/b.json').read()).toEqual({ b: true })
    expect(await again.adapter('r/none.json').read()).toBeNull()
    await again.close()
  })

  it('cut back a pack whose tail a crash tore, and the journal puts back what it held', async () => {
    const dir = await tempDir()
    const first = nodeDocumentFiles(dir, { packed })
    await first.adapter('r/a.json').write({ a: 1 })
    await first.checkpoint()
    await first.adapter('r/c.json').write({ c: 1 })
    // The checkpoint that would have packed c.json was cut short half-way through its record.
    const record = encodeRecord('r/c.json', '{"c":1}')
    await appendFile(join(dir, 'r', '.pack-000001.log'), record.subarray(0, record.length - 3))
    const reader = nodeDocumentFiles(dir, { packed, readOnly: true })
    expect(await reader.adapter('r/a.json').read()).toEqual({ a: 1 })
    const second = nodeDocumentFiles(dir, { packed })
    expect(await second.adapter('r/c.json').read()).toEqual({ c: 1 })
    await second.close()
    const pack = decodeRecords(await readFile(join(dir, 'r', '.pack-000001.log')))
    expect(pack.torn).toBe(false)
    expect(pack.records.map((r) => r.path)).toEqual(['r/a.json', 'r/c.json'])
    const third = nodeDocumentFiles(dir, { packed })
    expect(await third.list('r')).toEqual(['a.json', 'c.json'])
    expect(await third.adapter('r/c.json').read()).toEqual({ c: 1 })
    await third.close()
  })

  it('still read documents written one file each before packs, a newer packed version winning', async () => {
    const dir = await tempDir()
    await mkdir(join(dir, 'r'))
    await writeFile(join(dir, 'r', 'old.json'), '{"v":"file"}')
    await writeFile(join(dir, 'r', 'kept.json'), '{"k":1}')
    const files = nodeDocumentFiles(dir, { packed })
    expect(await files.list('r')).toEqual(['kept.json', 'old.json'])
    await files.adapter('r/old.json').write({ v: 'packed' })
    await files.close()
    const again = nodeDocumentFiles(dir, { packed })
    expect(await again.adapter('r/old.json').read()).toEqual({ v: 'packed' })
    expect(await again.adapter('r/kept.json').read()).toEqual({ k: 1 })
    expect(await again.list('r')).toEqual(['kept.json', 'old.json'])
    await again.close()
  })
})

describe('a second opener of the folder', () => {
  it('in this process takes over: it sees every write, and the first refuses writes from then on', async () => {
    const dir = await tempDir()
    const first = nodeDocumentFiles(dir)
    const pending = first.adapter('a.json').write({ n: 1 })
    const second = nodeDocumentFiles(dir)
    expect(await second.adapter('a.json').read()).toEqual({ n: 1 })
    await pending
    await expect(first.adapter('a.json').write({ n: 2 })).rejects.toThrow(/opened again/)
    await second.adapter('a.json').write({ n: 3 })
    expect(await nodeDocumentFiles(dir).adapter('a.json').read()).toEqual({ n: 3 })
  })

  it('in another process is refused while the owner lives, and takes over once it is killed', async () => {
    const dir = await tempDir()
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/store/journal-writer.ts', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    const exited = new Promise((r) => child.once('exit', r))
    await new Promise((r) => child.stdout.once('data', r))
    const refused = nodeDocumentFiles(dir)
    await expect(refused.list('docs')).rejects.toThrow(`in use by process ${child.pid}`)
    child.kill('SIGKILL')
    await exited
    const after = nodeDocumentFiles(dir)
    expect((await after.list('docs')).length).toBeGreaterThan(0)
    await after.adapter('docs/mine.json').write({ n: 1 })
    expect(await after.adapter('docs/mine.json').read()).toEqual({ n: 1 })
  }, 30_000)

  it('finds a lock left by a process that is gone and takes it', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, '.lock'), '99999999 12345\n')
    const files = nodeDocumentFiles(dir)
    await files.adapter('a.json').write({ n: 1 })
    expect((await readFile(join(dir, '.lock'), 'utf8')).split(' ')[0]).toBe(String(process.pid))
    await files.close()
    await expect(readFile(join(dir, '.lock'))).rejects.toThrow(/ENOENT/)
  })

  it('that only reads sees the journal of a live writer and changes nothing', async () => {
    const dir = await tempDir()
    const writer = nodeDocumentFiles(dir, { checkpointBytes: 1 << 30 })
    await writer.adapter('a.json').write({ n: 1 })
    const before = await segments(dir)
    const reader = nodeDocumentFiles(dir, { readOnly: true })
    expect(await reader.adapter('a.json').read()).toEqual({ n: 1 })
    await expect(reader.adapter('a.json').write({ n: 2 })).rejects.toThrow(/read-only/)
    expect(await segments(dir)).toEqual(before)
    await writer.adapter('a.json').write({ n: 3 })
    expect(await writer.adapter('a.json').read()).toEqual({ n: 3 })
  })
})
