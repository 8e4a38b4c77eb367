/**
 * The master side of replication: one ReplicaLink per attached replica with
 * Redis's states (wait_bgsave_start, wait_bgsave_end, send_bulk, online),
 * PSYNC/SYNC handling (partial resync from the backlog, or a full sync from a
 * fork-less snapshot: the background save of persistence/background-save.ts
 * to disk then sent to the replicas, or straight to their sockets with $EOF:
 * framing), the command stream feed (SELECT when the db
 * changes, backlog, every replica), PING every repl-ping-replica-period,
 * REPLCONF, timeouts, output buffer limits, WAIT and min-replicas-to-write.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import type { Client, BlockState } from '../server/client';
import type { Server } from '../server/server';
import { encodeCommand, encodeCommandBytes } from '../protocol/reply';
import { RedisError, Err, cstr } from '../protocol/errors';
import { parseLongLong } from '../commands/util';
import { Snapshot, SnapshotAbortedError, snapshotInProgress, runningSnapshots, type SnapshotSink } from '../persistence/snapshot';
import { BackgroundSave } from '../persistence/background-save';
import type { OutputLimits } from '../config/directives';
import type { Replication } from './replication';

/** The full-sync snapshot walk yields to the event loop this often (ms): clients of the master keep a low p99 meanwhile. */
const REPL_SNAPSHOT_SLICE_MS = 1;

/** Redis's replica states as seen by the master. */
export type ReplicaLinkState = 'wait_bgsave_start' | 'wait_bgsave_end' | 'send_bulk' | 'online';

/** One attached replica (a client that sent SYNC or PSYNC). */
export class ReplicaLink {
  state: ReplicaLinkState = 'wait_bgsave_start';
  /** REPLCONF ACK offset */
  ackOffset = 0;
  /** ms time of the last ACK */
  ackTime: number;
  /** the offset the full sync snapshot was taken at */
  psyncInitialOffset = -1;
  /** came with the old SYNC: no +FULLRESYNC, no ACKs expected */
  preSync = false;
  /** stream bytes accumulated while the RDB is prepared / sent */
  pending: Array<string | Buffer> = [];
  pendingBytes = 0;
  /** stream bytes go straight to the socket */
  streaming = false;
  /** diskless: start the stream at the first REPLCONF ACK */
  startStreamOnAck = false;
  /** ms time a diskless transfer write could not complete (timeouts) */
  lastPartialWrite = 0;
  /** client-output-buffer-limit soft limit bookkeeping */
  softSince = 0;
  /** being closed for overcoming the output buffer limit */
  closing = false;
  private corked = false;

  /** peer address, kept: a destroyed socket forgets it, and the "lost" log line needs it */
  private readonly peerIp: string;

  constructor(
    readonly client: Client,
    now: number,
  ) {
    this.ackTime = now;
    const a = client.socket?.remoteAddress ?? '';
    this.peerIp = a.startsWith('::ffff:') ? a.slice(7) : a;
  }

  /** The replica's IP: its REPLCONF ip-address, else the peer address. */
  ip(): string {
    return this.client.replAnnounceIp !== '' ? this.client.replAnnounceIp : this.peerIp;
  }

  /** replicationGetSlaveName(): "ip:port" for logs. */
  name(): string {
    const ip = this.ip();
    if (ip === '') return `client id #${this.client.id}`;
    const host = ip.includes(':') ? `[${ip}]` : ip;
    return this.client.replListeningPort ? `${host}:${this.client.replListeningPort}` : `${ip}:<unknown-replica-port>`;
  }

  /** replstateToString() */
  infoState(): string {
    switch (this.state) {
      case 'wait_bgsave_start':
      case 'wait_bgsave_end':
        return 'wait_bgsave';
      default:
        return this.state;
    }
  }

  /** Write to the socket, batching writes of one event-loop turn into one syscall. */
  send(data: string | Buffer): void {
    const s = this.client.socket;
    if (s === null || this.client.closed) return;
    if (!this.corked) {
      this.corked = true;
      s.cork();
      process.nextTick(() => {
        this.corked = false;
        s.uncork();
      });
    }
    if (typeof data === 'string') s.write(data, 'latin1');
    else s.write(data);
  }
}

/** A running snapshot for replication. */
interface RdbJob {
  target: 'disk' | 'socket';
  snapshot: Snapshot;
  /** disk target: the background save writing the snapshot */
  save: BackgroundSave | null;
  /** socket target: the replicas being fed */
  links: Set<ReplicaLink>;
}

/** A client blocked in WAIT. */
interface Waiter {
  c: Client;
  offset: number;
  numreplicas: number;
  state: BlockState;
}

/** The master side of a server's replication. */
export class MasterSide {
  /** attached replicas in attach order (server.slaves) */
  readonly links: ReplicaLink[] = [];
  private readonly byClient = new Map<Client, ReplicaLink>();
  /** db of the last SELECT fed to the stream; -1 forces one */
  slaveSelDb = -1;
  /** ms time since when no replica is attached (repl-backlog-ttl) */
  replNoSlavesSince: number;
  /** replicas with lag <= min-replicas-max-lag */
  goodSlaves = 0;
  job: RdbJob | null = null;
  private cronLoops = 0;
  private ackRequested = false;
  private waitScheduled = false;
  private readonly waiting: Waiter[] = [];
  /** per client: master_repl_offset after its last propagated write (WAIT) */
  private readonly woff = new WeakMap<Client, number>();

  constructor(private readonly repl: Replication) {
    this.replNoSlavesSince = repl.server.now();
  }

  private get server(): Server {
    return this.repl.server;
  }

  // ------------------------------------------------------------ the stream

  /** server.replFeed: a command propagated by this master (SELECT added when the db changes). */
  feedCommand(db: number, argv: string[], big: ReadonlyMap<string, Buffer> | null = null): void {
    if (!this.wantsCommands()) return;
    if (this.slaveSelDb !== db) {
      this.feedBytes(encodeCommand(['SELECT', String(db)]));
      this.slaveSelDb = db;
    }
    this.feedBytes(big === null ? encodeCommand(argv) : encodeCommandBytes(argv, big));
    const c = this.server.executor.currentClient;
    if (c !== null) this.woff.set(c, this.repl.masterReplOffset);
  }

  /** Whether feedCommand() takes commands: a master with a backlog or replicas (replicas proxy their master's stream instead). */
  wantsCommands(): boolean {
    return !this.repl.isReplica() && (this.repl.backlog !== null || this.links.length > 0);
  }

  /** Bytes of our master's stream, applied here, forwarded unchanged to the backlog and sub-replicas. */
  feedRaw(data: Buffer): void {
    if (this.repl.backlog === null) return;
    this.feedBytes(data);
  }

  private feedBytes(data: string | Buffer): void {
    this.repl.feedBacklog(data);
    const n = data.length;
    for (const l of this.links) {
      if (l.state === 'wait_bgsave_start' || l.closing) continue;
      if (l.streaming) {
        l.send(data);
        this.server.stats.netReplOutputBytes += n;
      } else {
        l.pending.push(data);
        l.pendingBytes += n;
      }
      this.checkOutputLimit(l);
    }
  }

  /** client-output-buffer-limit replica: hard limit at once, soft limit after soft-seconds. */
  private checkOutputLimit(l: ReplicaLink): void {
    const lim = (this.server.config.settings.clientOutputBufferLimit as OutputLimits).replica;
    if (!lim || (lim.hard === 0 && lim.soft === 0)) return;
    const used = l.pendingBytes + (l.streaming ? (l.client.socket?.writableLength ?? 0) : 0);
    let over = lim.hard > 0 && used >= lim.hard;
    if (!over && lim.soft > 0 && used >= lim.soft) {
      const now = this.server.now();
      if (l.softSince === 0) l.softSince = now;
      else if (now - l.softSince > lim.softSeconds * 1000) over = true;
    } else if (used < lim.soft) l.softSince = 0;
    if (!over) return;
    l.closing = true;
    this.server.logger.warning(`Client ${this.server.connections.clientInfoString(l.client)} scheduled to be closed ASAP for overcoming of output buffer limits.`);
    setImmediate(() => l.client.kill());
  }

  // ------------------------------------------------------------ SYNC / PSYNC

  /**
   * Format: SYNC | PSYNC replid offset [FAILOVER]. Answers +CONTINUE and the
   * backlog, or +FULLRESYNC replid offset and an RDB (Redis's syncCommand).
   */
  syncCommand(c: Client, argv: string[]): void {
    if (c.isReplica) return;
    const s = this.server;
    const repl = this.repl;
    const psync = argv[0].toLowerCase() === 'psync';
    if (psync && argv.length > 3 && argv[3].toLowerCase() === 'failover') {
      s.logger.warning(`Failover request received for replid ${argv[1]}.`);
      if (!repl.isReplica()) throw new RedisError("ERR PSYNC FAILOVER can't be sent to a master.");
      if (argv[1].toLowerCase() !== repl.replid.toLowerCase()) throw new RedisError('ERR PSYNC FAILOVER replid must match my replid.');
      repl.replica.unsetMaster();
      s.logger.notice(`MASTER MODE enabled (failover request from '${s.connections.clientInfoString(c)}')`);
    }
    if (repl.failover.state !== 'no-failover') throw new RedisError("NOMASTERLINK Can't SYNC while failing over");
    if (repl.isReplica() && repl.replica.state !== 'connected') throw new RedisError("NOMASTERLINK Can't SYNC while not connected with my master");
    if (c.reply.out.length > 0) throw new RedisError('ERR SYNC and PSYNC are invalid with pending output');

    const link = new ReplicaLink(c, s.now());
    s.logger.notice(`Replica ${link.name()} asks for synchronization`);
    if (psync) {
      const off = parseLongLong(argv[2]);
      if (off === null) {
        s.logger.warning(`Replica ${link.name()} asks for synchronization but with a wrong offset`);
        throw new RedisError(Err.notInt);
      }
      if (this.tryPartialResync(link, argv[1], Number(off))) {
        s.stats.syncPartialOk++;
        return;
      }
      if (argv[1][0] !== '?') s.stats.syncPartialErr++;
    } else {
      link.preSync = true;
    }
    s.stats.syncFull++;
    if (s.config.settings.replDisableTcpNodelay) c.socket?.setNoDelay(false);
    this.attach(link);
    if (this.links.length === 1 && repl.backlog === null) {
      // a backlog created from scratch starts a new history
      repl.changeReplicationId();
      repl.clearReplicationId2();
      repl.createBacklog();
      s.logger.notice(`Replication backlog created, my new replication IDs are '${repl.replid}' and '${repl.replid2}'`);
    }
    const job = this.job;
    if (job !== null && job.target === 'disk') {
      const other = this.links.find((l) => l !== link && l.state === 'wait_bgsave_end');
      if (other !== undefined && (c.replCapaEof || !other.client.replCapaEof) && (c.replCapaPsync2 || !other.client.replCapaPsync2)) {
        // the snapshot in progress is good for this replica too: copy the stream accumulated since it started
        link.pending = other.pending.slice();
        link.pendingBytes = other.pendingBytes;
        this.setupFullResync(link, other.psyncInitialOffset);
        s.logger.notice('Waiting for end of BGSAVE for SYNC');
      } else {
        s.logger.notice("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
      }
    } else if (job !== null && job.target === 'socket') {
      s.logger.notice('Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC');
    } else if (runningSnapshots(s).some((x) => x.label === 'bgsave')) {
      // a BGSAVE of the persistence layer: no replica registers differences for it
      s.logger.notice("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
    } else if (s.config.settings.replDisklessSync && c.replCapaEof && s.config.settings.replDisklessSyncDelay > 0) {
      s.logger.notice('Delay next BGSAVE for diskless SYNC');
    } else if (!snapshotInProgress(s)) {
      this.startBgsaveForReplication(c.replCapaEof);
    } else {
      s.logger.notice('No BGSAVE in progress, but another BG operation is active. BGSAVE for replication delayed');
    }
  }

  /** masterTryPartialResynchronization(): true when +CONTINUE was sent with the backlog. */
  private tryPartialResync(link: ReplicaLink, replid: string, off: number): boolean {
    const repl = this.repl;
    const log = this.server.logger;
    const id = replid.toLowerCase();
    if (id !== repl.replid && (id !== repl.replid2 || off > repl.secondReplOffset)) {
      if (replid[0] !== '?') {
        if (id !== repl.replid && id !== repl.replid2) {
          log.notice(
            `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replid}', my replication IDs are '${repl.replid}' and '${repl.replid2}')`,
          );
        } else {
          log.notice(`Partial resynchronization not accepted: Requested offset for second ID was ${off}, but I can reply up to ${repl.secondReplOffset}`);
        }
      } else {
        log.notice(`Full resync requested by replica ${link.name()}`);
      }
      return false;
    }
    const bl = repl.backlog;
    if (bl === null || !bl.canServe(off)) {
      log.notice(`Unable to partial resync with replica ${link.name()} for lack of backlog (Replica request was: ${off}).`);
      if (off > repl.masterReplOffset) {
        log.warning(`Warning: replica ${link.name()} tried to PSYNC with an offset that is greater than the master replication offset.`);
      }
      return false;
    }
    const c = link.client;
    this.attach(link);
    link.state = 'online';
    link.ackTime = this.server.now();
    link.streaming = true;
    const data = bl.readFrom(off);
    const head = c.replCapaPsync2 ? `+CONTINUE ${repl.replid}\r\n` : '+CONTINUE\r\n';
    c.socket?.write(head, 'latin1');
    if (data.length > 0) c.socket?.write(data);
    this.server.stats.netReplOutputBytes += head.length + data.length;
    log.notice(`Partial resynchronization request from ${link.name()} accepted. Sending ${data.length} bytes of backlog starting from offset ${off}.`);
    this.refreshGoodSlaves();
    return true;
  }

  /** Turn the client into a replica of ours. */
  private attach(link: ReplicaLink): void {
    const c = link.client;
    c.isReplica = true;
    // a replica gets the stream, never replies (REPLCONF ACK is answered by nothing)
    c.reply.out = '';
    c.reply.enabled = false;
    this.links.push(link);
    this.byClient.set(c, link);
    c.onClose.push(() => this.onReplicaClosed(link));
  }

  private onReplicaClosed(link: ReplicaLink): void {
    const i = this.links.indexOf(link);
    if (i < 0) return;
    this.links.splice(i, 1);
    this.byClient.delete(link.client);
    const s = this.server;
    if (!s.shuttingDown) s.logger.warning(`Connection with replica ${link.name()} lost.`);
    const job = this.job;
    if (job !== null && job.links.delete(link) && job.target === 'socket' && job.links.size === 0) {
      s.logger.warning('Diskless rdb transfer, last replica dropped, killing fork child.');
      job.snapshot.abort();
    }
    if (this.links.length === 0) this.replNoSlavesSince = s.now();
    this.refreshGoodSlaves();
  }

  /** replicationSetupSlaveForFullResync(): +FULLRESYNC and start accumulating the stream. */
  private setupFullResync(l: ReplicaLink, offset: number): void {
    l.psyncInitialOffset = offset;
    l.state = 'wait_bgsave_end';
    this.slaveSelDb = -1;
    if (!l.preSync) {
      const line = `+FULLRESYNC ${this.repl.replid} ${offset}\r\n`;
      l.client.socket?.write(line, 'latin1');
      this.server.stats.netReplOutputBytes += line.length;
    }
  }

  /** startBgsaveForReplication(): snapshot to disk or to the waiting replicas' sockets. */
  private startBgsaveForReplication(mincapaEof: boolean): void {
    const s = this.server;
    const socketTarget = s.config.settings.replDisklessSync && mincapaEof;
    s.logger.notice(`Starting BGSAVE for SYNC with target: ${socketTarget ? 'replicas sockets' : 'disk'}`);
    const rsi = this.repl.saveInfo();
    let ok = false;
    if (rsi === null) {
      s.logger.warning("BGSAVE for replication: replication information not available, can't generate the RDB file right now. Try later.");
    } else {
      ok = socketTarget ? this.saveToSockets(rsi) : this.saveToDisk(rsi);
    }
    if (!ok) {
      s.logger.warning('BGSAVE for replication failed');
      for (const l of [...this.links]) {
        if (l.state !== 'wait_bgsave_start') continue;
        const i = this.links.indexOf(l);
        this.links.splice(i, 1);
        this.byClient.delete(l.client);
        l.client.isReplica = false;
        l.client.socket?.write("-ERR BGSAVE failed, replication can't continue\r\n");
        l.client.close();
      }
    }
  }

  /** Diskless: one snapshot streamed to every waiting replica with $EOF:<mark> framing. */
  private saveToSockets(rsi: { streamDb: number; id: string; offset: number }): boolean {
    const s = this.server;
    const targets = this.links.filter((l) => l.state === 'wait_bgsave_start');
    const mark = crypto.randomBytes(20).toString('hex');
    const job: RdbJob = { target: 'socket', links: new Set(targets), snapshot: null as unknown as Snapshot, save: null };
    const sink: SnapshotSink = { write: (chunk) => this.fanOut(job, chunk) };
    job.snapshot = new Snapshot(s, sink, { aux: { repl: rsi }, label: 'replication-socket', sliceMs: REPL_SNAPSHOT_SLICE_MS });
    const offset = this.repl.masterReplOffset;
    for (const l of targets) {
      this.setupFullResync(l, offset);
      l.client.socket?.write(`$EOF:${mark}\r\n`, 'latin1');
    }
    this.job = job;
    const done = job.snapshot.start();
    s.logger.notice(`Background RDB transfer started by pid ${process.pid}`);
    done.then(
      () => {
        let up = 0;
        for (const l of job.links) {
          if (l.client.closed) continue;
          up++;
          l.client.socket?.write(mark, 'latin1');
          s.stats.netReplOutputBytes += mark.length;
        }
        s.logger.warning(`Diskless rdb transfer, done reading from pipe, ${up} replicas still up.`);
        s.logger.notice('Background RDB transfer terminated with success');
        this.job = null;
        this.updateSlavesWaitingBgsave(true, 'socket', '');
        this.startPendingFork();
      },
      (err) => {
        s.logger.warning(err instanceof SnapshotAbortedError ? 'Background transfer terminated by signal 10' : `Background transfer error: ${(err as Error).message}`);
        this.job = null;
        this.updateSlavesWaitingBgsave(false, 'socket', '');
        this.startPendingFork();
      },
    );
    return true;
  }

  /** Write one RDB chunk to every replica of a diskless transfer; resolves when the slowest drained. */
  private fanOut(job: RdbJob, chunk: Buffer): boolean | Promise<unknown> {
    const waits: Array<Promise<void>> = [];
    let alive = 0;
    for (const l of job.links) {
      const sock = l.client.socket;
      if (sock === null || l.client.closed) continue;
      alive++;
      this.server.stats.netReplOutputBytes += chunk.length;
      if (sock.write(chunk)) continue;
      l.lastPartialWrite = this.server.now();
      waits.push(
        new Promise<void>((resolve) => {
          const done = (): void => {
            sock.off('drain', done);
            sock.off('close', done);
            l.lastPartialWrite = 0;
            resolve();
          };
          sock.on('drain', done);
          sock.on('close', done);
        }),
      );
    }
    if (alive === 0) {
      job.snapshot.abort();
      return true;
    }
    return waits.length === 0 ? true : Promise.all(waits);
  }

  /** Disk target: the one background save (temp-<pid>.rdb renamed to dbfilename), then sent to each replica. */
  private saveToDisk(rsi: { streamDb: number; id: string; offset: number }): boolean {
    const s = this.server;
    const dbfile = path.join(s.dataDir, s.config.path('dbfilename'));
    const save: BackgroundSave = new BackgroundSave(s, dbfile, {
      aux: { repl: rsi },
      label: 'replication-disk',
      sliceMs: REPL_SNAPSHOT_SLICE_MS,
      onDone: (result) => {
        if (result === 'killed') {
          // shutdown() killed it; these are the lines a full sync has always logged then
          s.logger.warning('Background saving terminated by signal 10');
          s.logger.warning('Background saving error');
        }
        this.job = null;
        this.updateSlavesWaitingBgsave(result === 'ok', 'disk', dbfile);
        this.startPendingFork();
      },
    });
    const job: RdbJob = { target: 'disk', links: new Set(), snapshot: save.snapshot, save };
    const offset = this.repl.masterReplOffset;
    this.job = job;
    for (const l of this.links) {
      if (l.state !== 'wait_bgsave_start') continue;
      this.setupFullResync(l, offset);
      job.links.add(l);
    }
    return true;
  }

  /** updateSlavesWaitingBgsave(): the snapshot ended; move its replicas on. */
  private updateSlavesWaitingBgsave(ok: boolean, type: 'disk' | 'socket', file: string): void {
    const s = this.server;
    for (const l of [...this.links]) {
      if (l.state !== 'wait_bgsave_end') continue;
      if (!ok) {
        setImmediate(() => l.client.kill());
        s.logger.warning('SYNC failed. BGSAVE child returned an error');
        continue;
      }
      if (type === 'socket') {
        s.logger.notice(`Streamed RDB transfer with replica ${l.name()} succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming`);
        this.putOnline(l);
        l.startStreamOnAck = true;
      } else {
        let size: number;
        try {
          size = fs.statSync(file).size;
        } catch (e) {
          setImmediate(() => l.client.kill());
          s.logger.warning(`SYNC failed. Can't open/stat DB after BGSAVE: ${(e as Error).message}`);
          continue;
        }
        l.state = 'send_bulk';
        this.sendBulk(l, file, size);
      }
    }
  }

  /** sendBulkToSlave(): "$<len>\r\n" then the file, respecting the socket's back-pressure. */
  private sendBulk(l: ReplicaLink, file: string, size: number): void {
    const s = this.server;
    const sock = l.client.socket;
    if (sock === null || l.client.closed) return;
    const pre = `$${size}\r\n`;
    sock.write(pre, 'latin1');
    s.stats.netReplOutputBytes += pre.length;
    const rs = fs.createReadStream(file, { highWaterMark: 1 << 16 });
    const onClose = (): void => {
      rs.destroy();
    };
    l.client.onClose.push(onClose);
    rs.on('data', (chunk) => {
      const b = chunk as Buffer;
      s.stats.netReplOutputBytes += b.length;
      if (!sock.write(b)) {
        rs.pause();
        sock.once('drain', () => rs.resume());
      }
    });
    rs.on('error', (e) => {
      s.logger.warning(`Read error sending DB to replica: ${e.message}`);
      l.client.kill();
    });
    rs.on('end', () => {
      if (l.client.closed) return;
      this.putOnline(l);
      this.startCommandStream(l);
    });
  }

  /** replicaPutOnline() */
  private putOnline(l: ReplicaLink): void {
    l.state = 'online';
    l.ackTime = this.server.now();
    this.refreshGoodSlaves();
    this.server.logger.notice(`Synchronization with replica ${l.name()} succeeded`);
  }

  /** replicaStartCommandStream(): send what accumulated during the sync, then stream directly. */
  private startCommandStream(l: ReplicaLink): void {
    l.startStreamOnAck = false;
    const sock = l.client.socket;
    for (const d of l.pending) {
      if (sock === null || l.client.closed) break;
      if (typeof d === 'string') sock.write(d, 'latin1');
      else sock.write(d);
      this.server.stats.netReplOutputBytes += d.length;
    }
    l.pending = [];
    l.pendingBytes = 0;
    l.streaming = true;
  }

  /** replicationStartPendingFork(): start a snapshot for waiting replicas when the diskless delay allows. */
  startPendingFork(): void {
    const s = this.server;
    if (this.job !== null || snapshotInProgress(s)) return;
    const waiting = this.links.filter((l) => l.state === 'wait_bgsave_start');
    if (waiting.length === 0) return;
    const nowSec = Math.floor(s.now() / 1000);
    let maxIdle = 0;
    let mincapaEof = true;
    for (const l of waiting) {
      const idle = nowSec - Math.floor(l.client.lastInteraction / 1000);
      if (idle > maxIdle) maxIdle = idle;
      if (!l.client.replCapaEof) mincapaEof = false;
    }
    const cfg = s.config;
    const maxReplicas = cfg.settings.replDisklessSyncMaxReplicas;
    if (!cfg.settings.replDisklessSync || (maxReplicas > 0 && waiting.length >= maxReplicas) || maxIdle >= cfg.settings.replDisklessSyncDelay) {
      this.startBgsaveForReplication(mincapaEof);
    }
  }

  // ------------------------------------------------------------ REPLCONF

  /** Format: REPLCONF <option> <value> [<option> <value> ...] (listening-port, ip-address, capa, ack, getack, rdb-only, rdb-filter-only). */
  replconfCommand(c: Client, argv: string[]): void {
    if (argv.length % 2 === 0) throw new RedisError(Err.syntax);
    for (let j = 1; j < argv.length; j += 2) {
      const opt = argv[j].toLowerCase();
      const val = argv[j + 1];
      if (opt === 'listening-port') {
        const p = parseLongLong(val);
        if (p === null) throw new RedisError(Err.notInt);
        c.replListeningPort = Number(p);
      } else if (opt === 'ip-address') {
        if (val.length >= 256) throw new RedisError(`ERR REPLCONF ip-address provided by replica instance is too long: ${val.length} bytes`);
        c.replAnnounceIp = val;
      } else if (opt === 'capa') {
        const v = val.toLowerCase();
        if (v === 'eof') c.replCapaEof = true;
        else if (v === 'psync2') c.replCapaPsync2 = true;
      } else if (opt === 'ack') {
        const link = this.byClient.get(c);
        if (link === undefined) return;
        const off = parseLongLong(val);
        if (off === null) return;
        this.ackReceived(link, Number(off));
        return;
      } else if (opt === 'getack') {
        if (this.repl.isReplica()) this.repl.replica.sendAck();
        return;
      } else if (opt === 'rdb-only') {
        const v = parseLongLong(val);
        if (v === null) throw new RedisError(Err.notInt);
        if (v < 0n || v > 1n) throw new RedisError('ERR value is out of range, must be between 0 and 1');
      } else if (opt === 'rdb-filter-only') {
        if (val.trim() !== '' && val.toLowerCase() !== 'functions') throw new RedisError(`ERR Unsupported rdb-filter-only option: ${cstr(val)}`);
      } else {
        throw new RedisError(`ERR Unrecognized REPLCONF option: ${cstr(argv[j])}`);
      }
    }
    c.reply.ok();
  }

  private ackReceived(l: ReplicaLink, off: number): void {
    if (off > l.ackOffset) l.ackOffset = off;
    l.ackTime = this.server.now();
    if (l.startStreamOnAck && l.state === 'online') this.startCommandStream(l);
    if (this.waiting.length > 0 && !this.waitScheduled) {
      this.waitScheduled = true;
      setImmediate(() => {
        this.waitScheduled = false;
        this.processWaiting();
      });
    }
  }

  // ------------------------------------------------------------ WAIT / min-replicas

  /** Replicas that acknowledged `offset` (replicationCountAcksByOffset). */
  countAcks(offset: number): number {
    let n = 0;
    for (const l of this.links) if (l.state === 'online' && l.ackOffset >= offset) n++;
    return n;
  }

  /** Format: WAIT numreplicas timeout. Blocks until that many replicas acknowledged this client's last write. */
  waitCommand(c: Client, argv: string[]): void {
    const s = this.server;
    if (this.repl.isReplica()) {
      throw new RedisError(
        'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
      );
    }
    const nr = parseLongLong(argv[1]);
    if (nr === null) throw new RedisError(Err.notInt);
    const t = parseLongLong(argv[2]);
    if (t === null) throw new RedisError('ERR timeout is not an integer or out of range');
    if (t < 0n) throw new RedisError('ERR timeout is negative');
    const numreplicas = Number(nr);
    const offset = this.woff.get(c) ?? 0;
    const acked = this.countAcks(offset);
    if (acked >= numreplicas || c.multi !== null) {
      c.reply.int(acked);
      return;
    }
    const st: BlockState = {
      kind: 'wait',
      keys: [],
      db: c.db.id,
      timeoutAt: t > 0n ? s.now() + Number(t) : 0,
      tryServe: () => false,
      onTimeout: () => {
        this.dropWaiter(w);
        c.reply.int(this.countAcks(offset));
      },
      argv,
    };
    const w: Waiter = { c, offset, numreplicas, state: st };
    s.blocking.block(c, st);
    this.waiting.push(w);
    this.requestAcks();
  }

  /** Ask every replica for an ACK before the event loop sleeps (REPLCONF GETACK *). */
  requestAcks(): void {
    if (this.ackRequested) return;
    this.ackRequested = true;
    setImmediate(() => {
      this.ackRequested = false;
      const s = this.server;
      if (s.pause.until !== 0 && s.now() < s.pause.until) return;
      this.feedCommand(this.slaveSelDb, ['REPLCONF', 'GETACK', '*']);
    });
  }

  private dropWaiter(w: Waiter): void {
    const i = this.waiting.indexOf(w);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  /** processClientsWaitingReplicas() */
  private processWaiting(): void {
    for (let i = 0; i < this.waiting.length; i++) {
      const w = this.waiting[i];
      if (w.c.blocked !== w.state || w.c.closed) {
        this.waiting.splice(i--, 1);
        continue;
      }
      const n = this.countAcks(w.offset);
      if (n >= w.numreplicas) {
        this.waiting.splice(i--, 1);
        w.c.reply.int(n);
        this.server.blocking.unblock(w.c, true);
      }
    }
  }

  /** refreshGoodSlavesCount() */
  refreshGoodSlaves(): void {
    const cfg = this.server.config;
    const maxLag = cfg.settings.minReplicasMaxLag;
    if (!cfg.settings.minReplicasToWrite || !maxLag) return;
    const nowSec = Math.floor(this.server.now() / 1000);
    let good = 0;
    for (const l of this.links) if (l.state === 'online' && nowSec - Math.floor(l.ackTime / 1000) <= maxLag) good++;
    this.goodSlaves = good;
  }

  /** checkGoodReplicasStatus(): whether min-replicas-to-write lets writes through. */
  hasGoodReplicas(): boolean {
    // asked before every write: the two settings are re-read only when the config changed
    const cfg = this.server.config;
    if (cfg.version !== this.minReplicasVersion) {
      this.minReplicasVersion = cfg.version;
      this.minReplicasToWrite = cfg.settings.minReplicasMaxLag ? cfg.settings.minReplicasToWrite : 0;
    }
    return this.minReplicasToWrite === 0 || this.repl.isReplica() || this.goodSlaves >= this.minReplicasToWrite;
  }
  private minReplicasVersion = -1;
  /** min-replicas-to-write, 0 when it or min-replicas-max-lag is 0 (the check is off). */
  private minReplicasToWrite = 0;

  // ------------------------------------------------------------ misc

  /** disconnectSlaves(): they will resync (partially when they can). */
  disconnectSlaves(): void {
    for (const l of [...this.links]) l.client.kill();
  }

  /** The attached replica of a client, if any. */
  linkOf(c: Client): ReplicaLink | undefined {
    return this.byClient.get(c);
  }

  /** findReplica(host, port): an attached replica by its announced address. */
  findReplica(host: string, port: number): ReplicaLink | undefined {
    return this.links.find((l) => l.ip().toLowerCase() === host.toLowerCase() && l.client.replListeningPort === port);
  }

  /** The master part of replicationCron (once a second). */
  cron(): void {
    const s = this.server;
    const cfg = s.config;
    const now = s.now();
    const nowSec = Math.floor(now / 1000);
    // Redis's loop 0 runs as the server starts, before any replica can attach: no PING
    // then, so a master with replicas and no writes stays at offset 0
    if (this.cronLoops % cfg.settings.replPingReplicaPeriod === 0 && this.cronLoops > 0 && this.links.length > 0) {
      const failingOver = this.repl.failover.endTime !== 0 && s.pause.until !== 0;
      if (!failingOver) this.feedCommand(this.slaveSelDb, ['PING']);
    }
    for (const l of this.links) {
      const presync = l.state === 'wait_bgsave_start' || (l.state === 'wait_bgsave_end' && this.job?.target !== 'socket');
      if (presync) l.client.socket?.write('\n');
    }
    const timeout = cfg.settings.replTimeout;
    for (const l of [...this.links]) {
      if (l.state === 'online') {
        if (l.preSync) continue;
        if (nowSec - Math.floor(l.ackTime / 1000) > timeout) {
          s.logger.warning(`Disconnecting timedout replica (streaming sync): ${l.name()}`);
          l.client.kill();
          continue;
        }
      }
      if (l.state === 'wait_bgsave_end' && this.job?.target === 'socket' && l.lastPartialWrite !== 0 && nowSec - Math.floor(l.lastPartialWrite / 1000) > timeout) {
        s.logger.warning(`Disconnecting timedout replica (full sync): ${l.name()}`);
        l.client.kill();
      }
    }
    const ttl = cfg.settings.replBacklogTtl;
    if (this.links.length === 0 && ttl > 0 && this.repl.backlog !== null && !this.repl.isReplica()) {
      if (nowSec - Math.floor(this.replNoSlavesSince / 1000) > ttl) {
        this.repl.changeReplicationId();
        this.repl.clearReplicationId2();
        this.repl.freeBacklog();
        s.logger.notice(`Replication backlog freed after ${ttl} seconds without connected replicas.`);
      }
    }
    this.startPendingFork();
    this.refreshGoodSlaves();
    // clients that left WAIT by disconnecting
    for (const w of [...this.waiting]) if (w.c.closed || w.c.blocked !== w.state) this.dropWaiter(w);
    this.cronLoops++;
  }

  /** isReadyToShutdown(): every replica acknowledged our whole stream. */
  private readyToShutdown(): boolean {
    return this.links.every((l) => l.ackOffset === this.repl.masterReplOffset);
  }

  /**
   * prepareForShutdown's replica part: unless SHUTDOWN NOW, pause writes and
   * give lagging replicas up to shutdown-timeout seconds to catch up, then
   * log who is behind (Redis 7.0's finishShutdown).
   */
  async beforeShutdown(opts: { now: boolean }): Promise<void> {
    const s = this.server;
    if (this.links.length === 0 || this.repl.isReplica()) return;
    const timeout = s.config.settings.shutdownTimeout;
    if (!opts.now && timeout > 0 && !this.readyToShutdown()) {
      const paused = s.pause.until !== 0 && s.now() < s.pause.until;
      if (!paused) this.feedCommand(this.slaveSelDb, ['REPLCONF', 'GETACK', '*']);
      s.pause.pause(2147483647, true);
      s.logger.notice('Waiting for replicas before shutting down.');
      const end = s.now() + timeout * 1000;
      while (s.now() < end && !this.readyToShutdown()) await new Promise((r) => setTimeout(r, 50));
      s.pause.unpause();
    }
    let lagging = 0;
    const nowSec = Math.floor(s.now() / 1000);
    for (const l of this.links) {
      if (l.ackOffset === this.repl.masterReplOffset) continue;
      lagging++;
      const lag = l.state === 'online' ? nowSec - Math.floor(l.ackTime / 1000) : 0;
      s.logger.warning(
        `Lagging replica ${l.name()} reported offset ${this.repl.masterReplOffset - l.ackOffset} behind master, lag=${lag}, state=${l.infoState()}.`,
      );
    }
    s.logger.notice(`${this.links.length - lagging} of ${this.links.length} replicas are in sync when shutting down.`);
  }

  /** Server shutdown: stop snapshots (a background save's temp file is removed). */
  shutdown(): void {
    const job = this.job;
    if (job === null) return;
    if (job.save !== null) job.save.kill();
    else job.snapshot.abort();
  }
}
