/**
 * Three-valued (Kleene) truth, as in SQL: a comparison with a null cell is UNKNOWN rather than false. A rule is
 * violated only when its Requirement is FALSE, and it applies only when its Condition is TRUE, so "ServiceCategory
 * MUST be one of the allowed values" does not fire on a null (that is the nullability rule's job) and "when
 * ChargeCategory is Usage" does not hold for a null ChargeCategory. Numbers rather than booleans keep the compiled
 * checks monomorphic.
 */
export const FALSE = 0;
export const TRUE = 1;
export const UNKNOWN = 2;
export type Truth = typeof FALSE | typeof TRUE | typeof UNKNOWN;

export function truth(holds: boolean): Truth {
  return holds ? TRUE : FALSE;
}
