/**
 * Debian's Chromium, driven by playwright-core, for page tests. Never downloads a browser: the
 * machine has /usr/bin/chromium (CI installs the `chromium` package). The flags keep Chromium off
 * the network this machine does not have. Screenshots go to test-output/ (gitignored).
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'

export const CHROMIUM = process.env.KINERJA_CHROMIUM ?? '/usr/bin/chromium'
export const SCREENSHOTS = new URL('../../test-output/screenshots/', import.meta.url).pathname

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

/** Collects console errors and page errors of a page, to assert there are none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  page.on('pageerror', (e) => errors.push(String(e)))
  return errors
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true })
  const file = join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}
