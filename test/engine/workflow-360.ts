/**
 * A small 360-degree appraisal used by the engine tests: self, supervisor and anonymous peers
 * answer; scores are computed; a large gap opens an objection decided by the superior.
 */
import type { Workflow } from '../../src/generated/types.ts'

export function workflow360(overrides: Partial<Workflow> = {}): Workflow {
  return {
    id: 'test',
    version: '1.0.0',
    title: { id: 'Uji 360' },
    forms: { self: 'penilaian', supervisor: 'penilaian', peer: 'penilaian' },
    roles: {
      self: { rater: 'self' },
      supervisor: { rater: 'supervisor' },
      peer: { rater: 'peers', anonymous: true, threshold: 3, max: 5 },
      superior: { rater: 'superior' },
      hr: { rater: 'hr' },
    },
    params: { margin: 1 },
    start: 'assess',
    states: {
      assess: {
        type: 'collect',
        await: { self: 1, supervisor: 1, peer: { min: 3 } },
        deadline: 'P14D',
        remind: ['P7D', 'P12D'],
        next: 'score',
        onIncomplete: 'incomplete',
      },
      score: {
        type: 'compute',
        assign: {
          self: "$means('self')",
          supervisor: "$means('supervisor')",
          peer: "$means('peer')",
          gap: '$abs(vars.self.integritas - vars.supervisor.integritas)',
        },
        next: 'route',
      },
      route: {
        type: 'choice',
        choices: [{ when: 'vars.gap > params.margin', next: 'objection' }],
        default: 'final',
      },
      objection: {
        type: 'review',
        actor: 'superior',
        deadline: 'P14D',
        onDeadline: 'final',
        actions: {
          uphold: {
            input: { type: 'object', required: ['reason'], properties: { reason: { type: 'string', minLength: 3 } }, additionalProperties: false },
            assign: { decision: "'uphold: ' & action.input.reason", decidedBy: 'action.actor' },
            next: 'final',
          },
          dismiss: { next: 'final' },
        },
      },
      final: { type: 'end', outcome: 'selesai' },
      incomplete: { type: 'end', outcome: 'tidak-lengkap' },
    },
    ...overrides,
  }
}
