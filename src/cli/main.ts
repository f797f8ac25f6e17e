/** The `focus-gateway` command line: serve, migrate, ingest, batches, demo, export, keys. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '../config.ts';
import { IngestError } from '../ingest/errors.ts';
import { API_KEY_ROLES } from '../auth/keys.ts';
import { batchesCommand, demoCommand, exportCommand, ingestCommand, keysCreateCommand, keysListCommand, keysRevokeCommand, migrateCommand, serveCommand } from './commands.ts';

/** Repeatable options gather their values. */
const collect = (value: string, previous: string[]) => [...previous, value];

const positiveInteger = (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError('expected a whole number');
  return number;
};

/** A day (`2026-01-01`, midnight UTC) or an RFC 3339 date-time with its zone. */
const dateTime = (value: string) => {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:\d{2})$/i.test(value) ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) throw new InvalidArgumentError('expected a date such as 2026-01-01 or a date-time such as 2026-01-01T00:00:00Z');
  return date;
};

const jsonObject = (value: string) => {
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Reported below, as for any other value that is not an object.
  }
  throw new InvalidArgumentError('expected a JSON object, such as \'{"billingAccountId":{"eq":"123"}}\'');
};

export function buildProgram(): Command {
  const program = new Command('focus-gateway')
    .description('GraphQL gateway over FinOps FOCUS 1.3 billing data')
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });

  program
    .command('serve')
    .description('migrate the database and serve the API (on the embedded default, an empty database is first loaded with demo data)')
    .action(serveCommand);

  program.command('migrate').description('apply pending database migrations').action(migrateCommand);

  program
    .command('ingest')
    .description('load FOCUS files (CSV, gzip CSV or Parquet); each file is one batch, loaded whole or not at all')
    .argument('<files...>', 'files to load')
    .addOption(new Option('--dataset <dataset>', 'dataset of the files (detected from the header when omitted)').choices(['cost-and-usage', 'contract-commitment']))
    .option('--replace', 'replace earlier rows for the same billing accounts and billing periods (a restated month)')
    .option('--skip-invalid', 'skip unusable rows (recorded as findings) instead of rejecting the file')
    .option('--billing-account <id>', 'billing account that Contract Commitment rows belong to')
    .action(ingestCommand);

  program
    .command('batches')
    .description('list ingested batches, or show one batch with its conformance findings')
    .argument('[id]', 'batch id', positiveInteger)
    .action(batchesCommand);

  program
    .command('demo')
    .description('generate deterministic multi-provider FOCUS 1.3 demo data and load it (or write it with --out)')
    .option('--rows <n>', 'number of Cost and Usage rows', positiveInteger, 50_000)
    .option('--seed <n>', 'random seed; the same seed gives the same data', positiveInteger, 1)
    .option('--out <file.csv>', 'write CSV files instead of loading the database')
    .action(demoCommand);

  program
    .command('export')
    .description('write the cost rows of a billing period range to a file (CSV, Parquet or JSON Lines), as export jobs do')
    .requiredOption('--from <date>', 'start of the range: rows whose billing period overlaps [from, to)', dateTime)
    .requiredOption('--to <date>', 'end of the range (exclusive)', dateTime)
    .addOption(new Option('--format <format>', 'file format; json writes JSON Lines').choices(['csv', 'parquet', 'json']).default('csv'))
    .option('--out <file>', 'file to write (default: focus-cost-and-usage-<from>-<to>.<ext> here)')
    .option('--include-commitments', 'add the Contract Commitment rows behind the exported rows: the file is then a tar of both')
    .option('--filter <json>', 'a CostRecordFilter as JSON, as in the GraphQL API', jsonObject)
    .action(exportCommand);

  const keys = program.command('keys').description('manage the API keys clients authenticate with (stored hashed; a key is shown only when created)');
  keys
    .command('create')
    .description('create a key and print it alone on stdout (KEY=$(focus-gateway keys create --name ci))')
    .requiredOption('--name <name>', 'who or what uses the key')
    .addOption(new Option('--role <role>', 'admin may change data and manage keys; reader may only read').choices(API_KEY_ROLES).default('reader'))
    .addOption(new Option('--scope-account <id>', 'limit a reader key to rows of this billing or sub account (repeatable)').argParser(collect).default([], 'no limit'))
    .addOption(new Option('--scope-family <id or name>', 'limit a reader key to rows of this family (repeatable)').argParser(collect).default([], 'no limit'))
    .action(keysCreateCommand);
  keys.command('list').description('list keys: id, name, role, prefix, created, last used, revoked (never the key itself)').action(keysListCommand);
  keys
    .command('revoke')
    .description('revoke a key; requests with it are refused from then on')
    .argument('<id>', 'key id, or its prefix as `keys list` shows it')
    .action(keysRevokeCommand);

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    const message = error instanceof IngestError ? error.toString() : error instanceof ConfigError ? error.message : (error as Error).stack ?? String(error);
    process.stderr.write(`focus-gateway: ${message}\n`);
    process.exitCode = 1;
  }
}
