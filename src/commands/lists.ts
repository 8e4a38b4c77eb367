/** lists commands (being written). */
import type { CommandSpec } from './spec';

/** lists command specs. */
export const listCommands: CommandSpec[] = [];
