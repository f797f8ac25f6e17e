/**
 * Reading the global ids clients send back as arguments. The relay plugin's own `globalID` arguments reject a bad id
 * without an error code; these say what was wrong with BAD_USER_INPUT, which clients can branch on.
 */
import { decodeGlobalID } from '@pothos/plugin-relay';
import { gatewayError } from './errors.ts';

/** The local id inside `globalId`, which must be an id of `typename`. */
export function decodeNodeId(globalId: string, typename: string): string {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    throw gatewayError('BAD_USER_INPUT', `${JSON.stringify(globalId)} is not a ${typename} id`);
  }
  if (decoded.typename !== typename) throw gatewayError('BAD_USER_INPUT', `${JSON.stringify(globalId)} is a ${decoded.typename} id, not a ${typename} id`);
  return decoded.id;
}

/** The row number inside a global id of a type whose local ids are row numbers (a node's `id.parse`). */
export function parseRowNumber(localId: string, typename: string): number {
  if (!/^[1-9]\d{0,14}$/.test(localId)) throw gatewayError('BAD_USER_INPUT', `${JSON.stringify(localId)} is not a ${typename} row number`);
  return Number(localId);
}

/** Like decodeNodeId, for types whose local ids are row numbers. */
export function decodeNumericNodeId(globalId: string, typename: string): number {
  return parseRowNumber(decodeNodeId(globalId, typename), typename);
}
