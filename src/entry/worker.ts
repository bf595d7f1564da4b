/**
 * The Cloudflare Workers entry: the same app as on Node, on a D1 store, with the packages of
 * workflows/ bundled at build time (a Worker has no file system) and the cron trigger running the
 * same tick (deadlines, then the outbox) and the ODK Central pull.
 *
 * Bindings and secrets (wrangler.toml; secrets by `wrangler secret put <NAME>`): DB (D1),
 * KINERJA_ADMIN_KEY (an admin key to accept: a Worker cannot print a generated one), KINERJA_LINK_SECRET
 * (signs action links; without it links are off), KINERJA_PUBLIC_URL, KINERJA_LINK_DAYS,
 * KINERJA_CORS_ORIGINS, KINERJA_CHANNEL_<NAME>_URL/_SECRET and every webhook secret a binding names.
 */
import type { D1Database, ExecutionContext, ScheduledController } from '@cloudflare/workers-types'
import { z } from 'zod'
import { createApp } from '../app.ts'
import { bundledPackages } from '../generated/worker/packages.ts'
import { formatProblem } from '../package/format-problem.ts'
import { loadPackage } from '../package/load-package.ts'
import type { Deps, Logger } from '../services/deps.ts'
import { systemClock } from '../services/deps.ts'
import { tick } from '../services/instances.ts'
import { adoptKey } from '../services/keys.ts'
import { createPackageRegistry, loadBundled } from '../services/package-registry.ts'
import { pullAll } from '../services/pull.ts'
import { createD1Store } from '../store/d1-store.ts'
import { createPluginRegistry } from '../../plugins/registry.ts'
import { sourcePlugins } from '../../plugins/index.ts'
import { channelsFrom, corsOriginsFrom, linksFrom } from './env-config.ts'

export interface Env {
  DB: D1Database
  [name: string]: unknown
}

// Zod would otherwise probe `new Function` to decide whether it may compile validators; on
// Workers it may not, so it is told so before any schema runs.
z.config({ jitless: true })

const SECRET_LIKE = /(key|secret|token|password|authorization)/i

/** One JSON line per message (Workers logs); values of secret-looking fields are never printed. */
const workerLogger: Logger = (() => {
  const line = (level: string) => (message: string, data?: Record<string, unknown>) => {
    const safe = data && Object.fromEntries(Object.entries(data).map(([k, v]) => [k, SECRET_LIKE.test(k) ? '[redacted]' : v]))
    console.log(JSON.stringify({ level, message, ...safe }))
  }
  return { info: line('info'), warn: line('warn'), error: line('error') }
})()

interface Booted {
  deps: Deps
  app: ReturnType<typeof createApp>
}

let booting: Promise<Booted> | undefined

/** Builds the service once per isolate (the packages load once, not per request). */
function boot(env: Env): Promise<Booted> {
  booting ??= (async () => {
    const store = createD1Store(env.DB)
    const { packages, problems } = await loadBundled(store, loadPackage, bundledPackages)
    for (const { dir, problem } of problems) workerLogger[problem.severity === 'error' ? 'error' : 'warn'](`package ${problem.severity}: ${dir}/${formatProblem(problem)}`)
    const deps: Deps = {
      store,
      clock: systemClock,
      packages: createPackageRegistry(store, loadPackage, packages),
      plugins: createPluginRegistry(sourcePlugins),
      logger: workerLogger,
      secrets: (name) => (typeof env[name] === 'string' ? (env[name] as string) : undefined),
      channels: channelsFrom(env),
      corsOrigins: corsOriginsFrom(env),
      fetch: (url, init) => fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(30_000) }),
      links: linksFrom(env),
    }
    if (typeof env.KINERJA_ADMIN_KEY === 'string' && env.KINERJA_ADMIN_KEY) await adoptKey(deps, env.KINERJA_ADMIN_KEY, 'admin', 'KINERJA_ADMIN_KEY')
    return { deps, app: createApp(deps) }
  })().catch((e) => {
    booting = undefined
    throw e
  })
  return booting
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const { app } = await boot(env)
    return app.fetch(request, env, ctx)
  },

  /** The cron trigger: the same tick as Node's timer, then the pull of sources without webhooks. */
  async scheduled(_controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    const { deps } = await boot(env)
    ctx.waitUntil(
      (async () => {
        const moved = await tick(deps)
        if (moved > 0) deps.logger.info('tick', { moved })
        for (const r of await pullAll(deps)) if (r.delivered > 0 || r.error) deps.logger.info('pulled', { ...r })
      })().catch((e) => deps.logger.error('scheduled run failed', { error: String(e) })),
    )
  },
}
