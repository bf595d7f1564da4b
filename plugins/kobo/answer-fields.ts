/**
 * Turns a Kobo-shaped record (flat XPath keys such as `penilaian/integritas`; a repeat as an array
 * of objects whose keys are full paths) into the fields a binding maps, so that HR can name a
 * question the way the builder shows it:
 *
 * - every key as sent (`penilaian/integritas`), values as sent (Kobo sends strings);
 * - the last segment alone (`integritas`) when exactly one question ends with it;
 * - `<key>[]`: a text answer split on spaces, the array form of a select_multiple
 *   (`penilaian/kompetensi_menonjol[]` -> `['pelayanan_publik', 'pengelolaan_arsip']`);
 * - a repeat both as an array of objects with keys relative to the repeat
 *   (`penilaian/bukti_kinerja` -> `[{ capaian_persen: '96', ... }]`) and flattened with 1-based
 *   positions, as XPath and Kobo's own `_attachments[].question_xpath` count them
 *   (`penilaian/bukti_kinerja[1]/capaian_persen`).
 *
 * Metadata (`_id`, `_uuid`, `__version__`, `meta/...`, `formhub/...`, ODK's `__id` and
 * `__system/...`) is kept as sent, without aliases or array forms.
 * The caller has already refused NUL, lone surrogates and `__proto__`-like names (text-check.ts).
 */
import { FORBIDDEN_KEYS } from '../../src/json/parse-json.ts'
import { isRecord } from './text-check.ts'

export function isMetadataKey(key: string): boolean {
  return key.startsWith('_') || key.startsWith('meta/') || key.startsWith('formhub/')
}

const isRepeat = (v: unknown): v is Record<string, unknown>[] => Array.isArray(v) && v.length > 0 && v.every(isRecord)

/** A select_multiple answer is a space-separated list of choice names (XForms). */
const choices = (s: string): string[] => s.split(/\s+/).filter((c) => c !== '')

const lastSegment = (key: string): string => key.slice(key.lastIndexOf('/') + 1)

/** `penilaian/bukti_kinerja/capaian_persen` inside `penilaian/bukti_kinerja` -> `capaian_persen`. */
const relative = (repeat: string, key: string): string => (key.startsWith(`${repeat}/`) ? key.slice(repeat.length + 1) : key)

function relativeItem(repeat: string, item: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(item)) {
    out[relative(repeat, key)] = isRepeat(value) ? value.map((inner) => relativeItem(key, inner)) : value
  }
  return out
}

function put(out: Record<string, unknown>, key: string, value: unknown): void {
  out[key] = value
  if (typeof value === 'string') out[`${key}[]`] = choices(value)
}

/** Adds `<flat>[n]/<field>` for every answer of every repetition, nested repeats included. */
function flattenRepeat(repeat: string, flat: string, items: Record<string, unknown>[], out: Record<string, unknown>): void {
  items.forEach((item, i) => {
    for (const [key, value] of Object.entries(item)) {
      const at = `${flat}[${i + 1}]/${relative(repeat, key)}`
      if (isRepeat(value)) {
        out[at] = value.map((inner) => relativeItem(key, inner))
        flattenRepeat(key, at, value, out)
      } else {
        put(out, at, value)
      }
    }
  })
}

export function answerFields(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const byName = new Map<string, string[]>()
  for (const [key, value] of Object.entries(record)) {
    if (isMetadataKey(key)) {
      out[key] = value
      continue
    }
    if (isRepeat(value)) {
      out[key] = value.map((item) => relativeItem(key, item))
      flattenRepeat(key, key, value, out)
    } else {
      put(out, key, value)
    }
    const name = lastSegment(key)
    if (name !== key) byName.set(name, [...(byName.get(name) ?? []), key])
  }
  // An alias only when it names one question and hides nothing: two groups may both hold a
  // `catatan`, and then only the full paths are unambiguous.
  for (const [name, keys] of byName) {
    const key = keys[0]
    if (keys.length !== 1 || key === undefined || Object.hasOwn(out, name) || FORBIDDEN_KEYS.has(name)) continue
    out[name] = out[key]
    if (Object.hasOwn(out, `${key}[]`)) out[`${name}[]`] = out[`${key}[]`]
  }
  return out
}
