/** replication commands (being written). */
import type { CommandSpec } from './spec';

/** replication command specs. */
export const replicationCommands: CommandSpec[] = [];
