/**
 * The replica side of a server's replication: the master we follow, Redis's
 * repl_state (read by INFO and ROLE), the cached master for PSYNC, and the
 * role changes (REPLICAOF host port / NO ONE) that start and stop the run
 * loop (run-loop.ts). Once synchronized, the master link (master-link.ts)
 * streams; the cron times out a silent master or a stalled handshake or
 * transfer and sends REPLCONF ACK.
 */
import type { Server } from '../../server/server';
import { encodeCommand } from '../../protocol/reply';
import type { Replication } from '../replication';
import type { SyncAttempt } from './attempt';
import type { MasterLink } from './master-link';
import { SyncCancelled } from './errors';
import { runLoop } from './run-loop';
import { isHandshakeState, roleStateWord, type CachedMaster, type ReplState } from './states';

/** The replica side of a server's replication. */
export class ReplicaSide {
  /** server.masterhost: null when we are a master */
  masterHost: string | null = null;
  masterPort = 0;
  state: ReplState = 'none';
  link: MasterLink | null = null;
  cached: CachedMaster | null = null;
  /** RDB transfer progress (INFO master_sync_*) */
  transferSize = -1;
  /** ms before the next attempt after a 'later' failure (longer after a sync that did not fit in memory) */
  retryDelay = 1000;
  /** syncs in a row aborted for lack of memory (the backoff grows with them) */
  memoryFailures = 0;
  transferRead = 0;
  transferLastIo = 0;
  /** ms time the link went down (0: never up / up) */
  downSince = 0;
  /** server.master_replid / master_initial_offset: what +FULLRESYNC announced (set by the PSYNC step) */
  masterReplid = '';
  masterInitialOffset = -1;
  /** the sync attempt in progress (connecting, handshake or transfer), for the cron's timeouts */
  attempt: SyncAttempt | null = null;
  /** the second of the last newline sent to the master while loading */
  lastNewline = 0;
  /** the run loop in progress: aborting it stops the loop */
  private run: AbortController | null = null;

  constructor(readonly repl: Replication) {}

  get server(): Server {
    return this.repl.server;
  }

  /** Whether the state is one of the handshake states (ROLE says "handshake"). */
  inHandshake(): boolean {
    return isHandshakeState(this.state);
  }

  /** ROLE's replica state word. */
  roleState(): string {
    return roleStateWord(this.state);
  }

  // ------------------------------------------------------------ role changes

  /** `replicaof host port` in the config: a replica from the start, connecting once listening. */
  configure(host: string, port: number): void {
    this.masterHost = host;
    this.masterPort = port;
    this.state = 'connect';
  }

  /** After start-up: begin connecting (the first cron run in Redis). */
  startAfterBoot(): void {
    if (this.masterHost !== null && this.state === 'connect' && this.attempt === null && this.link === null) this.startLoop('connect');
  }

  /** replicationSetMaster(): follow host:port. */
  setMaster(host: string, port: number): void {
    const s = this.server;
    const wasMaster = this.masterHost === null;
    this.masterHost = null;
    this.stopLoop();
    if (this.link !== null) this.link.client.kill();
    this.disconnectAllBlockedClients();
    this.masterHost = host;
    this.masterPort = port;
    s.config.setRaw('replicaof', { host, port });
    if (wasMaster) {
      this.discardCachedMaster();
      this.cacheMasterUsingMyself();
    }
    this.state = 'connect';
    this.startLoop('connect');
  }

  /** replicationUnsetMaster(): become a master, keeping our history as replid2. */
  unsetMaster(): void {
    if (this.masterHost === null) return;
    const s = this.server;
    this.masterHost = null;
    this.masterPort = 0;
    s.config.setRaw('replicaof', null);
    this.stopLoop();
    if (this.link !== null) this.link.client.kill();
    this.discardCachedMaster();
    this.repl.shiftReplicationId();
    this.repl.master.disconnectSlaves();
    this.state = 'none';
    this.repl.master.slaveSelDb = -1;
    this.repl.master.replNoSlavesSince = s.now();
    this.downSince = 0;
  }

  /** replicationCacheMasterUsingMyself(): PSYNC a new master with our own history. */
  cacheMasterUsingMyself(): void {
    this.server.logger.notice(
      'Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.',
    );
    const off = this.repl.masterReplOffset;
    this.cached = { replid: this.repl.replid, reploff: off, readReploff: off, db: -1, preSync: false };
  }

  /** replicationDiscardCachedMaster() */
  discardCachedMaster(): void {
    if (this.cached === null) return;
    this.server.logger.notice('Discarding previously cached master state.');
    this.cached = null;
  }

  /** disconnectAllBlockedClients(): clients blocked on a master make no sense on a replica. */
  private disconnectAllBlockedClients(): void {
    const s = this.server;
    for (const c of [...s.blocking.blockedClients]) {
      if (c.blocked === null || c.blocked.kind === 'pause') continue;
      c.reply.error('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');
      s.blocking.unblock(c, false);
      c.close();
    }
  }

  /** replicationAttachToNewMaster(): a new dataset: sub-replicas must resync, no PSYNC from the old history. */
  attachToNewMaster(): void {
    this.discardCachedMaster();
    this.repl.master.disconnectSlaves();
    this.repl.freeBacklog();
  }

  // ------------------------------------------------------------ the run loop

  private startLoop(how: 'connect' | 'reconnect'): void {
    this.stopLoop();
    const run = new AbortController();
    this.run = run;
    void runLoop(this, run.signal, how);
  }

  /** Abort the run loop (its attempt's socket is destroyed, its back-off wait ends) and free the attempt now. */
  private stopLoop(): void {
    if (this.run !== null) {
      this.run.abort(new SyncCancelled('stop'));
      this.run = null;
    }
    this.attempt?.dispose();
  }

  /** freeClient(master): cache it for PSYNC and reconnect at once (replicationCacheMaster). */
  onMasterClosed(link: MasterLink): void {
    if (this.link !== link) return;
    const s = this.server;
    this.link = null;
    if (!link.socket.destroyed) link.socket.destroy();
    if (s.shuttingDown) return;
    s.logger.warning('Connection with master lost.');
    if (!link.protocolError) {
      s.logger.notice('Caching the disconnected master state.');
      this.cached = { replid: link.replid, reploff: link.reploff, readReploff: link.reploff, db: link.client.db.id, preSync: link.preSync };
    }
    // replicationHandleMasterDisconnection()
    this.state = 'connect';
    this.downSince = s.now();
    if (this.masterHost !== null) this.startLoop('reconnect');
  }

  // ------------------------------------------------------------ ACKs, cron, shutdown

  /** replicationSendAck(): REPLCONF ACK <applied offset>. */
  sendAck(): void {
    const link = this.link;
    if (link === null || link.socket.destroyed) return;
    link.socket.write(encodeCommand(['REPLCONF', 'ACK', String(link.reploff)]), 'latin1');
  }

  /** The replica part of replicationCron (once a second). */
  cron(): void {
    if (this.masterHost === null) return;
    const s = this.server;
    const now = s.now();
    const timeout = s.config.settings.replTimeout;
    const since = (t: number): number => Math.floor(now / 1000) - Math.floor(t / 1000);
    if ((this.state === 'connecting' || this.inHandshake()) && since(this.transferLastIo) > timeout) {
      s.logger.warning('Timeout connecting to the MASTER...');
      this.attempt?.abort(new SyncCancelled('now'));
    }
    if (this.state === 'transfer' && since(this.transferLastIo) > timeout) {
      s.logger.warning(
        "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.",
      );
      this.attempt?.abort(new SyncCancelled('now'));
    }
    const link = this.link;
    if (this.state === 'connected' && link !== null && since(link.lastInteraction) > timeout) {
      s.logger.warning('MASTER timeout: no data nor PING received...');
      link.client.kill();
      return;
    }
    if (link !== null && !link.preSync) this.sendAck();
  }

  /** Server shutdown: stop everything without reconnecting. */
  shutdown(): void {
    this.stopLoop();
    if (this.link !== null) this.link.socket.destroy();
  }
}
