/** sets commands (being written). */
import type { CommandSpec } from './spec';

/** sets command specs. */
export const setCommands: CommandSpec[] = [];
