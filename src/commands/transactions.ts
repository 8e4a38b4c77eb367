/** transactions commands (being written). */
import type { CommandSpec } from './spec';

/** transactions command specs. */
export const transactionCommands: CommandSpec[] = [];
