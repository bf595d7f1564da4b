/**
 * The Hono environment of the app: the authenticated key travels in the context.
 */
import type { OpenAPIHono } from '@hono/zod-openapi'
import type { ApiKey } from '../store/records.ts'
import type { Deps } from '../services/deps.ts'

export type AppEnv = { Variables: { key: ApiKey } }
export type App = OpenAPIHono<AppEnv>
export type RouteModule = (app: App, deps: Deps) => void

export const bearer = [{ bearer: [] }]
