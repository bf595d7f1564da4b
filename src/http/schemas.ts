/**
 * Zod descriptions of the HTTP surface (request shapes and the main response shapes) for
 * validation and /openapi.json. What HR writes (rosters, packages, forms) is described by
 * schemas/ and checked by ajv in the services, so it appears here only as an opaque body.
 */
import { z } from '@hono/zod-openapi'
import { PARAM_NAME } from '../services/cycles.ts'

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().openapi({ description: 'Stable machine-readable error code.' }),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem')

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, { description: DESCRIPTIONS[s] ?? 'Error', content: { 'application/problem+json': { schema: Problem } } }]),
  )

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request',
  401: 'Missing or unknown API key / bad webhook signature',
  403: 'The key may not do this (role or office)',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'Body too large',
  422: 'Invalid content, with field errors',
  503: 'Temporarily unavailable: retry',
}

export const Id = (name: string, example: string) => z.string().min(1).max(200).openapi({ param: { name, in: 'path' }, example })

export const Office = z.object({ id: z.string(), name: z.string(), createdAt: z.string() }).openapi('Office')

export const NewOffice = z
  .object({
    id: z.string().openapi({ example: 'kecamatan-plaju', description: "2-63 lower-case letters, digits and '-'" }),
    name: z.string().min(1).max(200).openapi({ example: 'Kecamatan Plaju' }),
  })
  .openapi('NewOffice')

export const NewKey = z
  .object({
    role: z.enum(['admin', 'hr', 'viewer']),
    label: z.string().max(200).optional(),
  })
  .openapi('NewKey')

export const CreatedKey = z
  .object({ key: z.string().openapi({ description: 'Shown once; only its hash is stored.' }), id: z.string(), role: z.string(), office: z.string().nullable() })
  .openapi('CreatedKey')

const Texts = z.object({ id: z.string(), en: z.string().optional() })

export const CycleRuleResult = z
  .object({
    rule: z.string().openapi({ description: 'The rule id (its key in workflow.json `cycleRules`).', example: 'kurva-distribusi' }),
    level: z.enum(['warn', 'block']).openapi({ description: 'warn: reported only; block: the cycle cannot close while it is broken.' }),
    title: Texts,
    ok: z.boolean().openapi({ description: 'true when the rule holds.' }),
    findings: z.array(z.string()).openapi({ description: "What is wrong, in the package's language; empty when the rule holds." }),
    error: z.string().optional().openapi({ description: 'Set when the rule could not be checked (its expression failed); such a rule counts as broken.' }),
  })
  .openapi('CycleRuleResult')

const PARAM_NAME_RULE = "a param name is letters, digits and '_', starting with a letter (a formula reads it as cycle.params.<name>)"

/**
 * Names checked with the service's own pattern, before the record is built: zod quietly drops a
 * `__proto__` key, and a hostile name should be refused, not ignored.
 */
const CycleParams = z
  .preprocess(
    (value, ctx) => {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const name of Object.keys(value)) if (!PARAM_NAME.test(name)) ctx.addIssue({ code: 'custom', message: PARAM_NAME_RULE, path: [name] })
      }
      return value
    },
    z.record(z.string().regex(PARAM_NAME, PARAM_NAME_RULE), z.unknown()),
  )
  .openapi({
    description: "Facts of this period the package reads as `cycle.params` (e.g. periode, tahun, the organisation's predikat `predikatOrganisasi`). At most 64 KB, 16 levels deep.",
    example: { periode: 'tahunan', tahun: 2026, predikatOrganisasi: 'Baik' },
  })

export const Cycle = z
  .object({
    id: z.string(),
    office: z.string(),
    name: z.string(),
    package: z.object({ id: z.string(), version: z.string(), hash: z.string() }),
    status: z.enum(['draft', 'running', 'closed']),
    rev: z.number().int(),
    rosterSize: z.number().int(),
    createdAt: z.string(),
    startedAt: z.string().optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    closedAt: z.string().optional().openapi({ description: 'When the cycle was closed: its results are frozen since.' }),
    closedBy: z.string().optional().openapi({ description: 'The id of the key that closed it.' }),
    closing: z
      .object({
        rules: z.array(CycleRuleResult),
        unfinished: z.object({ active: z.number().int(), failed: z.number().int() }),
        forced: z.boolean(),
      })
      .optional()
      .openapi({ description: 'What was true when the cycle closed: every cycle rule as evaluated then, and the appraisals left unfinished (only when closed with force).' }),
  })
  .openapi('Cycle')

export const NewCycle = z
  .object({
    name: z.string().min(1).max(200).openapi({ example: 'Penilaian Kompetensi 2026' }),
    package: z.string().openapi({ example: 'plaju-kompetensi-360' }),
    version: z.string().optional().openapi({ description: 'Refuse unless the package is at this version.' }),
    params: CycleParams.optional(),
  })
  .openapi('NewCycle')

export const CyclePatch = z
  .object({
    rev: z.number().int().min(0).openapi({ description: 'The `rev` of the cycle as you read it; if someone changed the cycle since, the answer is 409 and nothing changes.', example: 3 }),
    name: z.string().min(1).max(200).optional(),
    params: CycleParams.optional().openapi({ description: 'Merged into the cycle\'s params: the params named here are set, a param set to null is removed, the others stay.', example: { predikatOrganisasi: 'Baik' } }),
  })
  .strict()
  .openapi('CyclePatch')

export const CloseCycle = z
  .object({
    force: z.boolean().optional().openapi({ description: 'Close although appraisals are unfinished (active or failed): they are frozen as they are. Does not override a broken block rule.' }),
  })
  .strict()
  .openapi('CloseCycle')

export const CycleRules = z
  .object({
    cycle: z.string(),
    at: z.string(),
    rules: z.array(CycleRuleResult),
    broken: z.object({ warn: z.number().int(), block: z.number().int() }),
  })
  .openapi('CycleRules')

export const CycleStatus = z
  .object({
    cycle: Cycle,
    instances: z.number().int(),
    byStatus: z.record(z.string(), z.number()),
    byState: z.record(z.string(), z.number()),
  })
  .openapi('CycleStatus')

export const NewBinding = z
  .object({
    template: z.string().optional().openapi({ description: 'A binding template of the cycle\'s package (workflow.json "bindings"); the fields below override it.', example: 'kobo-ringkas' }),
    plugin: z.string().optional().openapi({ example: 'json' }),
    form: z.string().optional().openapi({ example: 'peer' }),
    secretEnv: z.string().optional().openapi({ description: 'Environment variable holding the secret. Omit to have a secret generated and shown once.' }),
    mapping: z.record(z.string(), z.string()).optional().openapi({ description: 'Incoming field -> form property.' }),
    values: z
      .record(z.string(), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])))
      .optional()
      .openapi({ description: 'Form property -> {value the builder sends -> value the form wants}, e.g. {"role": {"Atasan langsung": "supervisor"}}.' }),
    transform: z
      .string()
      .max(20_000)
      .optional()
      .openapi({ description: 'JSONata from the builder\'s normalised fields to form properties; its result wins over mapping.', example: "{ 'rater': nip_penilai ? nip_penilai : nip_dinilai }" }),
    pull: z
      .object({
        base: z.string().openapi({ example: 'https://odk.plaju.example.go.id' }),
        projectId: z.number().int().positive(),
        formId: z.string().min(1),
        top: z.number().int().min(1).max(1000).optional(),
      })
      .optional()
      .openapi({ description: 'For plugin odk-central (no webhooks): the Central form kinerja pulls from.' }),
  })
  .openapi('NewBinding')

export const BindingPatch = NewBinding.pick({ mapping: true, values: true, transform: true, secretEnv: true, pull: true }).openapi('BindingPatch')

export const InstanceSummary = z
  .object({ id: z.string(), cycle: z.string(), nip: z.string(), state: z.string(), status: z.string(), outcome: z.string().optional(), updatedAt: z.string() })
  .openapi('InstanceSummary')

export const Instance = InstanceSummary.extend({
  rev: z.number().int(),
  tasks: z.array(z.record(z.string(), z.unknown())),
  vars: z.record(z.string(), z.unknown()),
  responses: z.record(z.string(), z.unknown()),
  explanation: z.record(z.string(), z.unknown()),
}).loose().openapi('Instance')

export const Nip = z.string().regex(/^[0-9]{18}$/, 'must be an 18-digit NIP').openapi({ example: '198001012005011001' })

export const ActionBody = z
  .object({
    actor: z.string().regex(/^[0-9]{18}$/, 'must be the 18-digit NIP of the person acting').openapi({ example: '198001012005011001' }),
    input: z.unknown().optional(),
  })
  .openapi('ActionBody')

export const LinkActionBody = z.object({ input: z.unknown().optional() }).openapi('LinkActionBody')

export const PersonLink = z
  .object({
    nip: z.string(),
    url: z.string().openapi({ description: 'Path (or full address when KINERJA_PUBLIC_URL is set) of the link: /act/<token>' }),
    expiresAt: z.string(),
  })
  .openapi('PersonLink')

export const Receipt = z
  .object({
    id: z.string(),
    binding: z.string(),
    cycle: z.string(),
    status: z.enum(['received', 'accepted', 'duplicate', 'rejected', 'partial']),
    reasons: z.array(z.string()),
    receivedAt: z.string(),
    attempts: z.number().int(),
    instance: z.string().optional(),
  })
  .loose()
  .openapi('Receipt')

export const IntakeAnswer = z
  .object({ receipt: z.string(), status: z.enum(['accepted', 'duplicate', 'partial']), instance: z.string().optional() })
  .openapi('IntakeAnswer')

export const AnyJson = z.record(z.string(), z.unknown())
