/**
 * The command table: every family's specs compiled into Command objects,
 * keyed by lowercase name. One table per Server (stats live on the commands).
 */
import { Command, type CommandSpec } from './spec';
import { connectionCommands } from './connection';
import { stringCommands } from './strings';
import { bitmapCommands } from './bitmaps';
import { keyCommands } from './keys';
import { serverCommands } from './server';
import { listCommands } from './lists';
import { hashCommands } from './hashes';
import { setCommands } from './sets';
import { sortCommands } from './sort';
import { zsetCommands } from './zsets';
import { hyperloglogCommands } from './hyperloglog';
import { geoCommands } from './geo';
import { streamCommands } from './streams';
import { transactionCommands } from './transactions';
import { pubsubCommands } from './pubsub';
import { replicationCommands } from './replication';
import { persistenceCommands } from './persistence';
import { scriptingCommands } from './scripting';
import { functionCommands } from './functions';
import { aclCommands } from './acl';

/** All specs, in family order. */
export const ALL_SPECS: CommandSpec[] = [
  ...connectionCommands,
  ...stringCommands,
  ...bitmapCommands,
  ...keyCommands,
  ...serverCommands,
  ...listCommands,
  ...hashCommands,
  ...setCommands,
  ...sortCommands,
  ...zsetCommands,
  ...hyperloglogCommands,
  ...geoCommands,
  ...streamCommands,
  ...transactionCommands,
  ...pubsubCommands,
  ...replicationCommands,
  ...persistenceCommands,
  ...scriptingCommands,
  ...functionCommands,
  ...aclCommands,
];

/** Build a fresh table (per server). */
export function buildCommandTable(): Map<string, Command> {
  const m = new Map<string, Command>();
  for (const s of ALL_SPECS) {
    if (m.has(s.name)) throw new Error(`duplicate command ${s.name}`);
    m.set(s.name, new Command(s, null));
  }
  return m;
}
