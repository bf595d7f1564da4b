/**
 * What the Chromium page tests share: the Node server with the whole-cycle scenario run on it (the
 * same as the end-to-end test), an office viewer's key, and Debian's Chromium with pages set to
 * Indonesian, as in the office, that send that key.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll } from 'vitest'
import { launchBrowser, watchErrors } from './browser.ts'
import { startServer, stopServer, type RunningServer } from './node-server.ts'
import { hookSecretsEnv } from './payloads.ts'
import { caller, wholeCycle, type Call, type WholeCycleResult } from './whole-cycle.ts'

export interface PagesScene {
  url: string
  run: WholeCycleResult
  /** The admin's client. */
  call: Call
  /** A viewer key of the scenario's office. */
  viewer: string
  browser: Browser
  /** The JSON the viewer gets for `path` (the model a page is drawn from). */
  viewerJson: (path: string) => Promise<any>
  /** A new page whose requests carry the viewer's key, with the console errors it logs. */
  viewerPage: () => Promise<{ page: Page; errors: string[] }>
}

/**
 * Registers the clean-up (browser, server, data) with the calling `describe` and returns the
 * function that sets the scene up. Call that inside the test, whose timeout covers the scenario.
 */
export function pagesScene(admin: string): () => Promise<PagesScene> {
  let dataDir = ''
  let server: RunningServer | undefined
  let browser: Browser | undefined
  afterAll(async () => {
    await browser?.close()
    if (server) await stopServer(server.child)
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  return async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kinerja-pages-'))
    server = await startServer(dataDir, admin, hookSecretsEnv())
    const url = server.url
    const run = await wholeCycle({ url, admin })
    const call = caller({ url, admin })
    const viewer = (await call('POST', '/offices/kecamatan-plaju/keys', { role: 'viewer' })).data.key as string
    const launched = await launchBrowser()
    browser = launched
    return {
      url,
      run,
      call,
      viewer,
      browser: launched,
      viewerJson: (path) => fetch(url + path, { headers: { authorization: `Bearer ${viewer}`, accept: 'application/json' } }).then((r) => r.json()),
      viewerPage: async () => {
        // The browser's locale sets its Accept-Language, which picks the page's language.
        const context = await launched.newContext({ locale: 'id-ID', extraHTTPHeaders: { authorization: `Bearer ${viewer}` }, viewport: { width: 1100, height: 900 } })
        const page = await context.newPage()
        return { page, errors: watchErrors(page) }
      },
    }
  }
}
