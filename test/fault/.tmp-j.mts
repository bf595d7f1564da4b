import { compileExpression } from '../../src/engine/expression.ts'
for (const src of ['($y := function($f){ $f($f) }; $y($y))', '(function($f){ $f($f) })(function($f){ $f($f) })', '($f := function($x){ $g($x) }; $g := function($x){ $f($x) }; $f(1))']) {
  const e = compileExpression(src, { file: 'x', pointer: '/x' })
  for (let i = 0; i < 2; i++) {
  const t = performance.now()
  try { const r = await e.evaluate({}, {}); console.log('ok', typeof r, Math.round(performance.now() - t)) } catch (err) { console.log('err', String((err as any).detail ?? err).slice(0, 200), Math.round(performance.now() - t)) }
  }
}
