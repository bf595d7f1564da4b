/**
 * Every source plugin kinerja ships, for the entries to register. A binding names one by `name`.
 */
import { formbricksPlugin } from './formbricks/index.ts'
import { googleFormsPlugin } from './google-forms/index.ts'
import { jotformPlugin } from './jotform/index.ts'
import { jsonPlugin } from './json/index.ts'
import { koboPlugin } from './kobo/index.ts'
import { odkCentralPlugin } from './odk-central/index.ts'
import type { SourcePlugin } from './plugin.ts'
import { surveyjsPlugin } from './surveyjs/index.ts'
import { tallyPlugin } from './tally/index.ts'
import { typeformPlugin } from './typeform/index.ts'

export const sourcePlugins: SourcePlugin[] = [
  jsonPlugin,
  koboPlugin,
  googleFormsPlugin,
  tallyPlugin,
  typeformPlugin,
  jotformPlugin,
  formbricksPlugin,
  surveyjsPlugin,
  odkCentralPlugin,
]
