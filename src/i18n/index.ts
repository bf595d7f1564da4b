/**
 * The message catalogue of the pages: Indonesian by default, English on request. Texts a package
 * carries are `{id, en}` objects and go through `label`; the service's own words are keys here,
 * one part per page (common, report, dashboard), merged into one catalogue.
 */
import { common } from './common.ts'

export type Lang = 'id' | 'en'
export const LANGS: readonly Lang[] = ['id', 'en']

export type Catalogue = Record<string, { id: string; en: string }>

const catalogue: Catalogue = { ...common }

/** Adds a page's messages; a key defined twice is a mistake caught at start. */
export function register(part: Catalogue): void {
  for (const [key, text] of Object.entries(part)) {
    if (key in catalogue && catalogue[key] !== text) throw new Error(`message '${key}' is defined twice`)
    catalogue[key] = text
  }
}

/**
 * The language of a request: `?lang=id|en` wins, then the first of Accept-Language's languages
 * that we have (by quality), else Indonesian.
 */
export function negotiate(query: string | undefined, acceptLanguage: string | undefined): Lang {
  if (query === 'id' || query === 'en') return query
  const wanted = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';')
      const q = Number(params.find((p) => p.trim().startsWith('q='))?.split('=')[1] ?? 1)
      return { lang: tag!.split('-')[0]!, q: Number.isFinite(q) ? q : 0, i }
    })
    .filter((w) => w.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
  return (wanted.find((w) => (LANGS as readonly string[]).includes(w.lang))?.lang as Lang | undefined) ?? 'id'
}

/** A message in `lang`, with `{name}` placeholders filled. An unknown key shows itself, never throws. */
export function t(lang: Lang, key: string, vars: Record<string, string | number> = {}): string {
  const text = catalogue[key]?.[lang] ?? key
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m))
}

/** A package's text in `lang`: `{id, en}` (falling back to the other), or a plain string as it is. */
export function label(text: unknown, lang: Lang): string {
  if (typeof text === 'string') return text
  if (text && typeof text === 'object') {
    const o = text as Record<string, unknown>
    const v = o[lang] ?? o.id ?? o.en
    if (typeof v === 'string') return v
  }
  return ''
}
