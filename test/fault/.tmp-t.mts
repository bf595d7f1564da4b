import { readPackageDir } from '../../src/entry/package-files.ts'
import { loadPackage } from '../../src/package/load-package.ts'
for (const p of ['plaju-kompetensi-360', 'skp-berakhlak-2022']) {
  const f = await readPackageDir(`workflows/${p}`)
  for (let i = 0; i < 4; i++) { const t = performance.now(); await loadPackage(f); console.log(p, Math.round(performance.now() - t)) }
}
