/**
 * Which files of a folder make up a package: workflow.json, its framework file, forms/*.json and
 * *.jsonata at the root. Everything else (sample/, README.md) is the folder's, not the package's:
 * it is neither loaded nor hashed, so editing a README does not ask for a new version.
 */

export const WORKFLOW_FILE = 'workflow.json'
export const DEFAULT_FRAMEWORK_FILE = 'framework.json'

/** The framework file that workflow.json names (its default when the text cannot tell). */
export function frameworkFileOf(workflowText: string | undefined): string {
  if (workflowText === undefined) return DEFAULT_FRAMEWORK_FILE
  try {
    const framework = (JSON.parse(workflowText) as { framework?: unknown }).framework
    return typeof framework === 'string' && framework !== '' ? framework.replace(/^\.\//, '') : DEFAULT_FRAMEWORK_FILE
  } catch {
    return DEFAULT_FRAMEWORK_FILE
  }
}

/** True for paths that belong to the package, given its framework file. */
export function isPackageFile(path: string, frameworkFile: string): boolean {
  return (
    path === WORKFLOW_FILE ||
    path === frameworkFile ||
    /^forms\/[^/]+\.json$/.test(path) ||
    /^[^/]+\.jsonata$/.test(path)
  )
}

/** The package's own files out of a folder's files. */
export function selectPackageFiles(files: Record<string, string>): { files: Record<string, string>; frameworkFile: string } {
  const frameworkFile = frameworkFileOf(files[WORKFLOW_FILE])
  const selected: Record<string, string> = {}
  for (const path of Object.keys(files).sort()) {
    if (isPackageFile(path, frameworkFile)) selected[path] = files[path]!
  }
  return { files: selected, frameworkFile }
}

/** 'forms/self.json' -> 'self'; undefined for paths that are not forms. */
export function formIdOf(path: string): string | undefined {
  return /^forms\/([^/]+)\.json$/.exec(path)?.[1]
}
