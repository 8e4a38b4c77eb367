/** persistence commands (being written). */
import type { CommandSpec } from './spec';

/** persistence command specs. */
export const persistenceCommands: CommandSpec[] = [];
