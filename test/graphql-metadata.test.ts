import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnsOf, CONTRACT_COMMITMENT_COLUMNS, COST_AND_USAGE_COLUMNS } from '../src/focus/columns.ts';
import { getBatch, listBatches } from '../src/ingest/batches.ts';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { AWS_COMMITMENT_SAMPLE, AWS_COST_SAMPLE, dataOf, MULTI_PROVIDER_SAMPLE, readCsvObjects, startGateway, tempDatabase } from './helpers.ts';

let database: Awaited<ReturnType<typeof tempDatabase>>;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let restatedFile: string;

beforeAll(async () => {
  database = await tempDatabase();
  await ingest(database.db, fileSource(MULTI_PROVIDER_SAMPLE));
  await ingest(database.db, fileSource(AWS_COST_SAMPLE));
  await ingest(database.db, fileSource(AWS_COMMITMENT_SAMPLE));
  // A restated multi-provider month with rule violations: it replaces the first batch's rows.
  restatedFile = path.join(database.dir, 'restated.csv');
  const lines = readFileSync(MULTI_PROVIDER_SAMPLE, 'utf8').split('\n');
  writeFileSync(restatedFile, [lines[0], ...lines.slice(1).map((line) => line.replace(',Usage,', ',usage,').replace(',100.00,BA-1,', ',"$100.00",BA-1,'))].join('\n'));
  await ingest(database.db, fileSource(restatedFile), { replace: true });
  gateway = await startGateway(database.db, database.url);
});
afterAll(async () => {
  await gateway.close();
  database.close();
});

const data = (query: string, variables?: Record<string, unknown>) => dataOf(gateway, query, variables);

const COLUMN_FIELDS = 'name field dataset type featureLevel nullable allowedValues introduced deprecated description';
const upper = (text: string) => text.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

describe('schemaMetadata', () => {
  it('serves the FOCUS version and the column catalog of each dataset', async () => {
    const { schemaMetadata } = await data(`{
      schemaMetadata {
        focusVersion
        datasets { dataset name columns { ${COLUMN_FIELDS} } }
        costAndUsage: columns(dataset: COST_AND_USAGE) { name }
        contractCommitment: columns(dataset: CONTRACT_COMMITMENT) { ${COLUMN_FIELDS} }
      }
    }`);
    expect(schemaMetadata.focusVersion).toBe('1.3');
    expect(schemaMetadata.datasets.map((dataset: { dataset: string; name: string }) => [dataset.dataset, dataset.name])).toEqual([
      ['COST_AND_USAGE', 'CostAndUsage'],
      ['CONTRACT_COMMITMENT', 'ContractCommitment'],
    ]);
    for (const dataset of schemaMetadata.datasets) {
      const catalog = columnsOf(dataset.name);
      expect(dataset.columns).toEqual(
        catalog.map((column) => ({
          name: column.name,
          field: column.field,
          dataset: upper(column.dataset),
          type: column.type.toUpperCase(),
          featureLevel: column.featureLevel.toUpperCase(),
          nullable: column.nullable,
          allowedValues: column.allowedValues ?? null,
          introduced: column.introduced,
          deprecated: column.deprecated ?? null,
          description: column.description,
        })),
      );
    }
    expect(schemaMetadata.costAndUsage.map((column: { name: string }) => column.name)).toEqual(COST_AND_USAGE_COLUMNS.map((column) => column.name));
    expect(schemaMetadata.contractCommitment).toEqual(schemaMetadata.datasets[1].columns);
    expect(schemaMetadata.contractCommitment).toHaveLength(CONTRACT_COMMITMENT_COLUMNS.length);
    // Columns named here are the fields the CostRecord type serves.
    const { __type } = await data('{ __type(name: "CostRecord") { fields(includeDeprecated: true) { name description } } }');
    const served = new Map(__type.fields.map((field: { name: string; description: string }) => [field.name, field.description]));
    for (const column of COST_AND_USAGE_COLUMNS) expect(served.get(column.field), column.name).toBe(column.description);
  });

  it('says per billing account how recent its charges are and when they were loaded', async () => {
    const { schemaMetadata } = await data('{ schemaMetadata { freshness { provider billingAccountId billingAccount { name } latestChargePeriodEnd lastIngestAt rowCount } } }');
    const batches = await listBatches(gateway.prisma);
    const completedAt = (fileName: string) => batches.find((batch) => batch.fileName === fileName && batch.status === 'ACTIVE')!.completedAt.toISOString().replace('.000Z', 'Z');
    const sources = [
      { file: restatedFile, rows: readCsvObjects(restatedFile) },
      { file: AWS_COST_SAMPLE, rows: readCsvObjects(AWS_COST_SAMPLE) },
    ];
    const expected = sources
      .flatMap(({ file, rows }) =>
        [...new Set(rows.map((row) => row.BillingAccountId))].map((id) => {
          const own = rows.filter((row) => row.BillingAccountId === id);
          return {
            provider: own.at(-1)!.ServiceProviderName,
            billingAccountId: id,
            billingAccount: { name: own.at(-1)!.BillingAccountName },
            latestChargePeriodEnd: new Date(Math.max(...own.map((row) => Date.parse(row.ChargePeriodEnd)))).toISOString().replace('.000Z', 'Z'),
            lastIngestAt: completedAt(path.basename(file)),
            rowCount: own.length,
          };
        }),
      )
      .sort((a, b) => a.provider.localeCompare(b.provider) || a.billingAccountId.localeCompare(b.billingAccountId));
    expect(schemaMetadata.freshness).toEqual(expected);
  });
});

describe('ingestBatches', () => {
  const BATCH_FIELDS = `id batchId fileName checksum dataset sourceFormat focusVersion status rowsRead rowsLoaded rowsSkipped rowsReplaced
    billingPeriodStart billingPeriodEnd startedAt completedAt findingCount findings { ruleId severity message count column examples { line column value } }`;
  const iso = (date: Date | null) => (date === null ? null : date.toISOString().replace('.000Z', 'Z'));

  it('lists the batches newest first, as `focus-gateway batches` shows them, with their findings', async () => {
    const { ingestBatches } = await data(`{ ingestBatches(first: 10) { totalCount edges { node { ${BATCH_FIELDS} } } } }`);
    const batches = await listBatches(gateway.prisma);
    expect(ingestBatches.totalCount).toBe(batches.length);
    expect(ingestBatches.edges.map((edge: { node: { batchId: number } }) => edge.node.batchId)).toEqual(batches.map((batch) => batch.id).reverse());
    for (const { node } of ingestBatches.edges) {
      const batch = (await getBatch(gateway.prisma, node.batchId))!;
      expect(node).toEqual({
        id: encodeGlobalID('IngestBatch', batch.id),
        batchId: batch.id,
        fileName: batch.fileName,
        checksum: batch.checksum,
        dataset: upper(batch.dataset),
        sourceFormat: batch.sourceFormat,
        focusVersion: batch.focusVersion,
        status: batch.status,
        rowsRead: batch.rowsRead,
        rowsLoaded: batch.rowsLoaded,
        rowsSkipped: batch.rowsSkipped,
        rowsReplaced: batch.rowsReplaced,
        billingPeriodStart: iso(batch.billingPeriodStart),
        billingPeriodEnd: iso(batch.billingPeriodEnd),
        startedAt: iso(batch.startedAt),
        completedAt: iso(batch.completedAt),
        findingCount: batch.findings.length,
        findings: batch.findings.map((finding) => {
          const examples = finding.examples as { line: number | null; column: string | null; value: string | null }[];
          const columns = new Set(examples.map((example) => example.column));
          return {
            ruleId: finding.ruleId,
            severity: finding.severity,
            message: finding.message,
            count: finding.count,
            column: columns.size === 1 ? [...columns][0] : null,
            examples,
          };
        }),
      });
    }
    const restated = ingestBatches.edges[0].node;
    expect(restated).toMatchObject({ fileName: 'restated.csv', status: 'ACTIVE', rowsReplaced: 4 });
    expect(restated.findings.map((finding: { ruleId: string }) => finding.ruleId)).toEqual(expect.arrayContaining(['GW-NUMBER-FORMAT']));
    expect(restated.findings.some((finding: { severity: string; column: string | null }) => finding.severity === 'ERROR' && finding.column === 'ChargeCategory')).toBe(true);
    expect(ingestBatches.edges.at(-1).node).toMatchObject({ fileName: path.basename(MULTI_PROVIDER_SAMPLE), status: 'SUPERSEDED' });
  });

  it('filters by dataset and status, pages, and finds one batch by id', async () => {
    const ids = async (args: string) =>
      (await data(`{ ingestBatches(${args}) { totalCount edges { node { batchId } } } }`)).ingestBatches.edges.map((edge: { node: { batchId: number } }) => edge.node.batchId);
    expect(await ids('dataset: CONTRACT_COMMITMENT')).toEqual([3]);
    expect(await ids('dataset: COST_AND_USAGE, status: ACTIVE')).toEqual([4, 2]);
    expect(await ids('status: SUPERSEDED')).toEqual([1]);
    const { ingestBatches: page } = await data('{ ingestBatches(first: 2) { pageInfo { hasNextPage endCursor } edges { node { batchId } } } }');
    expect(page.edges.map((edge: { node: { batchId: number } }) => edge.node.batchId)).toEqual([4, 3]);
    expect(await ids(`after: "${page.pageInfo.endCursor}"`)).toEqual([2, 1]);
    expect(await ids(`last: 1, before: "${page.pageInfo.endCursor}"`)).toEqual([4]);

    const id = encodeGlobalID('IngestBatch', 2);
    expect(await data('query ($id: ID!) { ingestBatch(id: $id) { fileName } node(id: $id) { ... on IngestBatch { batchId } } }', { id })).toEqual({
      ingestBatch: { fileName: path.basename(AWS_COST_SAMPLE) },
      node: { batchId: 2 },
    });
    expect(await data('query ($id: ID!) { ingestBatch(id: $id) { fileName } }', { id: encodeGlobalID('IngestBatch', 99) })).toEqual({ ingestBatch: null });
    const wrong = await gateway.graphql('query ($id: ID!) { ingestBatch(id: $id) { fileName } }', { id: encodeGlobalID('IngestBatch', 'x') });
    expect(wrong.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});
