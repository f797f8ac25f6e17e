// Loads one file into a fresh database and prints {rows, seconds, peakRssMb} as JSON: run in its own process so the
// peak RSS is the ingest's alone.
import { openMigratedDatabase } from '../src/db/bootstrap.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';

const [file, databaseUrl] = process.argv.slice(2);
const { db } = await openMigratedDatabase(databaseUrl);
const started = performance.now();
const summary = await ingest(db, fileSource(file));
const seconds = (performance.now() - started) / 1000;
db.close();
const findings = summary.findings.reduce((total, finding) => total + finding.count, 0);
console.log(JSON.stringify({ rows: summary.rowsLoaded, seconds, peakRssMb: process.resourceUsage().maxRSS / 1024, findings }));
