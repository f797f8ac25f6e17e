/**
 * References to the graph's main object types, declared apart from their implementations so that each domain module
 * can link to the others (CostRecord.billingAccount, BillingAccount.costRecords, ...) without import cycles.
 */
import type { BillingAccount, Commitment, Family } from '../generated/prisma/client.ts';
import { builder } from './builder.ts';

/** A cost_records row as SQLite returns it: snake_case columns (`FocusColumn.dbColumn`), epoch-ms date-times. */
export type CostRecordRow = { id: number; batch_id: number; extra_columns: string | null } & Record<string, unknown>;

export const CostRecordRef = builder.objectRef<CostRecordRow>('CostRecord');
export const CommitmentRef = builder.objectRef<Commitment>('Commitment');
export const BillingAccountRef = builder.objectRef<BillingAccount>('BillingAccount');
export const FamilyRef = builder.objectRef<Family>('Family');
