/** zsets commands (being written). */
import type { CommandSpec } from './spec';

/** zsets command specs. */
export const zsetCommands: CommandSpec[] = [];
