/**
 * The one table of commands: what `setMyCommands` publishes, what /help lists, and the usage
 * line and example a command answers with when its arguments are wrong (DESIGN.md §2). Each row
 * lives in the feature file of its command (features/*.ts); this is their concatenation, in
 * the registry's order (features/index.ts).
 */
import type { Api } from 'grammy';
import { findCommandIn, type CommandSpec } from './features/feature.js';
import { featureRegistry } from './features/index.js';

export type { CommandSpec } from './features/feature.js';

export const COMMANDS: readonly CommandSpec[] = featureRegistry().commands;

export function commandSpec(name: string): CommandSpec {
  const spec = COMMANDS.find((c) => c.name === name);
  if (!spec) throw new Error(`no command "${name}" in the command table`);
  return spec;
}

export function findCommand(name: string): CommandSpec | undefined {
  return findCommandIn(COMMANDS, name);
}

/** Publishes the command menu (setMyCommands) from the table, so the menu and /help never disagree. */
export async function syncCommands(bot: { api: Api }, commands: readonly CommandSpec[] = COMMANDS): Promise<void> {
  await bot.api.setMyCommands(commands.map((c) => ({ command: c.name, description: c.description })));
}
