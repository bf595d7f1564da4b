/**
 * A test package derived from the Plaju package at run time: the same workflow, plus a role
 * `warga` (citizens rating the public service the appraisee gives, through a survey) that anyone
 * may fill and whose collect quorum is a large number. The roster caps peers at 50 and Plaju takes
 * at most 8, so this is how hundreds of distinct answers can race for one appraisal.
 */
import { cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PLAJU_DIR } from '../support/harness.ts'

export const SURVEY_PACKAGE = 'plaju-warga'
export const SURVEY_ROLE = 'warga'
export const SURVEY_FORM = 'warga'

/** Writes the package into `<root>/plaju-warga/` (a workflows folder for KINERJA_WORKFLOWS_DIR). */
export async function writeSurveyPackage(root: string, quorum: number): Promise<string> {
  const dir = join(root, SURVEY_PACKAGE)
  await cp(PLAJU_DIR, dir, { recursive: true })
  const workflow = JSON.parse(await readFile(join(dir, 'workflow.json'), 'utf8'))
  workflow.id = SURVEY_PACKAGE
  workflow.forms[SURVEY_ROLE] = [SURVEY_FORM]
  workflow.roles[SURVEY_ROLE] = { rater: 'hr', label: { id: 'Warga penerima layanan', en: 'Citizens served' } }
  workflow.states.collect.await[SURVEY_ROLE] = quorum
  await writeFile(join(dir, 'workflow.json'), JSON.stringify(workflow, null, 2))
  // The short form without its role question: a survey form belongs to one role only.
  const form = JSON.parse(await readFile(join(dir, 'forms', 'ringkas.json'), 'utf8'))
  delete form.properties.role
  form.required = (form.required ?? []).filter((p: string) => p !== 'role')
  form.title = 'Survei warga'
  await writeFile(join(dir, 'forms', `${SURVEY_FORM}.json`), JSON.stringify(form, null, 2))
  return dir
}
