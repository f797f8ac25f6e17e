import { readRows } from '../../src/ingest/sources.ts';
import { HeaderMapping, RowNormalizer } from '../../src/ingest/normalize.ts';
import { FindingCollector } from '../../src/ingest/findings.ts';
import { compileConformance } from '../../src/conformance/engine.ts';
const file = process.argv[2]; const stage = Number(process.argv[3]);
let n = 0; let normalizer: RowNormalizer; let checker: any; let findings: FindingCollector;
const t0 = performance.now();
await readRows(file, {
  header(names) { const m = new HeaderMapping('CostAndUsage', names, file); checker = compileConformance('CostAndUsage', m.present); findings = new FindingCollector(checker.rules); normalizer = new RowNormalizer(m, file, findings); },
  row(cells, line) { n++; if (stage >= 2) { const row = normalizer.normalize(cells, line); if (stage >= 3) checker.checkRow(row, (r: string, c: number) => findings.record(r, line, null, null)); } },
});
const s = (performance.now() - t0) / 1000;
console.log(stage, n, s.toFixed(2), Math.round(n / s), 'rows/s');
