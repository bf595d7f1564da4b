/**
 * Bindings connect one external form (a Kobo asset, a Google Form, a plain JSON sender) to one form
 * of a cycle: which plugin reads it, which secret authenticates it (an environment variable's name,
 * or a secret kinerja generates and shows once), and how its fields map onto the form's properties.
 */
import { AppError, isAppError, type FieldError } from '../errors.ts'
import { buildSubmissionsUrl } from '../../plugins/odk-central/odata.ts'
import { compileTransform } from './binding-transform.ts'
import type { Workflow } from '../generated/types.ts'
import type { LoadedPackage } from '../package/loaded-package.ts'
import type { Binding, Cycle, PullSource, SecretRef } from '../store/records.ts'
import { newId, newSecret } from '../util/crypto.ts'
import type { Deps } from './deps.ts'

export interface BindingInput {
  plugin: string
  form: string
  /** Name of the environment variable holding the secret; omit to have one generated. */
  secretEnv?: string
  mapping?: Record<string, string>
  /** Form property -> {sent value -> form value}, e.g. {"role": {"Atasan langsung": "supervisor"}}. */
  values?: Record<string, Record<string, string | number | boolean>>
  /** JSONata from the builder's fields to form properties, for what `mapping` cannot say. */
  transform?: string
  /** Where to pull from, for a source with no webhooks (plugin odk-central). */
  pull?: PullSource
}

/** Plugins that kinerja pulls from instead of receiving webhooks. */
export const PULL_PLUGINS = ['odk-central']

const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/

export async function createBinding(deps: Deps, cycle: Cycle, given: Partial<BindingInput> & { template?: string }): Promise<{ binding: Binding; secret?: string }> {
  const pkg = await deps.packages.version(cycle.package.id, cycle.package.hash)
  const input = withTemplate(pkg.workflow.bindings, given)
  checkInput(deps, pkg, input)

  let secret: string | undefined
  let ref: SecretRef
  if (input.secretEnv) {
    ref = { env: input.secretEnv }
    if (deps.secrets(input.secretEnv) === undefined) deps.logger.warn('binding secret variable is not set', { variable: input.secretEnv })
  } else {
    secret = newSecret('whs')
    ref = { stored: secret }
  }
  const binding: Binding = {
    id: newId('bnd'),
    cycle: cycle.id,
    office: cycle.office,
    plugin: input.plugin,
    form: input.form,
    secret: ref,
    mapping: input.mapping ?? {},
    ...(input.values ? { values: input.values } : {}),
    ...(input.transform ? { transform: input.transform } : {}),
    ...(input.pull ? { pull: input.pull } : {}),
    createdAt: deps.clock.now().toISOString(),
  }
  await deps.store.createBinding(binding)
  return { binding, secret }
}

/** A template of the package fills in what the request leaves out. */
function withTemplate(templates: Workflow['bindings'], given: Partial<BindingInput> & { template?: string }): BindingInput {
  if (given.template === undefined) {
    const missing = (['plugin', 'form'] as const).filter((k) => given[k] === undefined)
    if (missing.length) {
      throw new AppError('validation-failed', 'the binding is incomplete', { errors: missing.map((k) => ({ path: `/${k}`, message: `is required (or name a "template" of the package)` })) })
    }
    return given as BindingInput
  }
  const template = templates?.[given.template]
  if (!template) {
    const names = Object.keys(templates ?? {})
    throw new AppError('validation-failed', 'unknown binding template', {
      errors: [{ path: '/template', message: `the package has no template '${given.template}'${names.length ? `; it has ${names.join(', ')}` : ''}` }],
    })
  }
  const { template: _name, ...rest } = given
  const { title: _title, ...fromTemplate } = template
  return { ...fromTemplate, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) } as BindingInput
}

function pullErrors(input: BindingInput): FieldError[] {
  const errors: FieldError[] = []
  if (!input.secretEnv) errors.push({ path: '/secretEnv', message: 'a pulled source needs its login (email:password) in an environment variable; name it here' })
  if (!input.pull) return [...errors, { path: '/pull', message: 'say where to pull from: {"base": "https://...", "projectId": 1, "formId": "..."}' }]
  try {
    buildSubmissionsUrl(input.pull.base, input.pull.projectId, input.pull.formId, undefined, input.pull.top)
  } catch (e) {
    if (!isAppError(e)) throw e
    for (const f of e.errors ?? [{ path: '', message: e.detail }]) errors.push({ path: `/pull${f.path}`, message: f.message })
  }
  return errors
}

/** A binding as the API shows it: never the secret. */
export function bindingView(b: Binding, baseUrl: string) {
  return {
    id: b.id,
    cycle: b.cycle,
    plugin: b.plugin,
    form: b.form,
    secret: 'env' in b.secret ? { env: b.secret.env } : { generated: true },
    mapping: b.mapping,
    ...(b.values ? { values: b.values } : {}),
    ...(b.transform ? { transform: b.transform } : {}),
    ...(b.pull ? { pull: b.pull, cursor: b.cursor ?? null } : {}),
    hookUrl: `${baseUrl}/hooks/${b.id}`,
    createdAt: b.createdAt,
  }
}

export function bindingSecret(deps: Deps, b: Binding): string | undefined {
  return 'env' in b.secret ? deps.secrets(b.secret.env) : b.secret.stored
}

/**
 * Fixes a binding (mapping, value tables, transform, secret variable, pull source): the usual step
 * before replaying the receipts it rejected. Plugin and form stay; make a new binding to change them.
 */
export async function updateBinding(deps: Deps, binding: Binding, patch: Partial<Pick<BindingInput, 'mapping' | 'values' | 'transform' | 'secretEnv' | 'pull'>>): Promise<Binding> {
  const cycle = await deps.store.getCycle(binding.cycle)
  if (!cycle) throw new AppError('not-found', `cycle '${binding.cycle}' does not exist`)
  const pkg = await deps.packages.version(cycle.package.id, cycle.package.hash)
  const merged: BindingInput = {
    plugin: binding.plugin,
    form: binding.form,
    mapping: patch.mapping ?? binding.mapping,
    values: patch.values ?? binding.values,
    transform: patch.transform ?? binding.transform,
    secretEnv: patch.secretEnv ?? ('env' in binding.secret ? binding.secret.env : undefined),
    pull: patch.pull ?? binding.pull,
  }
  checkInput(deps, pkg, merged)
  const updated: Binding = {
    ...binding,
    mapping: merged.mapping ?? {},
    ...(merged.values ? { values: merged.values } : {}),
    ...(merged.transform ? { transform: merged.transform } : {}),
    ...(merged.pull ? { pull: merged.pull } : {}),
    secret: patch.secretEnv ? { env: patch.secretEnv } : binding.secret,
  }
  await deps.store.saveBinding(updated)
  return updated
}

function checkInput(deps: Deps, pkg: LoadedPackage, input: BindingInput): void {
  deps.plugins.get(input.plugin)
  const errors: FieldError[] = []
  if (!pkg.forms[input.form]) errors.push({ path: '/form', message: `unknown form '${input.form}'; the package has ${Object.keys(pkg.forms).join(', ')}` })
  if (input.secretEnv !== undefined && !ENV_NAME.test(input.secretEnv)) {
    errors.push({ path: '/secretEnv', message: 'must be an environment variable name such as KINERJA_HOOK_PLAJU (the secret itself never goes in a binding)' })
  }
  const properties = Object.keys(pkg.forms[input.form]?.properties ?? {})
  for (const [from, to] of Object.entries(input.mapping ?? {})) {
    if (!properties.includes(to)) errors.push({ path: `/mapping/${from}`, message: `form '${input.form}' has no property '${to}'` })
  }
  for (const prop of Object.keys(input.values ?? {})) {
    if (!properties.includes(prop)) errors.push({ path: `/values/${prop}`, message: `form '${input.form}' has no property '${prop}'` })
  }
  if (input.transform !== undefined) {
    try {
      compileTransform(input.transform)
    } catch (e) {
      if (!isAppError(e)) throw e
      errors.push(...(e.errors ?? []))
    }
  }
  if (PULL_PLUGINS.includes(input.plugin)) errors.push(...pullErrors(input))
  else if (input.pull) errors.push({ path: '/pull', message: `plugin '${input.plugin}' sends webhooks; only ${PULL_PLUGINS.join(', ')} is pulled` })
  // Formbricks makes its own signing secret: one kinerja generates could never match it.
  if (deps.plugins.get(input.plugin).secretKind === 'standard-webhooks' && !input.secretEnv) {
    errors.push({ path: '/secretEnv', message: `the ${input.plugin} secret is made by ${input.plugin}: put it in an environment variable and name it here` })
  }
  if (errors.length) throw new AppError('validation-failed', 'the binding is invalid', { errors })
}
