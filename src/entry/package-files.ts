/**
 * Reads package folders from disk (Node only). Only the package's own files are read, with
 * '/'-separated paths relative to the folder, so the same content hashes the same on any OS.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { frameworkFileOf, isPackageFile, WORKFLOW_FILE } from '../package/select-files.ts'

async function filesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return []
    throw e
  }
}

/** The package files of `dir`: workflow.json, its framework file, forms/*.json and *.jsonata. */
export async function readPackageDir(dir: string): Promise<Record<string, string>> {
  const root = await filesIn(dir)
  const workflow = root.includes(WORKFLOW_FILE) ? await readFile(join(dir, WORKFLOW_FILE), 'utf8') : undefined
  const frameworkFile = frameworkFileOf(workflow)
  const candidates = [...root, ...(await filesIn(join(dir, 'forms'))).map((f) => `forms/${f}`)]
  // A framework file in a subfolder is not in the listing above; it is read when it exists.
  if (!candidates.includes(frameworkFile) && frameworkFile.includes('/') && !frameworkFile.split('/').includes('..')) {
    if (await stat(join(dir, frameworkFile)).then((s) => s.isFile(), () => false)) candidates.push(frameworkFile)
  }
  const files: Record<string, string> = {}
  for (const path of candidates.filter((p) => isPackageFile(p, frameworkFile)).sort()) {
    files[path] = path === WORKFLOW_FILE && workflow !== undefined ? workflow : await readFile(join(dir, path), 'utf8')
  }
  return files
}

/**
 * The package folders under `root`: every subfolder not starting with '.', sorted by name. One
 * without workflow.json is listed too, so loading it says what is missing instead of skipping it.
 */
export async function listPackageDirs(root = 'workflows'): Promise<string[]> {
  let entries
  try {
    entries = await readdir(root, { withFileTypes: true })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw e
  }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort()
    .map((name) => join(root, name))
}
