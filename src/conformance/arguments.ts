/** Typed access to the arguments of a CheckFunction node, failing loudly on a malformed model instead of guessing. */
import type { RuleNode } from './model.ts';

export function itemsOf(node: RuleNode): readonly RuleNode[] {
  if (!Array.isArray(node.Items) || node.Items.length === 0) throw new Error(`${String(node.CheckFunction)} without Items`);
  return node.Items;
}

export function stringArgument(node: RuleNode, name: string): string {
  const argument = node[name];
  if (typeof argument !== 'string') throw new Error(`${String(node.CheckFunction)} needs a string ${name}, got ${JSON.stringify(argument)}`);
  return argument;
}

export function numberArgument(node: RuleNode, name: string): number {
  const argument = node[name];
  if (typeof argument !== 'number') throw new Error(`${String(node.CheckFunction)} needs a number ${name}, got ${JSON.stringify(argument)}`);
  return argument;
}

export function stringArrayArgument(node: RuleNode, name: string): readonly string[] {
  const argument = node[name];
  if (!Array.isArray(argument) || !argument.every((item) => typeof item === 'string')) {
    throw new Error(`${String(node.CheckFunction)} needs a string array ${name}`);
  }
  return argument;
}
