/**
 * DocumentFiles on a Node data folder, behind a write-ahead journal (node-journal.ts).
 *
 * A write is acknowledged once its record is in the journal on disk; concurrent writes share one
 * sync. The documents themselves are written later, in a checkpoint: every document changed since
 * the last one is written (temp file + rename, so a reader never sees half a file), the file
 * system is synced once, and only then are the journal segments that held those changes deleted.
 * Until its checkpoint a written document is served from memory. At open, whatever the journal
 * holds is written to the documents first (a crash may have come at any moment), so a
 * SIGKILL after an acknowledgement never loses that write, and a record torn by the crash belongs
 * to a write nobody was told about. Replaying a record twice is harmless: a record is a whole
 * document, and the last one for a path wins.
 *
 * Checkpoints run when the journal passes `checkpointBytes`, when it holds writes older than
 * `checkpointMs`, and at close(). lowdb's own JSONFile does not fsync and pretty-prints, which costs
 * twice the time on big documents (see shared/toolchain.md, gotcha 13).
 *
 * One writer per data folder (data-folder-lock.ts): a second nodeDocumentFiles on the same folder in
 * this process takes over from the first (which then refuses writes); another process is refused.
 * A process that only reads (the CLI) opens with `readOnly`, which reads the journal but never
 * writes or deletes it.
 */
import { execFile } from 'node:child_process'
import { rename as fsRename, writeFile as fsWriteFile } from 'node:fs'
import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { Adapter } from 'lowdb'
import { checkDocumentPath, type DocumentFiles } from '../store/document-files.ts'
import { isPackedFolder } from '../store/lowdb-store.ts'
import { documentPacks } from './document-packs.ts'
import { lockDataFolder, unlockDataFolder } from './data-folder-lock.ts'
import { openJournal, readJournal, removeLeftovers, removeSegments, syncFolder, type Journal } from './node-journal.ts'

export interface NodeDocumentFilesOptions {
  /** Read the folder without writing to it (another process owns it): the journal is read, never changed. */
  readOnly?: boolean
  /** Journal size at which a checkpoint starts (default 8 MiB). */
  checkpointBytes?: number
  /** Longest time a written document waits for its checkpoint (default 60 s). */
  checkpointMs?: number
  /** Told when opening found a journal whose last batch a crash cut short. */
  warn?: (message: string, data?: Record<string, unknown>) => void
  /** Folders whose documents are kept in packs (document-packs.ts); the lowdb store's receipts by default. */
  packed?: (folder: string) => boolean
}

export interface NodeDocumentFiles extends DocumentFiles {
  /** Writes every journaled document to its file, syncs them, and drops the journal segments behind. */
  checkpoint(): Promise<void>
  /** A last checkpoint, then no more writes. */
  close(): Promise<void>
  /** Journal syncs, records and bytes, checkpoints run, and records replayed at open. */
  readonly stats: { syncs: number; records: number; bytes: number; checkpoints: number; replayed: number }
}

/** A written document not yet in its file. `prev` is what to show again if this write fails. */
interface Entry {
  text: string
  state: 'pending' | 'durable' | 'failed'
  settled: Promise<void>
  prev?: Entry
  /** In its file (by a checkpoint). */
  written?: boolean
}

// Temp files start with '.', so list() never mistakes one for a document.
let tempCounter = 0
const tempName = (file: string) => join(dirname(file), `.${file.split(/[\\/]/).pop()}.${process.pid}.${++tempCounter}.tmp`)

/**
 * A temp file another process left behind (a crash in the middle of a checkpoint): the folder lock
 * means no other process writes here now, and this process's own temp files may be in flight.
 */
const isStaleTemp = (name: string) => {
  const m = /^\..+\.(\d+)\.\d+\.tmp$/.exec(name)
  return m !== null && Number(m[1]) !== process.pid
}

// fs's callback forms: a checkpoint writes thousands of small files, and these cost about a
// quarter less CPU per file than FileHandle's promises (measured here: 200 against 264 µs). (A
// worker thread writing them with synchronous calls was tried: on two cores shared with the load,
// it cost a third more CPU per delivery and fewer deliveries per second.)
const writeWhole = (file: string, text: string) => new Promise<void>((done, fail) => fsWriteFile(file, text, 'utf8', (e) => (e ? fail(e) : done())))
const renameFile = (from: string, to: string) => new Promise<void>((done, fail) => fsRename(from, to, (e) => (e ? fail(e) : done())))

const isMissing = (e: unknown) => {
  const code = (e as { code?: string }).code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

/** The open writer of each data folder in this process (see takeover in nodeDocumentFiles). */
const writers = new Map<string, { detach: () => Promise<void> }>()

/** Runs `fn` over `items` with at most `limit` in flight. */
async function eachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

/**
 * One sync for the whole file system (syncfs, through coreutils' `sync -f`): far cheaper than an
 * fsync per file when a checkpoint has written thousands. Where that is not available, each file
 * and each folder is synced instead.
 */
let syncfsWorks: boolean | undefined
function syncFileSystem(dir: string): Promise<boolean> {
  if (syncfsWorks === false || process.platform !== 'linux') return Promise.resolve(false)
  return new Promise((done) => {
    execFile('sync', ['-f', dir], { timeout: 120_000 }, (error) => {
      if (error && syncfsWorks === undefined) syncfsWorks = false
      else if (!error) syncfsWorks = true
      done(!error)
    })
  })
}

async function syncEach(files: Iterable<string>): Promise<void> {
  const list = [...files]
  const folders = [...new Set(list.map((f) => dirname(f)))]
  await eachLimit(list, 2, async (file) => {
    const handle = await open(file, 'r').catch((e) => {
      if (isMissing(e)) return null
      throw e
    })
    if (!handle) return
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  })
  await eachLimit(folders, 2, syncFolder)
}

export function nodeDocumentFiles(dir: string, options: NodeDocumentFilesOptions = {}): NodeDocumentFiles {
  const root = resolve(dir)
  const readOnly = options.readOnly === true
  const checkpointBytes = options.checkpointBytes ?? 8 << 20
  const checkpointMs = options.checkpointMs ?? 60_000
  const journalDir = join(root, '.journal')
  const fileOf = (path: string) => join(root, ...checkDocumentPath(path))

  const overlay = new Map<string, Entry>()
  const stats = { checkpoints: 0, replayed: 0 }
  let journal: Journal | null = null
  let journalStats = { syncs: 0, records: 0, bytes: 0 }
  let closed = false
  /** Records issued before the journal was open, in order. */
  let early: { path: string; text: string; done: () => void; fail: (e: unknown) => void }[] | null = []
  /** Files a checkpoint wrote whose sync failed: the next checkpoint syncs them again. */
  const unsynced = new Set<string>()
  const madeFolders = new Set<string>()
  const packs = documentPacks(root, { readOnly, holds: options.packed ?? isPackedFolder })

  async function writeFile(file: string, text: string): Promise<void> {
    const folder = dirname(file)
    if (!madeFolders.has(folder)) {
      await mkdir(folder, { recursive: true })
      madeFolders.add(folder)
    }
    const temp = tempName(file)
    try {
      await writeWhole(temp, text).catch(async (e: NodeJS.ErrnoException) => {
        // The folder was removed behind our back: make it again, once.
        if (e.code !== 'ENOENT') throw e
        await mkdir(folder, { recursive: true })
        await writeWhole(temp, text)
      })
      await renameFile(temp, file)
    } catch (error) {
      await rm(temp, { force: true })
      throw error
    }
  }

  /** Writes `docs` to their files or packs and makes them durable (with whatever an earlier sync missed). */
  async function writeDurably(all: [string, string][], parallel: number): Promise<void> {
    const packed = all.filter(([path]) => packs.holdsDocument(path))
    const docs = packed.length === 0 ? all : all.filter(([path]) => !packs.holdsDocument(path))
    for (const file of await packs.append(packed)) unsynced.add(file)
    await eachLimit(docs, parallel, async ([path, text]) => {
      const file = fileOf(path)
      await writeFile(file, text)
      unsynced.add(file)
    })
    if (unsynced.size === 0) return
    const files = [...unsynced]
    if (!(await syncFileSystem(root))) await syncEach(files)
    for (const f of files) unsynced.delete(f)
  }

  // ---- opening: take over, replay the journal, start a new one ----
  const previous = readOnly ? undefined : writers.get(root)
  const self = { detach }
  if (!readOnly) writers.set(root, self)

  const ready = (async () => {
    await previous?.detach()
    if (!readOnly) await lockDataFolder(root)
    const found = await readJournal(journalDir)
    if (found.torn.length > 0) {
      options.warn?.('the journal ended in a write cut short by a crash; that write was never acknowledged and is ignored', { segments: found.torn })
    }
    const last = new Map<string, string>()
    for (const r of found.records) {
      checkDocumentPath(r.path)
      last.set(r.path, r.text)
    }
    stats.replayed = found.records.length
    if (readOnly) {
      for (const [path, text] of last) overlay.set(path, { text, state: 'durable', settled: Promise.resolve() })
      return
    }
    // Nothing else runs yet: as many at once as libuv's pool has threads.
    await writeDurably([...last], 4)
    const made = await stat(journalDir).then(() => false, () => true)
    await mkdir(journalDir, { recursive: true })
    // The journal folder must survive a power cut before anything is written into it.
    if (made) await syncFolder(root)
    await removeLeftovers(journalDir)
    // Stale temp files in sub-folders go when the store lists them (list below).
    for (const name of await readdir(root)) if (isStaleTemp(name)) await rm(join(root, name), { force: true })
    await removeSegments(journalDir, found.seqs)
    journal = await openJournal(journalDir, (found.seqs.at(-1) ?? 0) + 1)
    journalStats = journal.stats
  })()
  ready.then(
    () => {
      const waiting = early ?? []
      early = null
      // Issued before any takeover or close, so they go in even if one has begun since.
      for (const w of waiting) journal!.append(w.path, w.text).then(w.done, w.fail)
    },
    (e) => {
      const waiting = early ?? []
      early = null
      for (const w of waiting) w.fail(e)
    },
  )
  ready.catch(() => undefined)

  function append(path: string, text: string): Promise<void> {
    if (closed) return Promise.reject(new Error(`The data folder ${root} was closed or opened again elsewhere in this process`))
    if (early) return new Promise((done, fail) => early!.push({ path, text, done, fail }))
    return journal!.append(path, text)
  }

  // ---- checkpoints ----
  let checkpointing: Promise<void> = Promise.resolve()
  let queued = 0
  let oldestUnchecked = 0

  function checkpoint(): Promise<void> {
    queued++
    const run = checkpointing.then(() => runCheckpoint()).finally(() => queued--)
    checkpointing = run.catch(() => undefined)
    return run
  }

  async function runCheckpoint(): Promise<void> {
    await ready
    if (!journal || (journal.size === 0 && overlay.size === 0 && unsynced.size === 0)) return
    const keep = await journal.rotate()
    oldestUnchecked = 0
    // What each file must hold: the newest write that is on disk in the journal. Newer ones are
    // still in flight and belong to the segments kept.
    const docs: [string, Entry][] = []
    for (const [path, head] of overlay) {
      let e: Entry | undefined = head
      while (e && e.state !== 'durable') e = e.prev
      if (e && !e.written) docs.push([path, e])
    }
    // Two at a time: libuv's pool has four threads, and the journal's writes and syncs, which
    // requests wait for, must not queue behind a checkpoint's thousands of small files.
    await writeDurably(docs.map(([path, e]) => [path, e.text]), 2)
    for (const [path, e] of docs) {
      e.written = true
      e.prev = undefined
      if (overlay.get(path) === e) overlay.delete(path)
    }
    await journal.dropBefore(keep)
    stats.checkpoints++
  }

  const timer = readOnly
    ? undefined
    : setInterval(() => {
        if (queued === 0 && oldestUnchecked > 0 && Date.now() - oldestUnchecked >= checkpointMs) checkpoint().catch((e) => options.warn?.('checkpoint failed', { error: String(e) }))
      }, Math.max(50, Math.min(checkpointMs, 5_000)))
  timer?.unref()

  function afterWrite(): void {
    if (oldestUnchecked === 0) oldestUnchecked = Date.now()
    if (queued === 0 && journal && journal.size >= checkpointBytes) {
      checkpoint().catch((e) => options.warn?.('checkpoint failed', { error: String(e) }))
    }
  }

  async function detach(): Promise<void> {
    closed = true
    if (timer) clearInterval(timer)
    await ready.catch(() => undefined)
    await checkpointing
    // What was already issued goes into the journal, which the next writer replays.
    await journal?.close(false)
    journal = null
  }

  // Undoes a failed write in memory: the document shows its last write that did not fail.
  function revert(path: string): void {
    let head = overlay.get(path)
    while (head && head.state === 'failed') head = head.prev
    if (head) overlay.set(path, head)
    else overlay.delete(path)
  }

  return {
    adapter<T>(path: string): Adapter<T> {
      const file = fileOf(path)
      return {
        async read(): Promise<T | null> {
          await ready
          // The last write issued before this read is waited for, so the read sees it and never
          // shows what a crash could still take back; writes issued later are not waited for.
          const issued = overlay.get(path)
          if (issued?.state === 'pending') await issued.settled
          let entry = overlay.get(path)
          while (entry && entry.state !== 'durable') entry = entry.prev
          let text: string
          const packed = entry || !packs.holdsDocument(path) ? undefined : await packs.read(path)
          if (entry) text = entry.text
          else if (packed !== undefined) text = packed
          else {
            try {
              text = await readFile(file, 'utf8')
            } catch (e) {
              if (isMissing(e)) return null
              throw e
            }
          }
          try {
            return JSON.parse(text) as T
          } catch (e) {
            throw new Error(`The document ${file} is not valid JSON`, { cause: e })
          }
        },
        write(data: T): Promise<void> {
          if (readOnly) return Promise.reject(new Error(`The data folder ${root} was opened read-only`))
          // Serialise now: the caller may change `data` once this returns. Compact, not pretty.
          const text = JSON.stringify(data)
          const written = append(path, text)
          const entry: Entry = { text, state: 'pending', settled: written.then(() => undefined, () => undefined), prev: overlay.get(path) }
          overlay.set(path, entry)
          return written.then(
            () => {
              entry.state = 'durable'
              // Once this is on disk, nothing older can be shown again.
              entry.prev = undefined
              afterWrite()
            },
            (e: unknown) => {
              entry.state = 'failed'
              revert(path)
              throw e
            },
          )
        },
      }
    },
    async list(folder: string): Promise<string[]> {
      const prefix = `${checkDocumentPath(folder).join('/')}/`
      await ready
      const names = new Set<string>()
      try {
        const at = join(root, ...checkDocumentPath(folder))
        for (const e of await readdir(at, { withFileTypes: true })) {
          if (e.isFile() && !e.name.startsWith('.')) names.add(e.name)
          else if (!readOnly && e.isFile() && isStaleTemp(e.name)) await rm(join(at, e.name), { force: true })
        }
      } catch (e) {
        if (!isMissing(e)) throw e
      }
      const clean = prefix.slice(0, -1)
      if (packs.holds(clean)) for (const name of await packs.names(clean)) names.add(name)
      for (const path of overlay.keys()) {
        if (path.startsWith(prefix) && !path.includes('/', prefix.length)) names.add(path.slice(prefix.length))
      }
      return [...names].sort()
    },
    checkpoint,
    async close() {
      if (closed) return
      // No write after this one is taken, so the checkpoint leaves nothing in the journal.
      closed = true
      if (timer) clearInterval(timer)
      await checkpoint()
      await journal?.close(true)
      journal = null
      if (writers.get(root) === self) {
        writers.delete(root)
        await unlockDataFolder(root)
      }
    },
    get stats() {
      return { ...stats, ...journalStats }
    },
  }
}
