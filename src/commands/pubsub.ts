/** pubsub commands (being written). */
import type { CommandSpec } from './spec';

/** pubsub command specs. */
export const pubsubCommands: CommandSpec[] = [];
