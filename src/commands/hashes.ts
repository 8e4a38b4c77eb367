/** hashes commands (being written). */
import type { CommandSpec } from './spec';

/** hashes command specs. */
export const hashCommands: CommandSpec[] = [];
