/**
 * The "no corrupt file" check of a data folder left by a crash: every JSON document (a file whose
 * name ends in .json) must parse. Temp files ('.name.json.<pid>.<n>.tmp'), a journal and anything
 * else that is not a .json document are not documents and are skipped: the store ignores them too.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface DataFilesCheck {
  documents: number
  skipped: number
  /** One line per document that does not parse: its path and why. */
  corrupt: string[]
}

export async function checkDataFiles(dir: string): Promise<DataFilesCheck> {
  const out: DataFilesCheck = { documents: 0, skipped: 0, corrupt: [] }
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  for (const e of entries) {
    if (!e.isFile()) continue
    const path = join(e.parentPath, e.name)
    if (!e.name.endsWith('.json') || e.name.startsWith('.')) {
      out.skipped++
      continue
    }
    out.documents++
    const text = await readFile(path, 'utf8')
    try {
      JSON.parse(text)
    } catch (error) {
      out.corrupt.push(`${path.slice(dir.length + 1)}: ${(error as Error).message} (${text.length} bytes)`)
    }
  }
  return out
}
