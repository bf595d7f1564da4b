/**
 * DocumentFiles: a folder of JSON documents addressed by relative, '/'-separated paths
 * ("cycles/c1/roster.json"). The lowdb store is written against this port so that its logic runs
 * the same on disk (src/entry/node-document-files.ts) and in memory (memoryDocumentFiles below).
 *
 * Rules every implementation keeps, because the lowdb store relies on them:
 * - `write` captures `data` when it is called (serialises before any await), so later changes to
 *   the object never leak into that write;
 * - writes to one path land in the order they were issued, each whole (a reader never sees half);
 * - `read` sees every write to that path issued before it; a missing document reads as null;
 * - `list(folder)` names the documents directly in the folder (not sub-folders), sorted, and is
 *   [] when the folder does not exist.
 */
import type { Adapter } from 'lowdb'
import { AppError } from '../errors.ts'

export interface DocumentFiles {
  adapter<T>(path: string): Adapter<T>
  list(folder: string): Promise<string[]>
}

/** Throws unless `path` is relative, '/'-separated and stays inside the folder. */
export function checkDocumentPath(path: string): string[] {
  const parts = path.split('/')
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..' || part.includes('\\') || part.includes('\0')) {
      throw new Error(`Not a safe document path: ${JSON.stringify(path)}`)
    }
  }
  return parts
}

// Longest encoded id we put in a file name: file systems cap a name at 255 bytes, and ".json" and
// temp-file suffixes need room.
const MAX_NAME = 200

/**
 * The file-name form of a record id: only [A-Za-z0-9_-] are kept, everything else (including '.',
 * '/' and non-ASCII) is %-encoded, so no id can name a parent folder, a hidden file or a path.
 */
export function docName(id: string): string {
  let name: string
  try {
    name = encodeURIComponent(id).replace(/[.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  } catch {
    throw new AppError('bad-request', `The id ${JSON.stringify(id)} is not valid Unicode text`)
  }
  if (name === '') throw new AppError('bad-request', 'An id must not be empty')
  if (name.length > MAX_NAME) throw new AppError('bad-request', `The id ${JSON.stringify(id.slice(0, 40))}... is too long`)
  return name
}

/** The id back from a document name made by docName (with or without ".json"). */
export function idOfDocName(name: string): string {
  return decodeURIComponent(name.endsWith('.json') ? name.slice(0, -'.json'.length) : name)
}

/**
 * Documents in a Map, held as JSON text so every read is a fresh copy. For tests, and for running
 * the lowdb store logic without a disk.
 */
export function memoryDocumentFiles(): DocumentFiles {
  const docs = new Map<string, string>()
  return {
    adapter<T>(path: string): Adapter<T> {
      checkDocumentPath(path)
      return {
        read: async () => {
          const text = docs.get(path)
          return text === undefined ? null : (JSON.parse(text) as T)
        },
        write: async (data: T) => {
          docs.set(path, JSON.stringify(data))
        },
      }
    },
    async list(folder: string): Promise<string[]> {
      const prefix = `${checkDocumentPath(folder).join('/')}/`
      const names: string[] = []
      for (const path of docs.keys()) {
        if (path.startsWith(prefix) && !path.slice(prefix.length).includes('/')) names.push(path.slice(prefix.length))
      }
      return names.sort()
    },
  }
}
