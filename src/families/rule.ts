/**
 * The family rule, defined once: a cost row belongs to the family holding its SubAccountId; a row whose
 * SubAccountId is in no family belongs to the family holding its BillingAccountId; otherwise to none.
 * Every query that groups, filters or resolves by family uses this expression, so membership edits apply at once.
 */
export function costRecordFamilyIdSql(costRecordAlias: string): string {
  // `main.`: on a scoped key's connection family_members is a view of the families it may see (src/auth/scope.ts);
  // a row's family is still its true family, whose name the key sees only when the family is in its scope.
  return `COALESCE(
    (SELECT fm.family_id FROM main.family_members fm WHERE fm.account_id = ${costRecordAlias}.sub_account_id),
    (SELECT fm.family_id FROM main.family_members fm WHERE fm.account_id = ${costRecordAlias}.billing_account_id))`;
}
