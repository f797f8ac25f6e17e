/** The whole schema: the root types, then every domain module's types and fields. */
import { lexicographicSortSchema, printSchema } from 'graphql';
import { FOCUS_VERSION } from '../focus/columns.ts';
import { builder } from './builder.ts';
import './cost-records.ts';
import './billing-accounts.ts';
import './families.ts';
import './commitments.ts';
import './metadata.ts';
import './links.ts';
import './analytics.ts';
import './exports.ts';

builder.queryType({ description: 'FinOps FOCUS 1.3 billing data: cost rows, commitments, accounts, families and aggregates.' });

builder.mutationType({ description: 'Changes to the gateway\'s own data (families) and export jobs.' });

builder.subscriptionType({ description: 'Live updates, over graphql-ws (WebSocket) or server-sent events on /graphql.' });

builder.queryField('focusVersion', (t) => t.string({ description: 'The FOCUS version this gateway serves.', resolve: () => FOCUS_VERSION }));

export const schema = builder.toSchema();

/** The SDL committed as schema.graphql; sorted so that module import order does not reorder the file. */
export function printGatewaySchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
