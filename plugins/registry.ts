/**
 * Resolves source plugins by name.
 */
import { AppError } from '../src/errors.ts'
import type { SourcePlugin } from './plugin.ts'

export interface PluginRegistry {
  get(name: string): SourcePlugin
  names(): string[]
}

export function createPluginRegistry(plugins: SourcePlugin[]): PluginRegistry {
  const byName = new Map(plugins.map((p) => [p.name, p]))
  return {
    get(name) {
      const plugin = byName.get(name)
      if (!plugin) throw new AppError('validation-failed', `unknown plugin '${name}'`, { errors: [{ path: '/plugin', message: `must be one of: ${[...byName.keys()].join(', ')}` }] })
      return plugin
    },
    names: () => [...byName.keys()],
  }
}
