import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient } from '../src/db/client.ts';
import { loadDemoData } from '../src/demo/load.ts';
import { tempDatabase } from './helpers.ts';
import { startCountingGateway } from './counting-gateway.ts';

let database: Awaited<ReturnType<typeof tempDatabase>>;
let gateway: Awaited<ReturnType<typeof startCountingGateway>>;

beforeAll(async () => {
  database = await tempDatabase();
  const prisma = createPrismaClient(database.url);
  await loadDemoData(database.db, prisma, { rows: 1500, seed: 11 });
  await prisma.$disconnect();
  gateway = await startCountingGateway(database.db, database.url);
});
afterAll(async () => {
  await gateway.close();
  database.close();
});

const PAGE_WITH_LINKS = `query ($first: Int!, $after: String) {
  costRecords(first: $first, after: $after) {
    edges { node { id billingAccountId subAccountId billingAccount { accountId name } family { id name } commitments { contractCommitmentId } } }
    pageInfo { endCursor }
  }
}`;

interface LinkedRow {
  id: string;
  billingAccountId: string;
  subAccountId: string | null;
  billingAccount: { accountId: string; name: string } | null;
  family: { id: string; name: string } | null;
  commitments: { contractCommitmentId: string }[];
}

/** The family rule restated from the tables, independently of src/families/rule.ts. */
function expectedFamilyNames(): (row: { billingAccountId: string; subAccountId: string | null }) => string | null {
  const familyOfAccount = new Map(
    (database.db.prepare('SELECT m.account_id, f.name FROM family_members m JOIN families f ON f.id = m.family_id').all() as { account_id: string; name: string }[]).map((m) => [
      m.account_id,
      m.name,
    ]),
  );
  return (row) => (row.subAccountId !== null ? familyOfAccount.get(row.subAccountId) : undefined) ?? familyOfAccount.get(row.billingAccountId) ?? null;
}

describe('CostRecord links', () => {
  it('resolve each row\'s billing account, family (by the family rule) and applied commitments', async () => {
    const rows: LinkedRow[] = [];
    let after: string | null = null;
    do {
      const { response } = await gateway.counted(PAGE_WITH_LINKS, { first: 500, after });
      expect(response.errors).toBeUndefined();
      const connection: { edges: { node: LinkedRow }[]; pageInfo: { endCursor: string } } = response.data!.costRecords;
      rows.push(...connection.edges.map((edge) => edge.node));
      after = connection.edges.length === 500 ? connection.pageInfo.endCursor : null;
    } while (after);
    expect(rows).toHaveLength(1500);

    const accountNames = new Map((database.db.prepare('SELECT id, name FROM billing_accounts').all() as { id: string; name: string }[]).map((a) => [a.id, a.name]));
    const familyName = expectedFamilyNames();
    const loadedCommitments = new Set((database.db.prepare('SELECT contract_commitment_id AS id FROM commitments').all() as { id: string }[]).map((c) => c.id));
    const appliedText = new Map(
      (database.db.prepare('SELECT id, contract_applied FROM cost_records').all() as { id: number; contract_applied: string | null }[]).map((r) => [r.id, r.contract_applied]),
    );
    let inFamily = 0;
    let withCommitments = 0;
    for (const row of rows) {
      expect(row.billingAccount).toEqual({ accountId: row.billingAccountId, name: accountNames.get(row.billingAccountId) });
      expect(row.family?.name ?? null).toBe(familyName(row));
      const localId = Number(Buffer.from(row.id, 'base64').toString().split(':')[1]);
      const elements = (JSON.parse(appliedText.get(localId) ?? '{"Elements":[]}') as { Elements: Record<string, string>[] }).Elements;
      const applied = [...new Set(elements.map((e) => e.ContractCommitmentId ?? e.ContractCommitmentID))].filter((id) => loadedCommitments.has(id));
      expect(row.commitments.map((c) => c.contractCommitmentId)).toEqual(applied);
      if (row.family) inFamily++;
      if (applied.length > 0) withCommitments++;
    }
    // The demo data exercises both sides of every link.
    expect(inFamily).toBeGreaterThan(100);
    expect(inFamily).toBeLessThan(rows.length);
    expect(withCommitments).toBeGreaterThan(10);
  });

  it('run a bounded number of SQL statements whatever the page size (no N+1)', async () => {
    const measure = async (first: number) => {
      const { response, statements } = await gateway.counted(
        `query ($first: Int!) { costRecords(first: $first) { edges { node { billingAccount { name } family { name } commitments { contractCommitmentId } } } } }`,
        { first },
      );
      expect(response.errors).toBeUndefined();
      expect(response.data!.costRecords.edges).toHaveLength(first);
      return statements;
    };
    const small = await measure(10);
    const large = await measure(100);
    const total = (statements: { raw: string[]; prisma: string[] }) => statements.raw.length + statements.prisma.length;
    // Page query, billing accounts, family of each account pair, families, applications, commitments.
    expect(total(large)).toBe(total(small));
    expect(total(large)).toBeLessThanOrEqual(8);
    // The links are read as one statement each, an IN list of any length passed as one JSON parameter.
    const largest = await measure(1000);
    expect(total(largest)).toBe(total(large));
    // Raw statements are really seen (so the count above covers the links).
    expect(large.raw.filter((sql) => /FROM (billing_accounts|families|contract_applications|commitments) WHERE/.test(sql)).length).toBeGreaterThanOrEqual(4);
  });

  it('batch the same links on nested pages: billing accounts \u2192 cost records \u2192 family', async () => {
    const measure = async (first: number) => {
      const { response, statements } = await gateway.counted(
        `query ($first: Int!) { billingAccounts { edges { node { costRecords(first: $first) { edges { node { billingAccount { name } family { name } } } } } } } }`,
        { first },
      );
      expect(response.errors).toBeUndefined();
      return statements.raw.length + statements.prisma.length;
    };
    // One page query per billing account is inherent to nested connections; the links add a constant.
    expect(await measure(50)).toBe(await measure(5));
  });
});
