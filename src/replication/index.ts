/**
 * Installs replication on a server: the propagation sink (server.replFeed),
 * the role hooks the executor asks (isReplica, masterLinkUp,
 * hasGoodReplicas), the INFO replication section, the replication cron,
 * `replicaof` from the config, and clean shutdown. Also the helpers the
 * persistence code uses to store and restore replication IDs in RDB files.
 */
import type { Server } from '../server/server';
import type { RdbAuxInfo } from '../persistence/rdb/writer';
import { provideReplicationAux } from '../persistence/persistence';
import { Replication } from './replication';

const registry = new WeakMap<Server, Replication>();

/** The replication subsystem of a server (installed by installReplication). */
export function getReplication(server: Server): Replication {
  const r = registry.get(server);
  if (r === undefined) throw new Error('replication is not installed on this server');
  return r;
}

/** The replication subsystem if installed, else null. */
export function findReplication(server: Server): Replication | null {
  return registry.get(server) ?? null;
}

/**
 * The `repl` AUX info a SAVE/BGSAVE/SHUTDOWN should write (repl-stream-db,
 * repl-id, repl-offset), or undefined when the server is in no replication
 * chain (Redis's rdbPopulateSaveInfo). Pass it as RdbAuxInfo.repl.
 */
export function replicationAuxFields(server: Server): RdbAuxInfo['repl'] {
  const r = registry.get(server);
  return r?.saveInfo() ?? undefined;
}

/**
 * After loading an RDB at start-up, give it the file's AUX fields: a
 * replica gets a cached master to PSYNC with, a master keeps the history as
 * replid2 so its replicas can partially resync (Redis's loadDataFromDisk).
 */
export function applyReplicationAux(server: Server, aux: Map<string, string> | Record<string, string>): void {
  const r = registry.get(server);
  if (r === undefined) return;
  const get = (k: string): string | undefined => (aux instanceof Map ? aux.get(k) : aux[k]);
  const id = get('repl-id');
  const off = get('repl-offset');
  const db = get('repl-stream-db');
  if (id === undefined || off === undefined || db === undefined) return;
  r.restoreFromRdb({ id, offset: Number(off), streamDb: Number(db) });
}

/** Attach replication to a server (called by installSubsystems). */
export function installReplication(server: Server): void {
  if (registry.has(server)) return;
  const repl = new Replication(server);
  registry.set(server, repl);
  provideReplicationAux(server, { fields: () => replicationAuxFields(server), restore: (aux) => applyReplicationAux(server, aux) });
  server.replFeed = { feed: (db, argv) => repl.master.feedCommand(db, argv) };
  server.hooks.isReplica = () => repl.isReplica();
  server.hooks.masterLinkUp = () => repl.replica.state === 'connected';
  server.hooks.hasGoodReplicas = () => repl.master.hasGoodReplicas();
  server.hooks.info.set('replication', () => repl.info());
  const cfg = server.config;
  const target = cfg.get('replicaof') as { host: string; port: number } | null;
  if (target) repl.replica.configure(target.host, target.port);
  cfg.onChange('repl-backlog-size', () => repl.backlog?.resize(repl.backlogSize()));
  cfg.onChange('min-replicas-to-write', () => repl.master.refreshGoodSlaves());
  cfg.onChange('min-replicas-max-lag', () => repl.master.refreshGoodSlaves());
  server.cron.every('replication', 1000, () => {
    repl.replica.cron();
    repl.master.cron();
  });
  // the diskless delay is counted in seconds, but a sync should not wait for the next whole second
  server.cron.every('replication-fork', 100, () => repl.master.startPendingFork());
  server.afterListenHooks.push(() => {
    // after "Ready to accept connections", as Redis's first replicationCron run
    setImmediate(() => repl.replica.startAfterBoot());
    // SHUTDOWN first lets lagging replicas catch up, then the other subsystems (saving) run
    const inner = server.hooks.beforeShutdown;
    server.hooks.beforeShutdown = async (opts) => {
      await repl.master.beforeShutdown(opts);
      return inner(opts);
    };
  });
  server.hooks.onClose.push(() => {
    repl.replica.shutdown();
    repl.master.shutdown();
    repl.failover.shutdown();
  });
}
