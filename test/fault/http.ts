/**
 * Plain HTTP helpers for the fault tests and the soak (which runs outside vitest, so nothing here
 * imports it): an admin caller, and a webhook sender that reports a dropped connection as such.
 */
import { answerOf, type Answer } from '../support/http-answer.ts'
import type { BuiltDelivery } from '../support/payloads.ts'

export type { Answer }

export function adminCaller(url: string, admin: string) {
  return async (method: string, path: string, body?: unknown, type = 'application/json'): Promise<Answer> => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body !== undefined ? { 'content-type': type } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    return answerOf(res)
  }
}

/** What a sender saw: an HTTP answer, or no answer at all (refused, reset, cut off). */
export type Sent = Answer | { status: 0; error: string }

export async function send(hookUrl: string, d: BuiltDelivery): Promise<Sent> {
  try {
    return await answerOf(await fetch(`${hookUrl}${d.query}`, { method: 'POST', headers: d.headers, body: d.body }))
  } catch (e) {
    return { status: 0, error: String((e as Error).cause ?? e) }
  }
}
