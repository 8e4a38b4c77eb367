/** server commands (being written). */
import type { CommandSpec } from './spec';

/** server command specs. */
export const serverCommands: CommandSpec[] = [];
