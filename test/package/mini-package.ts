/**
 * A small valid package built in memory, and helpers to break one thing at a time and find where
 * in a file a problem should be reported.
 */

const levels = Object.fromEntries([1, 2, 3, 4, 5].map((n) => [String(n), { description: { id: `Level ${n}` } }]))

export const workflow = () => ({
  $schema: '../../schemas/workflow.schema.json',
  id: 'mini',
  version: '1.0.0',
  title: { id: 'Penilaian mini' },
  forms: { self: 'self', supervisor: 'supervisor' },
  roles: { self: { rater: 'self' }, supervisor: { rater: 'supervisor' } },
  start: 'collect',
  states: {
    collect: { type: 'collect', await: { self: 1, supervisor: 1 }, deadline: 'P14D', next: 'score' },
    score: {
      type: 'compute',
      assign: { total: '$sum(responses.self.q1)', gaps: { file: 'gaps.jsonata' } },
      next: 'check',
    },
    check: { type: 'choice', choices: [{ when: 'vars.total < 3', next: 'review' }], default: 'final' },
    review: {
      type: 'review',
      actor: 'supervisor',
      actions: {
        approve: {
          next: 'final',
          input: { type: 'object', properties: { note: { type: 'string', maxLength: 200 } } },
          assign: { note: 'action.input.note' },
        },
      },
    },
    final: { type: 'end', outcome: 'done' },
  },
})

export const framework = () => ({
  $schema: '../../schemas/framework.schema.json',
  id: 'mini-framework',
  title: { id: 'Kamus kompetensi mini' },
  competencies: [
    { id: 'integritas', name: { id: 'Integritas' }, type: 'manajerial', dimension: 'attitude', levels },
    { id: 'kerjasama', name: { id: 'Kerja sama' }, type: 'manajerial', dimension: 'skill', levels },
  ],
  positions: [{ id: 'staf', title: { id: 'Staf' }, required: { integritas: 3, kerjasama: 2 } }],
})

export const form = (title: string) => ({
  $schema: '../../../schemas/form.schema.json',
  type: 'object',
  title,
  required: ['nip', 'rater', 'q1'],
  properties: {
    nip: { type: 'string', pattern: '^[0-9]{18}$', 'x-subject': true },
    rater: { type: 'string', pattern: '^[0-9]{18}$', 'x-rater': true },
    q1: { type: 'integer', minimum: 1, maximum: 5, 'x-competency': 'integritas' },
    q2: { type: 'integer', minimum: 1, maximum: 5, 'x-competency': 'kerjasama' },
  },
})

export const GAPS = '(\n  $required := position.required;\n  $keys($required).{ "competency": $, "gap": $lookup($required, $) - 3 }\n)\n'

const text = (value: unknown) => JSON.stringify(value, null, 2) + '\n'

/** The files of the valid package, as read from its folder. */
export function miniPackage(): Record<string, string> {
  return {
    'workflow.json': text(workflow()),
    'framework.json': text(framework()),
    'forms/self.json': text(form('Penilaian diri')),
    'forms/supervisor.json': text(form('Penilaian atasan')),
    'gaps.jsonata': GAPS,
  }
}

/** The package with one JSON file rewritten after `change` mutates its parsed value. */
export function edit(file: string, change: (value: any) => unknown, files = miniPackage()): Record<string, string> {
  const value = JSON.parse(files[file]!)
  change(value)
  return { ...files, [file]: text(value) }
}

/** 'line:col' where the `nth` (0-based) occurrence of `needle` starts in `text`. */
export function where(text: string, needle: string, nth = 0): string {
  let at = -1
  for (let n = 0; n <= nth; n++) {
    at = text.indexOf(needle, at + 1)
    if (at === -1) throw new Error(`'${needle}' occurs fewer than ${nth + 1} times`)
  }
  const before = text.slice(0, at).split('\n')
  return `${before.length}:${before.at(-1)!.length + 1}`
}
