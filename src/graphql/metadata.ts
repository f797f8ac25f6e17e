/**
 * What the gateway serves and holds: the FOCUS version and column catalog (straight from src/focus/columns.ts), how
 * fresh each billing account's data is, and the ingest batches with the conformance findings of their files.
 */
import type { ConformanceFinding, IngestBatch } from '../generated/prisma/client.ts';
import { columnsOf, FOCUS_VERSION, type DatasetId, type FocusColumn } from '../focus/columns.ts';
import type { FindingExample } from '../ingest/findings.ts';
import { dataFreshness, type DataFreshness } from '../analytics/kpis.ts';
import { ingestBatchSelection, INGEST_BATCH_ORDER } from '../query/metadata.ts';
import { billingAccountById } from './billing-accounts.ts';
import { builder } from './builder.ts';
import type { GraphQLContext } from './context.ts';
import { loader } from './loaders.ts';
import { decodeNumericNodeId, parseRowNumber } from './node-ids.ts';
import { BillingAccountRef } from './refs.ts';
import { pageComplexity, PAGING_RULES, tableConnection } from './table-connections.ts';
import { rowsWithIds } from './loaders.ts';

const FocusDataset = builder.enumType('FocusDataset', {
  description: 'The FOCUS 1.3 datasets the gateway loads.',
  values: {
    COST_AND_USAGE: { value: 'CostAndUsage' as DatasetId, description: 'Cost and Usage rows (CostRecord).' },
    CONTRACT_COMMITMENT: { value: 'ContractCommitment' as DatasetId, description: 'Contract Commitment rows (Commitment).' },
  },
});

const ColumnType = builder.enumType('FocusColumnType', {
  description: 'How a FOCUS column\'s values are stored and served.',
  values: {
    STRING: { value: 'string', description: 'Text (GraphQL String).' },
    DECIMAL: { value: 'decimal', description: 'A decimal number: money, a unit price or a quantity (GraphQL Float; totals as Decimal).' },
    DATETIME: { value: 'datetime', description: 'A UTC date-time (GraphQL DateTime).' },
    JSON: { value: 'json', description: 'A JSON object or array (GraphQL JSON).' },
  },
});

const FeatureLevel = builder.enumType('FocusFeatureLevel', {
  description: 'Whether FOCUS requires a column.',
  values: {
    MANDATORY: { value: 'Mandatory', description: 'Every FOCUS dataset has the column.' },
    CONDITIONAL: { value: 'Conditional', description: 'Required when the provider supports the feature the column describes.' },
    RECOMMENDED: { value: 'Recommended', description: 'Recommended but not required.' },
  },
});

const ColumnMetadata = builder.objectRef<FocusColumn>('FocusColumnMetadata').implement({
  description: 'One column of the FOCUS 1.3 catalog the gateway is built from.',
  fields: (t) => ({
    name: t.exposeString('name', { nullable: false, description: 'The FOCUS column name, as in exports (for example BilledCost).' }),
    field: t.exposeString('field', { nullable: false, description: 'The GraphQL field that serves the column on CostRecord or Commitment (for example billedCost).' }),
    dataset: t.field({ nullable: false, type: FocusDataset, description: 'The dataset the column belongs to.', resolve: (column) => column.dataset }),
    type: t.field({ nullable: false, type: ColumnType, description: 'How its values are stored and served.', resolve: (column) => column.type }),
    featureLevel: t.field({ nullable: false, type: FeatureLevel, description: 'Whether FOCUS requires the column.', resolve: (column) => column.featureLevel }),
    nullable: t.exposeBoolean('nullable', { nullable: false, description: 'Whether FOCUS allows nulls in the column when it is present.' }),
    allowedValues: t.exposeStringList('allowedValues', { nullable: true, description: 'The only values FOCUS allows, when it restricts them; null otherwise.' }),
    introduced: t.exposeString('introduced', { nullable: false, description: 'The FOCUS version that introduced the column.' }),
    deprecated: t.exposeString('deprecated', { nullable: true, description: 'The FOCUS version that deprecated the column, if one did.' }),
    description: t.exposeString('description', { nullable: false, description: 'What the column holds.' }),
  }),
});

const DatasetMetadata = builder.objectRef<DatasetId>('FocusDatasetMetadata').implement({
  description: 'A FOCUS dataset and its columns.',
  fields: (t) => ({
    dataset: t.field({ nullable: false, type: FocusDataset, description: 'The dataset.', resolve: (dataset) => dataset }),
    name: t.string({ nullable: false, description: 'The dataset\'s FOCUS name (CostAndUsage, ContractCommitment).', resolve: (dataset) => dataset }),
    columns: t.field({ nullable: false, type: [ColumnMetadata], description: 'Its columns, in catalog (alphabetical) order.', resolve: (dataset) => [...columnsOf(dataset)] }),
  }),
});

/** Shared with kpis { dataFreshness }, which computes the same over filtered rows. */
export const DataFreshnessRef = builder.objectRef<DataFreshness>('DataFreshness').implement({
  description: 'How current the loaded data of one provider and billing account is.',
  fields: (t) => ({
    provider: t.exposeString('provider', { nullable: true, description: 'ServiceProviderName of the rows.' }),
    billingAccountId: t.exposeString('billingAccountId', { nullable: true, description: 'The provider\'s id of the billing account.' }),
    billingAccount: t.field({
      type: BillingAccountRef,
      nullable: true,
      description: 'The billing account.',
      resolve: (entry, _args, context) => (entry.billingAccountId === null ? null : billingAccountById(context).load(entry.billingAccountId)),
    }),
    latestChargePeriodEnd: t.field({ nullable: false, type: 'DateTime', description: 'The latest ChargePeriodEnd among the account\'s cost rows.', resolve: (entry) => entry.latestChargePeriodEnd }),
    lastIngestAt: t.field({ nullable: false, type: 'DateTime', description: 'When the newest batch holding these rows finished loading.', resolve: (entry) => entry.latestIngestAt }),
    rowCount: t.exposeInt('rowCount', { nullable: false, description: 'How many cost rows of the account are loaded.' }),
  }),
});

const SchemaMetadata = builder.objectRef<Record<string, never>>('SchemaMetadata').implement({
  description: 'The FOCUS version and column catalog the gateway serves, and how fresh its data is.',
  fields: (t) => ({
    focusVersion: t.string({ nullable: false, description: 'The FOCUS version served (1.3).', resolve: () => FOCUS_VERSION }),
    datasets: t.field({
      nullable: false,
      type: [DatasetMetadata],
      description: 'The datasets served, with their columns.',
      resolve: () => ['CostAndUsage', 'ContractCommitment'] as DatasetId[],
    }),
    columns: t.field({
      nullable: false,
      type: [ColumnMetadata],
      description: 'The columns of one dataset, in catalog (alphabetical) order.',
      args: { dataset: t.arg({ type: FocusDataset, required: true, description: 'The dataset whose columns to list.' }) },
      resolve: (_metadata, { dataset }) => [...columnsOf(dataset)],
    }),
    freshness: t.field({
      nullable: false,
      type: [DataFreshnessRef],
      description: 'Per provider and billing account with cost rows (ordered so): the latest ChargePeriodEnd and when the data was last loaded.',
      resolve: (_metadata, _args, context) => dataFreshness(context.db),
    }),
  }),
});

const FindingSeverity = builder.enumType('FindingSeverity', {
  description: 'How serious a conformance finding is.',
  values: {
    ERROR: { description: 'A FOCUS MUST rule was broken (or a row was skipped).' },
    WARNING: { description: 'A SHOULD or RECOMMENDED rule was broken, or the gateway repaired a value.' },
  },
});

const FindingExampleRef = builder.objectRef<FindingExample>('ConformanceFindingExample').implement({
  description: 'One offending place in the file.',
  fields: (t) => ({
    line: t.exposeInt('line', { nullable: true, description: 'The file line (the header is line 1); null for a finding about the file as a whole.' }),
    column: t.exposeString('column', { nullable: true, description: 'The FOCUS column, when the finding is about one.' }),
    value: t.exposeString('value', { nullable: true, description: 'The offending value (its first 200 characters).' }),
  }),
});

const examplesOf = (finding: ConformanceFinding) => finding.examples as unknown as FindingExample[];

const ConformanceFindingRef = builder.objectRef<ConformanceFinding>('ConformanceFinding').implement({
  description: 'A FOCUS rule (or gateway note) that rows of a batch broke without becoming unusable, counted over the file.',
  fields: (t) => ({
    ruleId: t.exposeString('ruleId', { nullable: false, description: 'The rule id from the FOCUS requirements model (such as CAU-ChargeCategory-C-003-M) or a GW- gateway note.' }),
    severity: t.field({ nullable: false, type: FindingSeverity, description: 'ERROR for a MUST rule; WARNING otherwise.', resolve: (finding) => finding.severity as 'ERROR' | 'WARNING' }),
    message: t.exposeString('message', { nullable: false, description: 'What the rule requires.' }),
    count: t.exposeInt('count', { nullable: false, description: 'How many times the file broke the rule.' }),
    column: t.string({
      nullable: true,
      description: 'The column the finding is about, when all its examples name the same one.',
      resolve: (finding) => {
        const columns = new Set(examplesOf(finding).map((example) => example.column));
        return columns.size === 1 ? [...columns][0] : null;
      },
    }),
    examples: t.field({
      nullable: false,
      type: [FindingExampleRef],
      description: 'The first few offending places (up to 5).',
      complexity: { field: 1, multiplier: 5 },
      resolve: examplesOf,
    }),
  }),
});

/** Plain code-unit order, as SQLite's BINARY collation (the connections' ORDER BY) sorts ids and names. */
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function ingestBatchById(context: GraphQLContext) {
  return loader<number, IngestBatch | null>(context, ingestBatchById, async (ids) => {
    const found = new Map(rowsWithIds<IngestBatch>(context, 'IngestBatch', 'id', ids).map((batch) => [batch.id, batch]));
    return ids.map((id) => found.get(id) ?? null);
  });
}

function findingsOfBatch(context: GraphQLContext) {
  return loader<number, ConformanceFinding[]>(context, findingsOfBatch, async (batchIds) => {
    const findings = rowsWithIds<ConformanceFinding>(context, 'ConformanceFinding', 'batch_id', batchIds);
    findings.sort((a, b) => compareText(a.severity, b.severity) || b.count - a.count || a.id - b.id);
    return batchIds.map((id) => findings.filter((finding) => finding.batchId === id));
  });
}

const BatchStatus = builder.enumType('IngestBatchStatus', {
  description: 'Whether a batch\'s rows are still served.',
  values: {
    ACTIVE: { description: 'Its rows (or some of them) are loaded.' },
    SUPERSEDED: { description: 'A later file replaced all of its rows (--replace, or newer rows for the same commitments).' },
  },
});

const IngestBatchRef = builder.objectRef<IngestBatch>('IngestBatch');

builder.node(IngestBatchRef, {
  description: 'One loaded file (or generated demo table): its rows were written in one transaction.',
  id: { resolve: (batch) => batch.id, parse: (id) => parseRowNumber(id, 'IngestBatch') },
  loadMany: (ids, context) => ids.map((id) => ingestBatchById(context).load(id)),
  fields: (t) => ({
    batchId: t.exposeInt('id', { nullable: false, description: 'The batch number, as `focus-gateway batches` shows it.' }),
    fileName: t.exposeString('fileName', { nullable: false, description: 'The file it was loaded from.' }),
    checksum: t.exposeString('checksum', { nullable: false, description: 'SHA-256 of the file\'s bytes; the same file is not loaded twice.' }),
    dataset: t.field({ nullable: false, type: FocusDataset, description: 'The FOCUS dataset of its rows.', resolve: (batch) => batch.dataset as DatasetId }),
    sourceFormat: t.exposeString('sourceFormat', { nullable: false, description: 'csv, csv.gz, parquet, or generated for demo data.' }),
    focusVersion: t.exposeString('focusVersion', { nullable: false, description: 'The FOCUS version detected from the file\'s columns.' }),
    status: t.field({ nullable: false, type: BatchStatus, description: 'Whether its rows are still served.', resolve: (batch) => batch.status as 'ACTIVE' | 'SUPERSEDED' }),
    rowsRead: t.exposeInt('rowsRead', { nullable: false, description: 'Data rows in the file.' }),
    rowsLoaded: t.exposeInt('rowsLoaded', { nullable: false, description: 'Rows loaded.' }),
    rowsSkipped: t.exposeInt('rowsSkipped', { nullable: false, description: 'Unusable rows skipped (--skip-invalid).' }),
    rowsReplaced: t.exposeInt('rowsReplaced', { nullable: false, description: 'Rows of earlier batches this one replaced or superseded.' }),
    billingPeriodStart: t.field({ type: 'DateTime', nullable: true, description: 'Earliest BillingPeriodStart of its rows.', resolve: (batch) => batch.billingPeriodStart }),
    billingPeriodEnd: t.field({ type: 'DateTime', nullable: true, description: 'Latest BillingPeriodEnd of its rows.', resolve: (batch) => batch.billingPeriodEnd }),
    startedAt: t.field({ nullable: false, type: 'DateTime', description: 'When loading started.', resolve: (batch) => batch.startedAt }),
    completedAt: t.field({ nullable: false, type: 'DateTime', description: 'When loading finished.', resolve: (batch) => batch.completedAt }),
    findingCount: t.int({ nullable: false, description: 'How many distinct rules the file broke.', resolve: async (batch, _args, context) => (await findingsOfBatch(context).load(batch.id)).length }),
    findings: t.field({
      nullable: false,
      type: [ConformanceFindingRef],
      description: 'The conformance findings: errors first, then by count, largest first.',
      resolve: (batch, _args, context) => findingsOfBatch(context).load(batch.id),
    }),
  }),
});

builder.queryFields((t) => ({
  schemaMetadata: t.field({
      nullable: false,
    type: SchemaMetadata,
    description: 'The FOCUS version and column catalog served, and how fresh the data is.',
    resolve: () => ({}),
  }),
  ingestBatch: t.field({
    type: IngestBatchRef,
    nullable: true,
    description: 'An ingest batch by its global id; null when there is none.',
    args: { id: t.arg.id({ required: true, description: 'The global id (IngestBatch.id).' }) },
    resolve: (_root, { id }, context) => ingestBatchById(context).load(decodeNumericNodeId(String(id), 'IngestBatch')),
  }),
  ingestBatches: t.connection(
    {
      type: IngestBatchRef,
      nullable: false,
      complexity: pageComplexity,
      description: `Ingest batches, newest first, with their conformance findings. ${PAGING_RULES}`,
      args: {
        dataset: t.arg({ type: FocusDataset, description: 'Only batches of this dataset.' }),
        status: t.arg({ type: BatchStatus, description: 'Only batches with this status.' }),
      },
      resolve: (_root, args, context) =>
        tableConnection(context.db, ingestBatchSelection(args), INGEST_BATCH_ORDER, args, (ids: number[]) => ingestBatchById(context).loadMany(ids)),
    },
    {
      name: 'IngestBatchConnection',
      // The connection field already multiplies by the page size; the edges list must not multiply again.
      edgesField: { complexity: { field: 1, multiplier: 1 } },
      description: 'A page of ingest batches.',
      fields: (tc) => ({ totalCount: tc.int({ nullable: false, description: 'How many batches match (counted only when asked for).', resolve: (connection) => connection.totalCount() }) }),
    },
    { name: 'IngestBatchEdge', description: 'An ingest batch and its cursor.' },
  ),
}));
