import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fileSource, ingest } from '../src/ingest/service.ts';
import { AWS_COST_SAMPLE, dataOf, failureOf, MULTI_PROVIDER_SAMPLE, readCsvObjects, startGateway, tempDatabase } from './helpers.ts';

let database: Awaited<ReturnType<typeof tempDatabase>>;
let gateway: Awaited<ReturnType<typeof startGateway>>;
/** One more row, whose sub account id is also a billing account id (as an AWS management account's own usage is). */
let selfBilledFile: string;

beforeAll(async () => {
  database = await tempDatabase();
  await ingest(database.db, fileSource(MULTI_PROVIDER_SAMPLE));
  await ingest(database.db, fileSource(AWS_COST_SAMPLE));
  selfBilledFile = path.join(database.dir, 'self-billed.csv');
  const [header, , , , ba3] = readFileSync(MULTI_PROVIDER_SAMPLE, 'utf8').split('\n');
  writeFileSync(selfBilledFile, `${header}\n${ba3.replace(',sub-3,', ',BA-3,').replace('Compute usage', 'Own usage')}\n`);
  await ingest(database.db, fileSource(selfBilledFile));
  gateway = await startGateway(database.db, database.url);
});
afterAll(async () => {
  await gateway.close();
  database.close();
});
beforeEach(() => {
  database.db.exec('DELETE FROM families');
});

const data = (query: string, variables?: Record<string, unknown>) => dataOf(gateway, query, variables);

const failure = (query: string, variables?: Record<string, unknown>) => failureOf(gateway, query, variables);

const FAMILY_FIELDS = 'id name description createdAt updatedAt accounts { accountId kind name billingAccount { accountId } subAccount { accountId } addedAt }';

const createFamily = async (input: Record<string, unknown>) =>
  (await data(`mutation ($input: CreateFamilyInput!) { createFamily(input: $input) { ${FAMILY_FIELDS} } }`, { input })).createFamily;

/**
 * The family rule restated over the source files: a row is in the family holding its sub account, else in the one
 * holding its billing account. `otherFamilies` are the accounts of every other family.
 */
function expectedRowCount(accountIds: string[], otherFamilies: string[] = []): number {
  const members = new Set(accountIds);
  const taken = new Set(otherFamilies);
  const rows = [...readCsvObjects(MULTI_PROVIDER_SAMPLE), ...readCsvObjects(AWS_COST_SAMPLE), ...readCsvObjects(selfBilledFile)];
  return rows.filter((row) => members.has(row.SubAccountId) || (!members.has(row.SubAccountId) && !taken.has(row.SubAccountId) && members.has(row.BillingAccountId))).length;
}

describe('createFamily', () => {
  it('creates a family with its accounts, each named when the data knows it', async () => {
    const family = await createFamily({ name: '  Web  ', description: 'front ends', accountIds: ['sub-1', 'BA-2', 'not-loaded-yet', 'sub-1', 'BA-3'] });
    expect(family).toMatchObject({ name: 'Web', description: 'front ends' });
    expect(Buffer.from(family.id, 'base64').toString()).toMatch(/^Family:[0-9a-f-]{36}$/);
    const addedAt = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);
    expect(family.accounts).toEqual([
      { accountId: 'BA-2', kind: 'BILLING_ACCOUNT', name: 'Acct 2', billingAccount: { accountId: 'BA-2' }, subAccount: null, addedAt },
      { accountId: 'BA-3', kind: 'BILLING_AND_SUB_ACCOUNT', name: 'Acct 3', billingAccount: { accountId: 'BA-3' }, subAccount: { accountId: 'BA-3' }, addedAt },
      { accountId: 'not-loaded-yet', kind: 'NOT_SEEN', name: null, billingAccount: null, subAccount: null, addedAt },
      { accountId: 'sub-1', kind: 'SUB_ACCOUNT', name: 'Sub 1', billingAccount: null, subAccount: { accountId: 'sub-1' }, addedAt },
    ]);
    expect(Date.parse(family.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(Math.abs(Date.parse(family.accounts[0].addedAt) - Date.parse(family.createdAt))).toBeLessThan(5_000);
  });

  it('rejects a blank name, a taken name and a blank account id', async () => {
    await createFamily({ name: 'Web' });
    for (const [input, code, message] of [
      [{ name: '' }, 'BAD_USER_INPUT', 'a family name cannot be empty'],
      [{ name: '   ' }, 'BAD_USER_INPUT', 'a family name cannot be empty'],
      [{ name: 'x'.repeat(201) }, 'BAD_USER_INPUT', 'a family name is at most 200 characters'],
      [{ name: 'Web' }, 'CONFLICT', 'a family named "Web" already exists'],
      [{ name: 'Long', description: 'd'.repeat(2001) }, 'BAD_USER_INPUT', 'a family description is at most 2000 characters'],
      [{ name: 'Long', accountIds: ['a'.repeat(513)] }, 'BAD_USER_INPUT', 'an account id is at most 512 characters'],
      [{ name: 'Many', accountIds: Array.from({ length: 501 }, (_, i) => `account-${i}`) }, 'BAD_USER_INPUT', 'give at most 500 account ids at a time'],
      [{ name: 'Other', accountIds: ['BA-1', ' '] }, 'BAD_USER_INPUT', 'an account id cannot be empty'],
    ] as const) {
      const error = await failure('mutation ($input: CreateFamilyInput!) { createFamily(input: $input) { id } }', { input });
      expect(error).toMatchObject({ message, extensions: { code } });
    }
    expect((await data('{ families { totalCount } }')).families.totalCount).toBe(1);
  });

  it('refuses an account that is already in another family, naming that family, and creates nothing', async () => {
    await createFamily({ name: 'Web', accountIds: ['sub-1'] });
    const error = await failure('mutation { createFamily(input: { name: "Other", accountIds: ["BA-3", "sub-1"] }) { id } }');
    expect(error).toMatchObject({
      message: 'account sub-1 already belongs to family "Web"',
      extensions: { code: 'CONFLICT', accountId: 'sub-1', familyName: 'Web' },
    });
    expect((await data('{ families { edges { node { name } } } }')).families.edges).toEqual([{ node: { name: 'Web' } }]);
  });
  it('lets exactly one of several concurrent creates claim a shared account', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, index) => gateway.graphql(`mutation { createFamily(input: { name: "F${index}", accountIds: ["BA-1", "own-${index}"] }) { name } }`)),
    );
    const winners = results.filter((result) => !result.errors).map((result) => result.data!.createFamily.name);
    expect(winners).toHaveLength(1);
    for (const result of results.filter((r) => r.errors)) {
      expect(result.errors![0]).toMatchObject({ message: `account BA-1 already belongs to family "${winners[0]}"`, extensions: { code: 'CONFLICT' } });
    }
  });
});

describe('updateFamily and deleteFamily', () => {
  it('renames, redescribes and clears the description; leaves out fields unchanged', async () => {
    const { id, updatedAt } = await createFamily({ name: 'Web', description: 'front ends' });
    const update = (input: Record<string, unknown>) =>
      data('mutation ($input: UpdateFamilyInput!) { updateFamily(input: $input) { id name description updatedAt } }', { input: { id, ...input } });
    expect((await update({ name: 'Storefront' })).updateFamily).toMatchObject({ id, name: 'Storefront', description: 'front ends' });
    expect((await update({ description: 'shop' })).updateFamily).toMatchObject({ name: 'Storefront', description: 'shop' });
    const cleared = (await update({ description: null })).updateFamily;
    expect(cleared).toMatchObject({ name: 'Storefront', description: null });
    expect(Date.parse(cleared.updatedAt)).toBeGreaterThanOrEqual(Date.parse(updatedAt));
    expect((await data('query ($id: ID!) { family(id: $id) { name description } }', { id })).family).toEqual({ name: 'Storefront', description: null });
  });

  it('replaces the membership with accountIds, atomically: a listed account of another family changes nothing', async () => {
    const { id } = await createFamily({ name: 'Web', accountIds: ['sub-1', 'sub-2'] });
    await createFamily({ name: 'Data', accountIds: ['BA-9'] });
    const replaced = await data('mutation ($input: UpdateFamilyInput!) { updateFamily(input: $input) { name accounts { accountId } } }', { input: { id, accountIds: ['sub-2', 'BA-2'] } });
    expect(replaced.updateFamily).toEqual({ name: 'Web', accounts: [{ accountId: 'BA-2' }, { accountId: 'sub-2' }] });
    const conflict = await failure('mutation ($input: UpdateFamilyInput!) { updateFamily(input: $input) { id } }', { input: { id, name: 'Web 2', accountIds: ['sub-3', 'BA-9'] } });
    expect(conflict).toMatchObject({ message: 'account BA-9 already belongs to family "Data"', extensions: { code: 'CONFLICT' } });
    expect((await data('query ($id: ID!) { family(id: $id) { name accounts { accountId } } }', { id })).family).toEqual({ name: 'Web', accounts: [{ accountId: 'BA-2' }, { accountId: 'sub-2' }] });
    const emptied = await data('mutation ($input: UpdateFamilyInput!) { updateFamily(input: $input) { accounts { accountId } } }', { input: { id, accountIds: [] } });
    expect(emptied.updateFamily.accounts).toEqual([]);
  });

  it('reports unknown families, wrong ids, taken and blank names', async () => {
    const { id } = await createFamily({ name: 'Web' });
    await createFamily({ name: 'Data' });
    const missing = encodeGlobalID('Family', '00000000-0000-4000-8000-000000000000');
    const update = (input: Record<string, unknown>) => failure('mutation ($input: UpdateFamilyInput!) { updateFamily(input: $input) { id } }', { input });
    expect(await update({ id: missing, name: 'X' })).toMatchObject({ message: `no family with id ${missing}`, extensions: { code: 'NOT_FOUND' } });
    expect(await update({ id: 'not a global id', name: 'X' })).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(await update({ id: encodeGlobalID('BillingAccount', 'BA-1'), name: 'X' })).toMatchObject({
      message: expect.stringContaining('is a BillingAccount id, not a Family id'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(await update({ id, name: 'Data' })).toMatchObject({ message: 'a family named "Data" already exists', extensions: { code: 'CONFLICT' } });
    expect(await update({ id, name: ' ' })).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(await update({ id, name: null })).toMatchObject({ message: expect.stringContaining('cannot be null'), extensions: { code: 'BAD_USER_INPUT' } });
    // Keeping its own name is not a conflict.
    expect((await data('mutation ($id: ID!) { updateFamily(input: { id: $id, name: "Web" }) { name } }', { id })).updateFamily.name).toBe('Web');
  });

  it('deletes a family, freeing its accounts; a second delete is NOT_FOUND', async () => {
    const { id } = await createFamily({ name: 'Web', accountIds: ['sub-1', 'BA-2'] });
    const deleted = (await data('mutation ($id: ID!) { deleteFamily(input: { id: $id }) { deletedFamilyId name accountIds } }', { id })).deleteFamily;
    expect(deleted).toEqual({ deletedFamilyId: id, name: 'Web', accountIds: ['BA-2', 'sub-1'] });
    expect((await data('query ($id: ID!) { family(id: $id) { id } node(id: $id) { id } }', { id })).family).toBeNull();
    expect((await createFamily({ name: 'Again', accountIds: ['sub-1'] })).accounts).toHaveLength(1);
    expect(await failure('mutation ($id: ID!) { deleteFamily(input: { id: $id }) { name } }', { id })).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  });
});

describe('addAccountsToFamily and removeAccountsFromFamily', () => {
  const add = (familyId: string, accountIds: string[]) =>
    gateway.graphql('mutation ($input: FamilyAccountsInput!) { addAccountsToFamily(input: $input) { name accounts { accountId } } }', { input: { familyId, accountIds } });
  const remove = (familyId: string, accountIds: string[]) =>
    gateway.graphql('mutation ($input: FamilyAccountsInput!) { removeAccountsFromFamily(input: $input) { name accounts { accountId } } }', { input: { familyId, accountIds } });
  const accountsOf = (response: { data?: any }, field: string) => response.data[field].accounts.map((a: { accountId: string }) => a.accountId);

  it('adds accounts (ones already in the family are kept once) and removes them', async () => {
    const { id } = await createFamily({ name: 'Web', accountIds: ['sub-1'] });
    expect(accountsOf(await add(id, ['sub-1', 'BA-3', 'BA-2']), 'addAccountsToFamily')).toEqual(['BA-2', 'BA-3', 'sub-1']);
    expect(accountsOf(await remove(id, ['BA-3', 'sub-1']), 'removeAccountsFromFamily')).toEqual(['BA-2']);
  });

  it('refuses an account held by another family, naming it, and adds none of the others', async () => {
    const web = await createFamily({ name: 'Web', accountIds: ['sub-1'] });
    const data = await createFamily({ name: 'Data', accountIds: ['BA-2'] });
    const response = await add(web.id, ['BA-3', 'BA-2']);
    expect(response.errors![0]).toMatchObject({
      message: 'account BA-2 already belongs to family "Data"',
      extensions: { code: 'CONFLICT', accountId: 'BA-2', familyName: 'Data' },
    });
    const families = await gateway.graphql('query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Family { name accounts { accountId } } } }', { ids: [web.id, data.id] });
    expect(families.data!.nodes).toEqual([
      { name: 'Web', accounts: [{ accountId: 'sub-1' }] },
      { name: 'Data', accounts: [{ accountId: 'BA-2' }] },
    ]);
  });

  it('reports unknown families, empty lists and accounts the family does not hold', async () => {
    const { id } = await createFamily({ name: 'Web', accountIds: ['sub-1'] });
    const missing = encodeGlobalID('Family', '00000000-0000-4000-8000-000000000000');
    expect((await add(missing, ['BA-1'])).errors![0]).toMatchObject({ message: `no family with id ${missing}`, extensions: { code: 'NOT_FOUND' } });
    expect((await remove(missing, ['BA-1'])).errors![0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    expect((await add(id, [])).errors![0]).toMatchObject({ message: 'give at least one account id to add', extensions: { code: 'BAD_USER_INPUT' } });
    expect((await remove(id, [])).errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect((await remove(id, ['sub-1', 'BA-1'])).errors![0]).toMatchObject({ message: 'account BA-1 is not in family "Web"', extensions: { code: 'BAD_USER_INPUT' } });
    expect(accountsOf(await add(id, ['BA-1']), 'addAccountsToFamily')).toEqual(['BA-1', 'sub-1']);
  });
});

describe('Family.costRecords', () => {
  const pageThrough = async (id: string, pageSize: number) => {
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { family } = await data(
        `query ($id: ID!, $first: Int!, $after: String) {
           family(id: $id) { costRecords(first: $first, after: $after) { totalCount edges { node { id subAccountId billingAccountId } } pageInfo { hasNextPage endCursor } } }
         }`,
        { id, first: pageSize, after },
      );
      ids.push(...family.costRecords.edges.map((edge: { node: { id: string } }) => edge.node.id));
      if (!family.costRecords.pageInfo.hasNextPage) return { ids, totalCount: family.costRecords.totalCount };
      after = family.costRecords.pageInfo.endCursor;
    }
  };

  it('holds the rows of the family rule, paged with after, and follows membership changes at once', async () => {
    // 200000000011 is a sub account of 100000000002; the rest of 100000000002's rows fall in the family by their billing account.
    const { id } = await createFamily({ name: 'Mixed', accountIds: ['sub-1', '100000000002'] });
    const expected = expectedRowCount(['sub-1', '100000000002']);
    expect(expected).toBeGreaterThan(50);
    const { ids, totalCount } = await pageThrough(id, 7);
    expect(totalCount).toBe(expected);
    expect(ids).toHaveLength(expected);
    expect(new Set(ids).size).toBe(expected);

    // A sub account moved to another family takes its rows with it.
    const other = await createFamily({ name: 'Secondary staging', accountIds: ['200000000011'] });
    expect((await pageThrough(other.id, 100)).totalCount).toBe(expectedRowCount(['200000000011'], ['sub-1', '100000000002']));
    const remaining = expectedRowCount(['sub-1', '100000000002'], ['200000000011']);
    expect(remaining).toBeLessThan(expected);
    expect((await pageThrough(id, 100)).totalCount).toBe(remaining);
  });

  it('pages backwards with last and before', async () => {
    const { id } = await createFamily({ name: 'Mixed', accountIds: ['100000000002'] });
    const forwards = (await pageThrough(id, 1000)).ids;
    const backwards: string[] = [];
    let before: string | null = null;
    for (;;) {
      const { family } = await data(
        `query ($id: ID!, $before: String) { family(id: $id) { costRecords(last: 9, before: $before) { edges { node { id } } pageInfo { hasPreviousPage startCursor } } } }`,
        { id, before },
      );
      backwards.unshift(...family.costRecords.edges.map((edge: { node: { id: string } }) => edge.node.id));
      if (!family.costRecords.pageInfo.hasPreviousPage) break;
      before = family.costRecords.pageInfo.startCursor;
    }
    expect(backwards).toEqual(forwards);
  });
});

describe('families', () => {
  it('lists families by name, forwards and backwards, with totalCount', async () => {
    const names = ['Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot', 'Golf'];
    for (const name of [...names].reverse()) await createFamily({ name });
    const page = async (args: string) => (await data(`{ families(${args}) { totalCount edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`)).families;

    const first = await page('first: 3');
    expect(first.totalCount).toBe(7);
    expect(first.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['Alpha', 'Bravo', 'Charlie']);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = await page(`first: 3, after: "${first.pageInfo.endCursor}"`);
    expect(second.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['Delta', 'Echo', 'Foxtrot']);
    expect(second.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const last = await page(`first: 3, after: "${second.pageInfo.endCursor}"`);
    expect(last.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['Golf']);
    expect(last.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    const back = await page(`last: 2, before: "${last.edges[0].cursor}"`);
    expect(back.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['Echo', 'Foxtrot']);
    expect(back.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const tail = await page('last: 2');
    expect(tail.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['Foxtrot', 'Golf']);
    expect(tail.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect((await page('first: 0')).edges).toEqual([]);
  });

  it('rejects oversized pages, tampered cursors and cursors of other connections', async () => {
    await createFamily({ name: 'Alpha' });
    const { families, billingAccounts } = await data('{ families { pageInfo { endCursor } } billingAccounts(first: 1) { pageInfo { endCursor } } }');
    const cursor: string = families.pageInfo.endCursor;
    expect(await failure('{ families(first: 1001) { totalCount } }')).toMatchObject({ message: 'first must be an integer from 0 to 1000; got 1001', extensions: { code: 'BAD_USER_INPUT' } });
    expect(await failure('{ families(last: 1001) { totalCount } }')).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    const tampered = Buffer.from(Buffer.from(cursor, 'base64url').toString().replace('Alpha', 'Bravo')).toString('base64url');
    expect(await failure(`{ families(after: "${tampered}") { totalCount } }`)).toMatchObject({ message: expect.stringContaining('altered'), extensions: { code: 'BAD_USER_INPUT' } });
    expect(await failure(`{ families(after: "${billingAccounts.pageInfo.endCursor}") { totalCount } }`)).toMatchObject({
      message: expect.stringContaining('different connection'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('finds families by global id through family(id:), node(id:) and nodes(ids:)', async () => {
    const web = await createFamily({ name: 'Web' });
    const data_ = await createFamily({ name: 'Data' });
    const result = await data('query ($a: ID!, $b: ID!) { family(id: $a) { name } node(id: $b) { id ... on Family { name } } nodes(ids: [$b, $a]) { ... on Family { name } } }', {
      a: web.id,
      b: data_.id,
    });
    expect(result).toEqual({ family: { name: 'Web' }, node: { id: data_.id, name: 'Data' }, nodes: [{ name: 'Data' }, { name: 'Web' }] });
    const missing = encodeGlobalID('Family', '00000000-0000-4000-8000-000000000000');
    expect((await data('query ($id: ID!) { family(id: $id) { name } }', { id: missing })).family).toBeNull();
    expect(await failure('{ family(id: "QmlsbGluZ0FjY291bnQ6QkEtMQ==") { name } }')).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});
