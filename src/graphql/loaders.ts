/**
 * DataLoaders, one set per GraphQL operation (they live in the context's `loaders` map), so a page of rows that each
 * link to an account or family costs one batched query per link, not one per row.
 */
import DataLoader from 'dataloader';
import { inList, modelRows, type ModelName } from '../db/model-rows.ts';
import type { GraphQLContext } from './context.ts';

/**
 * The context's loader for `key`, created on first use. `key` is a module-level constant (a symbol or the batch
 * function itself) so every resolver that asks for the same data shares one loader.
 */
export function loader<K, V, C = K>(context: GraphQLContext, key: object | symbol, batch: DataLoader.BatchLoadFn<K, V>, options?: DataLoader.Options<K, V, C>): DataLoader<K, V, C> {
  let existing = context.loaders.get(key) as DataLoader<K, V, C> | undefined;
  if (!existing) {
    existing = new DataLoader<K, V, C>(batch, options);
    context.loaders.set(key, existing);
  }
  return existing;
}

/**
 * The rows of a model whose `column` is one of `values`, read through the context's connection: a scoped key's
 * connection shows only the rows in its scope (src/auth/scope.ts), which Prisma's own queries would not.
 */
export function rowsWithIds<T>(context: GraphQLContext, model: ModelName, column: string, values: readonly unknown[]): T[] {
  const { sql, params } = inList(column, values);
  return modelRows<T>(context.db, model, sql, params);
}
