/**
 * Plain HTTP helpers for the fault tests and the soak (which runs outside vitest, so nothing here
 * imports it): an admin caller, and a webhook sender that reports a dropped connection as such.
 */
import type { BuiltDelivery } from '../support/payloads.ts'

export interface Answer {
  status: number
  data: any
}

export function adminCaller(url: string, admin: string) {
  return async (method: string, path: string, body?: unknown, type = 'application/json'): Promise<Answer> => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body !== undefined ? { 'content-type': type } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    const text = await res.text()
    try {
      return { status: res.status, data: JSON.parse(text) }
    } catch {
      return { status: res.status, data: text }
    }
  }
}

/** What a sender saw: an HTTP answer, or no answer at all (refused, reset, cut off). */
export type Sent = Answer | { status: 0; error: string }

export async function send(hookUrl: string, d: BuiltDelivery): Promise<Sent> {
  try {
    const res = await fetch(`${hookUrl}${d.query}`, { method: 'POST', headers: d.headers, body: d.body })
    const text = await res.text()
    let data: any = text
    try {
      data = JSON.parse(text)
    } catch {
      // keep the text
    }
    return { status: res.status, data }
  } catch (e) {
    return { status: 0, error: String((e as Error).cause ?? e) }
  }
}
