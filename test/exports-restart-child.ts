// Run by exports-restart.test.ts as a server stand-in: starts a large export and prints its job id once rows are being
// written, then keeps going until the test kills it.
import { openMigratedDatabase } from '../src/db/bootstrap.ts';
import { ExportService } from '../src/exports/service.ts';

const [databaseUrl, exportDir] = process.argv.slice(2);
const { db } = await openMigratedDatabase(databaseUrl);
const service = new ExportService({ db, exportDir, progressIntervalMs: 0 });
const job = await service.start({ billingPeriodStart: new Date('2026-01-01T00:00:00Z'), billingPeriodEnd: new Date('2026-04-01T00:00:00Z'), format: 'PARQUET' });
let announced = false;
service.subscribe(job.id, (state) => {
  if (announced || state.rowsWritten < 5000) return;
  announced = true;
  process.stdout.write(`${JSON.stringify({ id: job.id, rowsWritten: state.rowsWritten })}\n`);
});
