/** Words every page uses. */
import type { Catalogue } from './index.ts'

export const common: Catalogue = {
  'common.language': { id: 'Bahasa', en: 'Language' },
  'common.print': { id: 'Cetak', en: 'Print' },
  'common.generatedAt': { id: 'Dibuat {at}', en: 'Generated {at}' },
  'common.package': { id: 'Paket {id} versi {version}', en: 'Package {id} version {version}' },
  'common.none': { id: 'Tidak ada', en: 'None' },
  'common.notYet': { id: 'Belum ada', en: 'Not yet' },
}
