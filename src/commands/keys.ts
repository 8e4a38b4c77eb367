/** keys commands (being written). */
import type { CommandSpec } from './spec';

/** keys command specs. */
export const keyCommands: CommandSpec[] = [];
