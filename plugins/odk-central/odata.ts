/**
 * ODK Central has no webhooks (webhooks.md section 3): submissions are pulled from its OData feed.
 * These are the pure parts of that pull connector; the caller injects `fetchJson` (Basic auth to
 * Central) and stores the cursor, so the whole poll is testable without a network.
 *
 * The filter is `submissionDate gt C or updatedAt gt C`: updatedAt alone would miss every new
 * submission, because Central leaves it null until a submission is edited or reviewed
 * (odk-central-1). There is no `$orderby`: Central's nextLink appends a `$skiptoken` to the request
 * URL and Central refuses `$orderby` with `$skiptoken` (501, central-backend `QueryOptions.
 * fromODataRequest`), and ordering by a mostly-null updatedAt would not order by change anyway.
 * Order does not matter: a poll follows every page before it moves the cursor to the latest change
 * it saw, and a change made while it runs is later than all of them, so the next poll finds it.
 * `$expand=*` inlines repeats.
 */
import { AppError, isAppError } from '../../src/errors.ts'
import { parseJson } from '../../src/json/parse-json.ts'
import type { Normalised } from '../plugin.ts'
import { isRecord } from '../kobo/text-check.ts'
import { alreadyDelivered, formatCursor, isTimestamp, mergeCursors, parseCursor, type Cursor } from './cursor.ts'
import { normaliseOdkSubmission, submissionBody } from './submission.ts'

const invalid = (path: string, message: string, detail = 'the ODK Central pull is not configured correctly') =>
  new AppError('validation-failed', detail, { errors: [{ path, message }] })

/** `https://odk.example.go.id` (with or without `/v1`) -> the server root, refusing plain http. */
function serverRoot(base: string): string {
  let url: URL
  try {
    url = new URL(base.trim())
  } catch {
    throw invalid('/base', `'${base}' must be the address of your ODK Central server, such as https://odk.example.go.id`)
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) throw invalid('/base', 'must start with https://: the password travels with every request')
  if (url.username || url.password || url.search || url.hash) throw invalid('/base', 'must be only the server address, without a user, password, ? or #')
  return url.origin + url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')
}

/** The first page of submissions changed after `cursor` (all of them when it is empty). */
export function buildSubmissionsUrl(base: string, projectId: number | string, formId: string, cursor?: string, top?: number): string {
  const root = serverRoot(base)
  if (!/^[1-9][0-9]{0,9}$/.test(String(projectId))) throw invalid('/projectId', 'must be the number in the project address (…/projects/3/…)')
  if (formId.trim() === '') throw invalid('/formId', 'must be the form ID (the form_id of the XLSForm settings sheet)')
  if (top !== undefined && !(Number.isInteger(top) && top >= 1 && top <= 10_000)) throw invalid('/top', 'must be a whole number from 1 to 10000')
  const since = parseCursor(cursor)
  const query: string[] = []
  if (since) query.push(`$filter=${encodeURIComponent(`__system/submissionDate gt ${since.at} or __system/updatedAt gt ${since.at}`)}`)
  query.push('$expand=*')
  if (top !== undefined) query.push(`$top=${top}`)
  return `${root}/v1/projects/${projectId}/forms/${encodeURIComponent(formId.trim())}.svc/Submissions?${query.join('&')}`
}

export interface PolledSubmission {
  /** `__id`: the same for an edit as for the original (undefined for a malformed item). */
  id?: string
  /** When Central last changed it: `__system/updatedAt`, else `__system/submissionDate`. */
  changedAt?: string
  /** The delivery body to hand to the intake (plugin `odk-central`). */
  body: string
  normalised?: Normalised
  /** Why the intake will reject it (it is still delivered, so the receipt records it). */
  error?: AppError
}

export interface SubmissionsPage {
  /** The submissions of this page that normalise (the others are in `polled` with their error). */
  submissions: Normalised[]
  polled: PolledSubmission[]
  nextLink?: string
  /** The given cursor moved to the latest change on this page. */
  cursor: string
}

function strictPage(text: string): unknown {
  const parsed = parseJson(text)
  if (parsed.ok) return parsed.value
  throw new AppError('validation-failed', 'ODK Central answered with something that is not JSON', {
    errors: parsed.errors.slice(0, 5).map((e) => ({ path: e.pointer || '/', message: `${e.message} (line ${e.line}, column ${e.col})` })),
  })
}

function polledSubmission(raw: unknown): PolledSubmission {
  const body = isRecord(raw) ? submissionBody(raw) : JSON.stringify(raw)
  const out: PolledSubmission = { body }
  if (isRecord(raw)) {
    if (typeof raw.__id === 'string' && raw.__id !== '') out.id = raw.__id
    const system = isRecord(raw.__system) ? raw.__system : {}
    const changedAt = [system.updatedAt, system.submissionDate].find((v): v is string => typeof v === 'string' && isTimestamp(v))
    if (changedAt !== undefined) out.changedAt = changedAt
  }
  try {
    out.normalised = normaliseOdkSubmission(body)
  } catch (e) {
    if (!isAppError(e)) throw e
    out.error = e
  }
  return out
}

/**
 * One OData page (its text, preferably, so numbers too large to be exact are caught, or its
 * parsed JSON). Submissions the cursor lists as delivered are left out.
 */
export function parseSubmissionsPage(json: unknown, cursor?: string): SubmissionsPage {
  const since = parseCursor(cursor)
  const page = typeof json === 'string' ? strictPage(json) : json
  if (!isRecord(page) || !Array.isArray(page.value)) throw invalid('/value', 'must be the array of submissions', 'ODK Central did not answer with a page of submissions')
  const next = page['@odata.nextLink']
  if (next !== undefined && (typeof next !== 'string' || next === '')) throw invalid('/@odata.nextLink', 'must be a URL', 'ODK Central did not answer with a page of submissions')
  let latest: Cursor | undefined
  const polled: PolledSubmission[] = []
  for (const raw of page.value) {
    const item = polledSubmission(raw)
    if (item.id !== undefined && item.changedAt !== undefined) {
      if (alreadyDelivered(since, item.id, item.changedAt)) continue
      latest = mergeCursors(latest, { at: item.changedAt, ids: [item.id] })
    }
    polled.push(item)
  }
  return {
    submissions: polled.flatMap((p) => (p.normalised ? [p.normalised] : [])),
    polled,
    ...(next !== undefined ? { nextLink: next } : {}),
    cursor: formatCursor(mergeCursors(since, latest)),
  }
}

export interface PollOptions {
  /** GETs a URL from Central with its credentials; returns the body text (preferred) or parsed JSON. */
  fetchJson(url: string): Promise<unknown>
  /** The cursor stored after the last successful poll ('' or undefined: from the beginning). */
  cursor?: string
  /** The Central server, e.g. `https://odk.example.go.id`. */
  base: string
  projectId: number | string
  formId: string
  /** Page size ($top); undefined: Central sends everything in one page. */
  top?: number
  /** Refuse to follow more pages than this (default 1000). */
  maxPages?: number
}

export interface PollResult {
  /** The submissions that normalise, earliest change first, each once (its latest version). */
  submissions: Normalised[]
  /** Every submission to deliver, with its body; those that do not normalise carry their error. */
  polled: PolledSubmission[]
  /** Store this only after every submission in `polled` has been handed to the intake. */
  cursor: string
  pages: number
}

const changeTime = (p: PolledSubmission): number => (p.changedAt === undefined ? Infinity : Date.parse(p.changedAt))

/** Follows `@odata.nextLink` until the last page; throws (cursor unchanged) if any page fails. */
export async function pollOnce(opts: PollOptions): Promise<PollResult> {
  const maxPages = opts.maxPages ?? 1000
  let url = buildSubmissionsUrl(opts.base, opts.projectId, opts.formId, opts.cursor, opts.top)
  const origin = new URL(url).origin
  const fetched = new Set<string>()
  const byId = new Map<string, PolledSubmission>()
  const unnamed: PolledSubmission[] = []
  let cursor = parseCursor(opts.cursor)
  let pages = 0
  for (;;) {
    if (pages >= maxPages) throw new AppError('unavailable', `ODK Central returned more than ${maxPages} pages; the poll stopped without moving the cursor`)
    fetched.add(new URL(url).href)
    const page = parseSubmissionsPage(await opts.fetchJson(url), opts.cursor)
    pages++
    for (const p of page.polled) {
      if (p.id === undefined) {
        unnamed.push(p)
        continue
      }
      const seen = byId.get(p.id)
      // An edit made while the poll ran can show up twice: keep the later version, once.
      if (seen === undefined || changeTime(p) > changeTime(seen)) byId.set(p.id, p)
    }
    cursor = mergeCursors(cursor, parseCursor(page.cursor))
    if (page.nextLink === undefined) break
    let next: URL
    try {
      next = new URL(page.nextLink, url)
    } catch {
      throw invalid('/@odata.nextLink', `'${page.nextLink.slice(0, 200)}' is not a URL`, 'ODK Central sent a next-page link that cannot be followed')
    }
    // The credentials go with every request: never follow a link to another server.
    if (next.origin !== origin) throw invalid('/@odata.nextLink', `points to ${next.origin}, not ${origin}`, 'ODK Central sent a next-page link to another server')
    if (fetched.has(next.href)) throw invalid('/@odata.nextLink', 'points to a page already fetched', 'ODK Central sent a next-page link that loops')
    url = next.href
  }
  const polled = [...byId.values()].sort((a, b) => changeTime(a) - changeTime(b)).concat(unnamed)
  return { submissions: polled.flatMap((p) => (p.normalised ? [p.normalised] : [])), polled, cursor: formatCursor(cursor), pages }
}
