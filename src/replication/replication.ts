/**
 * Replication state of one server: the replication IDs and offsets shared by
 * both roles (Redis's server.replid, replid2, master_repl_offset,
 * second_replid_offset, repl_backlog), the master side serving our replicas,
 * the replica side following our master, and the INFO replication section.
 */
import type { Server, ShutdownOptions } from '../server/server';
import type { PropagationSink } from '../server/propagation';
import { Backlog } from './backlog';
import { NULL_REPLID, randomReplId } from './replid';
import { MasterSide } from './master';
import { ReplicaSide } from './replica/index';
import { Failover } from './failover';

/** Redis's CONFIG_REPL_BACKLOG_MIN_SIZE. */
export const BACKLOG_MIN_SIZE = 16 * 1024;

/** What replication needs from persistence during a full sync; passed in by the server so neither part imports the other. */
export interface ReplicationStorage {
  stopAofForSync(): void;
  restartAofAfterSync(): void;
}

/** The replication subsystem of a server. */
export class Replication {
  /** our replication history (master_replid) */
  replid = randomReplId();
  /** the history we came from, valid up to secondReplOffset (master_replid2) */
  replid2 = NULL_REPLID;
  /** master_repl_offset */
  masterReplOffset = 0;
  /** second_repl_offset */
  secondReplOffset = -1;
  /** null until the first replica attaches (or we sync from a master) */
  backlog: Backlog | null = null;
  readonly master: MasterSide;
  readonly replica: ReplicaSide;
  readonly failover: Failover;
  /** the propagation sink of a master: backlog and online replicas (SELECT added when the db changes) */
  readonly feed: PropagationSink;

  constructor(
    readonly server: Server,
    /** the AOF switch a full sync needs (stopped before the old data goes, restarted after the load) */
    readonly storage: ReplicationStorage,
  ) {
    this.master = new MasterSide(this);
    this.replica = new ReplicaSide(this);
    this.failover = new Failover(this);
    this.feed = { feed: (db, argv, big) => this.master.feedCommand(db, argv, big ?? null), wants: () => this.master.wantsCommands() };
    const cfg = server.config;
    cfg.onSettingChange('replBacklogSize', () => this.backlog?.resize(this.backlogSize()));
    cfg.onSettingChange('minReplicasToWrite', () => this.master.refreshGoodSlaves());
    cfg.onSettingChange('minReplicasMaxLag', () => this.master.refreshGoodSlaves());
    server.cron.every('replication', 1000, () => {
      this.replica.cron();
      this.master.cron();
    });
    // the diskless delay is counted in seconds, but a sync should not wait for the next whole second
    server.cron.every('replication-fork', 100, () => this.master.startPendingFork());
  }

  /** `replicaof` from the config file: a replica from the start (before loading, so the log says S). */
  configureFromConfig(): void {
    const target = this.server.config.settings.replicaof as { host: string; port: number } | null;
    if (target) this.replica.configure(target.host, target.port);
  }

  /** Once the data is loaded: connect to our master, after "Ready to accept connections" as Redis's first replicationCron run. */
  start(): void {
    setImmediate(() => this.replica.startAfterBoot());
  }

  /** SHUTDOWN: lagging replicas get a chance to catch up first. */
  async beforeShutdown(opts: ShutdownOptions): Promise<void> {
    await this.master.beforeShutdown(opts);
  }

  /** Close the links and timers. */
  shutdown(): void {
    this.replica.shutdown();
    this.master.shutdown();
    this.failover.shutdown();
  }

  /** Whether we replicate from a master (server.masterhost != NULL). */
  isReplica(): boolean {
    return this.replica.masterHost !== null;
  }

  /** changeReplicationId(): a new history starts. */
  changeReplicationId(): void {
    this.replid = randomReplId();
  }

  /** clearReplicationId2() */
  clearReplicationId2(): void {
    this.replid2 = NULL_REPLID;
    this.secondReplOffset = -1;
  }

  /** shiftReplicationId(): keep serving PSYNC for the old history up to our offset, start a new one. */
  shiftReplicationId(): void {
    this.replid2 = this.replid;
    this.secondReplOffset = this.masterReplOffset + 1;
    this.changeReplicationId();
    this.server.logger.warning(
      `Setting secondary replication ID to ${this.replid2}, valid up to offset: ${this.secondReplOffset}. New replication ID is ${this.replid}`,
    );
  }

  /** repl-backlog-size as applied (never below Redis's 16 KB minimum). */
  backlogSize(): number {
    return Math.max(this.server.config.settings.replBacklogSize, BACKLOG_MIN_SIZE);
  }

  /** createReplicationBacklog(): its first byte will be master_repl_offset + 1. */
  createBacklog(): void {
    this.backlog = new Backlog(this.backlogSize(), this.masterReplOffset);
  }

  /** freeReplicationBacklog() */
  freeBacklog(): void {
    this.backlog = null;
  }

  /** Append stream bytes to the backlog, advancing master_repl_offset (feedReplicationBuffer). */
  feedBacklog(data: string | Buffer): void {
    if (this.backlog === null) return;
    this.masterReplOffset += data.length;
    this.backlog.append(data);
  }

  /**
   * The replication info a SAVE/BGSAVE/full sync stores in the RDB (Redis's
   * rdbPopulateSaveInfo), or null when we are in no replication chain.
   */
  saveInfo(): { streamDb: number; id: string; offset: number } | null {
    let streamDb: number;
    if (!this.isReplica() && this.backlog !== null) streamDb = this.master.slaveSelDb === -1 ? 0 : this.master.slaveSelDb;
    else if (this.replica.link !== null) streamDb = this.replica.link.client.db.id;
    else if (this.replica.cached !== null) streamDb = Math.max(this.replica.cached.db, 0);
    else return null;
    return { streamDb, id: this.replid, offset: this.masterReplOffset };
  }

  /**
   * After loading an RDB at start-up: restore the replication ID and offset
   * its AUX fields carried (Redis's loadDataFromDisk), so a restarted replica
   * can PSYNC with its master and a restarted master can accept its
   * replicas' PSYNC.
   */
  restoreFromAux(aux: Map<string, string> | Record<string, string> | null): void {
    const get = (k: string): string | undefined => (aux === null ? undefined : aux instanceof Map ? aux.get(k) : aux[k]);
    const id = get('repl-id');
    const off = get('repl-offset');
    const db = get('repl-stream-db');
    const restored = id !== undefined && off !== undefined && db !== undefined && this.restoreFromRdb({ id, offset: Number(off), streamDb: Number(db) });
    // without a replication history in the file no PSYNC can continue it: the backlog that
    // took the load's DELs goes (master_repl_offset keeps counting them, as Redis 7.0)
    if (!restored && !this.isReplica() && this.master.links.length === 0) this.freeBacklog();
  }

  /**
   * loadDataFromDisk before an RDB load: a master creates its backlog so the
   * DELs of keys found expired in the file enter the stream (rdbLoad with
   * RDBFLAGS_FEED_REPL), and a replica that resyncs partially after the
   * restart gets them.
   */
  beginStartupLoad(): ((db: number, key: string) => void) | undefined {
    if (this.isReplica()) return undefined;
    if (this.backlog === null) this.createBacklog();
    return (db, key) => this.master.feedCommand(db, ['DEL', key]);
  }

  private restoreFromRdb(info: { id: string; offset: number; streamDb: number }): boolean {
    if (info.offset < 0 || info.streamDb < 0 || info.id.length !== 40) return false;
    if (this.isReplica()) {
      this.replid = info.id;
      this.masterReplOffset = info.offset;
      this.replica.cacheMasterUsingMyself();
      if (this.replica.cached) this.replica.cached.db = info.streamDb;
    } else {
      this.replid2 = info.id;
      this.secondReplOffset = info.offset + 1;
      this.masterReplOffset += info.offset;
      if (this.backlog === null) this.createBacklog();
      else this.backlog.rebase(info.offset);
      this.master.replNoSlavesSince = this.server.now();
    }
    return true;
  }

  /** Lines of INFO replication, in Redis's order. */
  info(): Array<[string, string | number]> {
    const s = this.server;
    const cfg = s.config;
    const out: Array<[string, string | number]> = [];
    const r = this.replica;
    const now = s.now();
    out.push(['role', this.isReplica() ? 'slave' : 'master']);
    if (this.isReplica()) {
      const link = r.link;
      const cached = r.cached;
      const reploff = link ? link.reploff : cached ? cached.reploff : 1;
      const readoff = link ? link.readReploff : cached ? cached.readReploff : 1;
      out.push(['master_host', r.masterHost as string]);
      out.push(['master_port', r.masterPort]);
      out.push(['master_link_status', r.state === 'connected' ? 'up' : 'down']);
      out.push(['master_last_io_seconds_ago', link ? Math.floor((now - link.lastInteraction) / 1000) : -1]);
      out.push(['master_sync_in_progress', r.state === 'transfer' ? 1 : 0]);
      out.push(['slave_read_repl_offset', readoff]);
      out.push(['slave_repl_offset', reploff]);
      if (r.state === 'transfer') {
        const size = r.transferSize;
        const read = r.transferRead;
        const perc = size ? (read / size) * 100 : 0;
        out.push(['master_sync_total_bytes', size]);
        out.push(['master_sync_read_bytes', read]);
        out.push(['master_sync_left_bytes', size - read]);
        out.push(['master_sync_perc', perc.toFixed(2)]);
        out.push(['master_sync_last_io_seconds_ago', Math.floor((now - r.transferLastIo) / 1000)]);
      }
      if (r.state !== 'connected') {
        out.push(['master_link_down_since_seconds', r.downSince ? Math.floor(now / 1000) - Math.floor(r.downSince / 1000) : -1]);
      }
      out.push(['slave_priority', cfg.settings.replicaPriority]);
      out.push(['slave_read_only', cfg.settings.replicaReadOnly ? 1 : 0]);
      out.push(['replica_announced', cfg.settings.replicaAnnounced ? 1 : 0]);
    }
    const m = this.master;
    out.push(['connected_slaves', m.links.length]);
    if (cfg.settings.minReplicasToWrite && cfg.settings.minReplicasMaxLag) out.push(['min_slaves_good_slaves', m.goodSlaves]);
    let id = 0;
    for (const l of m.links) {
      const state = l.infoState();
      const lag = l.state === 'online' ? Math.floor(now / 1000) - Math.floor(l.ackTime / 1000) : 0;
      out.push([`slave${id++}`, `ip=${l.ip()},port=${l.client.replListeningPort},state=${state},offset=${l.ackOffset},lag=${lag}`]);
    }
    const bl = this.backlog;
    out.push(['master_failover_state', this.failover.stateString()]);
    out.push(['master_replid', this.replid]);
    out.push(['master_replid2', this.replid2]);
    out.push(['master_repl_offset', this.masterReplOffset]);
    out.push(['second_repl_offset', this.secondReplOffset]);
    out.push(['repl_backlog_active', bl ? 1 : 0]);
    out.push(['repl_backlog_size', this.backlogSize()]);
    out.push(['repl_backlog_first_byte_offset', bl ? bl.offset : 0]);
    out.push(['repl_backlog_histlen', bl ? bl.histlen : 0]);
    return out;
  }
}
