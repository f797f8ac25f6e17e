// Writes schema.graphql from the Pothos schema, or with --check fails when the committed file differs.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { printGatewaySchema } from '../src/graphql/schema.ts';

const file = path.resolve(import.meta.dirname, '..', 'schema.graphql');
const printed = printGatewaySchema();
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {
    // A missing file is drift like any other.
  }
  if (committed !== printed) {
    process.stderr.write('schema.graphql is out of date with the schema in src/graphql: run `npm run schema:print` and commit the result\n');
    process.exit(1);
  }
} else {
  writeFileSync(file, printed);
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}
