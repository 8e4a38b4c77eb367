/**
 * The replica side of replication: one async run loop of awaited steps with
 * Redis's state names (connect, connecting, receive_ping_reply, ...,
 * transfer, connected). Each step that fails logs in Redis's words and throws
 * a SyncError telling the loop whether to retry at once ("Reconnecting to
 * MASTER ... after failure") or at the next cron second ("Connecting to
 * MASTER ..."). Once synchronized, the master link is a Client (isMaster)
 * whose commands run through the executor; the exact bytes applied are
 * forwarded to our own backlog and sub-replicas.
 */
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from '../server/client';
import type { Server } from '../server/server';
import { ProtocolError } from '../protocol/parser';
import { encodeCommand } from '../protocol/reply';
import { Database } from '../keyspace/database';
import { RdbLoader, loadRdbFile } from '../persistence/rdb-load';
import { HeapLimitError } from '../server/eviction';
import { StreamReader, ReadError } from './stream-reader';
import { strerror } from '../util/strerror';
import type { Replication } from './replication';

/** Redis's repl_state names. */
export type ReplState =
  | 'none'
  | 'connect'
  | 'connecting'
  | 'receive_ping_reply'
  | 'send_handshake'
  | 'receive_auth_reply'
  | 'receive_port_reply'
  | 'receive_ip_reply'
  | 'receive_capa_reply'
  | 'send_psync'
  | 'receive_psync_reply'
  | 'transfer'
  | 'connected';

const HANDSHAKE_STATES = new Set<ReplState>([
  'receive_ping_reply',
  'send_handshake',
  'receive_auth_reply',
  'receive_port_reply',
  'receive_ip_reply',
  'receive_capa_reply',
  'send_psync',
  'receive_psync_reply',
]);

/** The state of a master we lost, kept to PSYNC from where we stopped. */
export interface CachedMaster {
  replid: string;
  reploff: number;
  readReploff: number;
  /** the db its stream had selected (-1: any, the stream starts with SELECT) */
  db: number;
  preSync: boolean;
}

/** A sync step failed (already logged); retry now or at the next cron second. */
export class SyncError extends Error {
  constructor(readonly retry: 'now' | 'later' | 'stop') {
    super(`replication sync failed (retry ${retry})`);
  }
}

/** One connection attempt: socket, reader, temp file. */
interface Attempt {
  gen: number;
  socket: net.Socket;
  reader: StreamReader;
  fd: number;
  tmpfile: string | null;
  /** set when cancelled from outside (timeouts, SLAVEOF): how to go on */
  aborted: 'now' | 'later' | 'stop' | null;
  /** the socket was handed to the master client */
  handedOver: boolean;
  /** we set server.loading */
  loading: boolean;
}

/** The link with our master once synchronized: a master client plus offsets. */
export class MasterLink {
  /** replication offset applied (reploff) */
  reploff: number;
  /** replication offset read (read_reploff) */
  readReploff: number;
  lastInteraction: number;
  protocolError = false;
  private raw: Buffer[] = [];
  /** bytes parsed but not applied yet (commands queued in MULTI) */
  private consumed = 0;

  constructor(
    private readonly side: ReplicaSide,
    readonly client: Client,
    readonly socket: net.Socket,
    public replid: string,
    reploff: number,
    readonly preSync: boolean,
  ) {
    this.reploff = reploff;
    this.readReploff = reploff;
    this.lastInteraction = client.server.now();
  }

  /** Bytes from the master. */
  onData(chunk: Buffer, counted: boolean): void {
    const c = this.client;
    if (c.closed || chunk.length === 0) return;
    const s = c.server;
    if (!counted) s.stats.netReplInputBytes += chunk.length;
    const now = s.now();
    this.lastInteraction = now;
    c.lastInteraction = now;
    this.readReploff += chunk.length;
    this.raw.push(chunk);
    c.parser.push(chunk);
    this.process();
  }

  /** Apply every complete command, then forward the applied bytes (also c.masterInput). */
  process(): void {
    const c = this.client;
    const s = c.server;
    let applied = 0;
    try {
      while (!c.closed && c.blocked === null) {
        const argv = c.parser.next();
        if (argv === null) break;
        this.consumed += c.parser.lastSize;
        s.executor.execute(c, argv);
        if (c.reply.out.length > 0) this.checkReply(argv);
        if (c.multi === null) {
          // Redis advances reploff only outside MULTI: a broken transaction is resent whole
          this.reploff += this.consumed;
          applied += this.consumed;
          this.consumed = 0;
        }
      }
    } catch (e) {
      if (e instanceof ProtocolError) {
        s.logger.warning(`Protocol error (${e.message}) from client: ${s.connections.clientInfoString(c)}`);
        this.protocolError = true;
        if (applied > 0) this.forward(applied);
        c.kill();
        return;
      }
      throw e;
    }
    if (applied > 0) this.forward(applied);
  }

  /** The master never gets replies; an error reply is worth a loud log (Redis's afterErrorReply). */
  private checkReply(argv: string[]): void {
    const c = this.client;
    const out = c.reply.out;
    c.reply.out = '';
    if (out[0] !== '-') return;
    const msg = out.slice(1, out.indexOf('\r\n') >= 0 ? out.indexOf('\r\n') : out.length);
    const last = c.lastCmd;
    const name = last !== null && (last.parent ?? last).name === argv[0].toLowerCase() ? last.fullName : '<unknown>';
    c.server.logger.warning(`== CRITICAL == This replica is sending an error to its master: '${msg}' after processing the command '${name}'`);
  }

  /** Hand the exact applied bytes to our backlog and sub-replicas. */
  private forward(n: number): void {
    const master = this.side.repl.master;
    while (n > 0 && this.raw.length > 0) {
      const b = this.raw[0];
      if (b.length <= n) {
        this.raw.shift();
        n -= b.length;
        master.feedRaw(b);
      } else {
        master.feedRaw(b.subarray(0, n));
        this.raw[0] = b.subarray(n);
        n = 0;
      }
    }
  }
}

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
  private retryDelay = 1000;
  /** syncs in a row aborted for lack of memory (the backoff grows with them) */
  private memoryFailures = 0;
  transferRead = 0;
  transferLastIo = 0;
  /** ms time the link went down (0: never up / up) */
  downSince = 0;
  private masterReplid = '';
  private masterInitialOffset = -1;
  private gen = 0;
  private attempt: Attempt | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private lastNewline = 0;

  constructor(readonly repl: Replication) {}

  private get server(): Server {
    return this.repl.server;
  }

  /** Whether the state is one of the handshake states (ROLE says "handshake"). */
  inHandshake(): boolean {
    return HANDSHAKE_STATES.has(this.state);
  }

  /** ROLE's replica state word. */
  roleState(): string {
    if (this.inHandshake()) return 'handshake';
    switch (this.state) {
      case 'none':
        return 'none';
      case 'connect':
        return 'connect';
      case 'connecting':
        return 'connecting';
      case 'transfer':
        return 'sync';
      case 'connected':
        return 'connected';
      default:
        return 'unknown';
    }
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
    this.cancelAttempt('stop');
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
    this.cancelAttempt('stop');
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

  // ------------------------------------------------------------ the run loop

  private startLoop(kind: 'connect' | 'reconnect'): void {
    this.stopLoop();
    const gen = this.gen;
    void this.loop(gen, kind);
  }

  private stopLoop(): void {
    this.gen++;
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
  }

  private sleep(ms: number, gen: number): Promise<void> {
    return new Promise((resolve) => {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (this.gen === gen) resolve();
      }, ms);
    });
  }

  private async loop(gen: number, kind: 'connect' | 'reconnect'): Promise<void> {
    let how: 'connect' | 'reconnect' | 'after-failure' = kind;
    for (;;) {
      const s = this.server;
      if (this.gen !== gen || this.masterHost === null || s.shuttingDown) return;
      const hp = `${this.masterHost}:${this.masterPort}`;
      s.logger.notice(how === 'connect' ? `Connecting to MASTER ${hp}` : how === 'reconnect' ? `Reconnecting to MASTER ${hp}` : `Reconnecting to MASTER ${hp} after failure`);
      let retry: 'now' | 'later' | 'stop';
      try {
        await this.syncWithMaster(gen);
        return; // the master link now lives on; losing it starts a new loop
      } catch (e) {
        if (e instanceof SyncError) retry = e.retry;
        else if (e instanceof ReadError) retry = this.attempt?.aborted ?? 'now';
        else {
          s.logger.warning(`Unexpected error in replication with MASTER: ${(e as Error).stack ?? e}`);
          retry = 'later';
        }
      }
      this.cleanupAttempt(gen);
      if (this.gen !== gen || retry === 'stop') return;
      this.state = 'connect';
      if (retry === 'now') {
        how = 'after-failure';
        continue;
      }
      how = 'connect';
      const delay = this.retryDelay;
      this.retryDelay = 1000;
      await this.sleep(delay, gen);
    }
  }

  /**
   * Give up this sync because the dataset cannot fit: log it, back off
   * (5 s, doubling to 5 minutes while it keeps failing: every retry costs the
   * master a full sync) and retry. Never a crash, never a tight loop.
   */
  private memoryAbort(why: string): never {
    this.memoryFailures++;
    const delay = Math.min(300_000, 5000 * 2 ** (this.memoryFailures - 1));
    this.retryDelay = delay;
    this.server.logger.warning(`MASTER <-> REPLICA sync: aborting the synchronization: ${why}. Retrying in ${delay / 1000} seconds.`);
    throw new SyncError('later');
  }

  /** Throw when this attempt was cancelled or superseded. */
  private check(att: Attempt): void {
    if (att.aborted !== null) throw new SyncError(att.aborted);
    if (this.gen !== att.gen) throw new SyncError('stop');
  }

  /** A read failed: cancelled from outside (silent), or log and fail the step. */
  private readFailed(att: Attempt, e: unknown, log: (why: string) => void, retry: 'now' | 'later'): never {
    if (att.aborted !== null || this.gen !== att.gen) this.check(att);
    if (!(e instanceof ReadError)) throw e;
    log(e.message);
    throw new SyncError(retry);
  }

  /** receiveSynchronousResponse() */
  private async recv(att: Attempt): Promise<string> {
    try {
      const line = await att.reader.readLine(0);
      this.transferLastIo = this.server.now();
      return line;
    } catch (e) {
      this.readFailed(
        att,
        e,
        (why) => {
          this.server.logger.warning(`Failed to read response from the server: ${why}`);
          this.server.logger.warning('Master did not respond to command during SYNC handshake');
        },
        'later',
      );
    }
  }

  /** connectWithMaster() + syncWithMaster() + readSyncBulkPayload(). */
  private async syncWithMaster(gen: number): Promise<void> {
    const s = this.server;
    const cfg = s.config;
    const log = s.logger;
    const host = this.masterHost as string;
    const port = this.masterPort;
    const socket = net.connect({ host, port, noDelay: true });
    const att: Attempt = {
      gen,
      socket,
      reader: new StreamReader(socket, (n) => (s.stats.netReplInputBytes += n)),
      fd: -1,
      tmpfile: null,
      aborted: null,
      handedOver: false,
      loading: false,
    };
    this.attempt = att;
    this.transferLastIo = s.now();
    this.state = 'connecting';
    log.notice('MASTER <-> REPLICA sync started');
    await new Promise<void>((resolve, reject) => {
      const onConnect = (): void => {
        socket.off('error', onError);
        socket.off('close', onClose);
        resolve();
      };
      const onError = (e: NodeJS.ErrnoException): void => {
        socket.off('connect', onConnect);
        socket.off('close', onClose);
        if (att.aborted !== null || this.gen !== gen) {
          reject(new SyncError(att.aborted ?? 'stop'));
          return;
        }
        log.warning(`Error condition on socket for SYNC: ${strerror(e)}`);
        reject(new SyncError('later'));
      };
      const onClose = (): void => {
        socket.off('connect', onConnect);
        socket.off('error', onError);
        reject(new SyncError(att.aborted ?? 'later'));
      };
      socket.once('connect', onConnect);
      socket.once('error', onError);
      socket.once('close', onClose);
    });
    this.check(att);
    log.notice('Non blocking connect for SYNC fired the event.');
    this.state = 'receive_ping_reply';
    socket.write(encodeCommand(['PING']), 'latin1');
    let reply = await this.recv(att);
    if (reply[0] !== '+' && !reply.startsWith('-NOAUTH') && !reply.startsWith('-NOPERM') && !reply.startsWith('-ERR operation not permitted')) {
      log.warning(`Error reply to PING from master: '${reply}'`);
      throw new SyncError('later');
    }
    log.notice('Master replied to PING, replication can continue...');

    this.state = 'send_handshake';
    const auth = cfg.str('masterauth');
    const user = cfg.str('masteruser');
    const announceIp = cfg.str('replica-announce-ip');
    let out = '';
    if (auth !== '') out += encodeCommand(user !== '' ? ['AUTH', user, auth] : ['AUTH', auth]);
    out += encodeCommand(['REPLCONF', 'listening-port', String(cfg.num('replica-announce-port') || s.port)]);
    if (announceIp !== '') out += encodeCommand(['REPLCONF', 'ip-address', announceIp]);
    out += encodeCommand(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
    socket.write(out, 'latin1');
    this.state = 'receive_auth_reply';
    if (auth !== '') {
      reply = await this.recv(att);
      if (reply[0] === '-') {
        log.warning(`Unable to AUTH to MASTER: ${reply}`);
        throw new SyncError('later');
      }
    }
    this.state = 'receive_port_reply';
    reply = await this.recv(att);
    if (reply[0] === '-') log.notice(`(Non critical) Master does not understand REPLCONF listening-port: ${reply}`);
    if (announceIp !== '') {
      this.state = 'receive_ip_reply';
      reply = await this.recv(att);
      if (reply[0] === '-') log.notice(`(Non critical) Master does not understand REPLCONF ip-address: ${reply}`);
    }
    this.state = 'receive_capa_reply';
    reply = await this.recv(att);
    if (reply[0] === '-') log.notice(`(Non critical) Master does not understand REPLCONF capa: ${reply}`);

    // PSYNC: with our cached master's history, or "? -1" for a full sync
    this.state = 'send_psync';
    this.masterInitialOffset = -1;
    let psyncId = '?';
    let psyncOff = '-1';
    if (this.cached !== null) {
      psyncId = this.cached.replid;
      psyncOff = String(this.cached.reploff + 1);
      log.notice(`Trying a partial resynchronization (request ${psyncId}:${psyncOff}).`);
    } else {
      log.notice('Partial resynchronization not possible (no cached master)');
    }
    const failover = this.repl.failover;
    const failingOver = failover.state === 'failover-in-progress';
    socket.write(encodeCommand(failingOver ? ['PSYNC', psyncId, psyncOff, 'FAILOVER'] : ['PSYNC', psyncId, psyncOff]), 'latin1');
    this.state = 'receive_psync_reply';
    for (;;) {
      try {
        reply = await att.reader.readLine(0);
      } catch (e) {
        this.readFailed(att, e, () => log.warning('Master did not reply to PSYNC, will try later'), 'later');
      }
      this.transferLastIo = s.now();
      if (reply.length > 0) break; // empty lines are keepalives while the master prepares
    }
    const result = this.psyncReply(att, reply);
    if (this.repl.failover.state === 'failover-in-progress') {
      if (result === 'continue' || result === 'fullresync') this.repl.failover.clear();
      else {
        this.repl.failover.abort('Failover target rejected psync request');
        throw new SyncError('stop');
      }
    }
    if (result === 'try_later') throw new SyncError('later');
    if (result === 'continue') {
      log.notice('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
      return;
    }
    if (result === 'not_supported') {
      log.notice('Retrying with SYNC...');
      socket.write('SYNC\r\n');
    }

    const diskless = this.useDisklessLoad();
    if (!diskless) {
      const name = `temp-${Math.floor(s.now() / 1000)}.${process.pid}.rdb`;
      const tmp = path.join(s.dataDir, name);
      try {
        att.fd = fs.openSync(tmp, 'wx', 0o644);
        att.tmpfile = tmp;
      } catch (e) {
        log.warning(`Opening the temp file needed for MASTER <-> REPLICA synchronization: ${(e as Error).message}`);
        throw new SyncError('later');
      }
    }
    this.state = 'transfer';
    this.transferSize = -1;
    this.transferRead = 0;
    this.transferLastIo = s.now();
    await this.readSyncBulkPayload(att, diskless);
  }

  /** slaveTryPartialResynchronization() reading half. */
  private psyncReply(att: Attempt, reply: string): 'continue' | 'fullresync' | 'not_supported' | 'try_later' {
    const s = this.server;
    const log = s.logger;
    if (reply.startsWith('+FULLRESYNC')) {
      const parts = reply.split(' ');
      if (parts.length < 3 || parts[1].length !== 40) {
        log.warning('Master replied with wrong +FULLRESYNC syntax.');
        this.masterReplid = '';
      } else {
        this.masterReplid = parts[1];
        this.masterInitialOffset = parseInt(parts[2], 10) || 0;
        log.notice(`Full resync from master: ${this.masterReplid}:${this.masterInitialOffset}`);
      }
      return 'fullresync';
    }
    if (reply.startsWith('+CONTINUE')) {
      log.notice('Successful partial resynchronization with master.');
      const cached = this.cached as CachedMaster;
      const newId = reply.slice(10).trim();
      if (newId.length === 40 && newId !== cached.replid) {
        log.warning(`Master replication ID changed to ${newId}`);
        this.repl.replid2 = cached.replid;
        this.repl.secondReplOffset = this.repl.masterReplOffset + 1;
        this.repl.replid = newId;
        cached.replid = newId;
        this.repl.master.disconnectSlaves();
      }
      this.resurrectCachedMaster(att);
      if (this.repl.backlog === null) this.repl.createBacklog();
      return 'continue';
    }
    if (reply.startsWith('-NOMASTERLINK') || reply.startsWith('-LOADING')) {
      log.notice(`Master is currently unable to PSYNC but should be in the future: ${reply}`);
      return 'try_later';
    }
    if (!reply.startsWith('-ERR')) log.warning(`Unexpected reply to PSYNC from master: ${reply}`);
    else log.notice(`Master does not support PSYNC or is in error state (reply: ${reply})`);
    return 'not_supported';
  }

  /** repl-diskless-load: load straight from the socket instead of a temp file. */
  private useDisklessLoad(): boolean {
    const mode = this.server.config.str('repl-diskless-load');
    if (mode === 'swapdb') return true;
    if (mode === 'on-empty-db') return this.server.dbs.every((d) => d.size === 0);
    return false;
  }

  /** readSyncBulkPayload(): "$<len>" or "$EOF:<mark>", then the RDB to disk or to the parser. */
  private async readSyncBulkPayload(att: Attempt, diskless: boolean): Promise<void> {
    const s = this.server;
    const log = s.logger;
    let line: string;
    for (;;) {
      try {
        line = await att.reader.readLine(0);
      } catch (e) {
        this.readFailed(att, e, (why) => log.warning(`I/O error reading bulk count from MASTER: ${why}`), 'now');
      }
      if (line[0] === '-') {
        log.warning(`MASTER aborted replication with an error: ${line.slice(1)}`);
        throw new SyncError('now');
      }
      if (line === '') {
        // a newline is the master's keepalive while it prepares the RDB
        this.transferLastIo = s.now();
        continue;
      }
      if (line[0] !== '$') {
        log.warning(`Bad protocol from MASTER, the first byte is not '$' (we received '${line}'), are you sure the host and port are right?`);
        throw new SyncError('now');
      }
      break;
    }
    const usemark = line.startsWith('$EOF:') && line.length - 5 >= 40;
    const mark = usemark ? Buffer.from(line.slice(5, 45), 'latin1') : null;
    if (usemark) {
      this.transferSize = 0;
      log.notice(`MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF ${diskless ? 'to parser' : 'to disk'}`);
    } else {
      this.transferSize = parseInt(line.slice(1), 10) || 0;
      log.notice(`MASTER <-> REPLICA sync: receiving ${this.transferSize} bytes from master ${diskless ? 'to parser' : 'to disk'}`);
      // an RDB is the compact form of a dataset: when even its bytes exceed the heap left, loading it would kill the process
      const room = s.eviction.heapAvailable();
      if (this.transferSize > room) {
        this.memoryAbort(`the master's RDB (${this.transferSize} bytes) is bigger than the memory this replica has left (${room} bytes)`);
      }
    }
    this.transferLastIo = s.now();
    if (diskless) await this.loadFromSocket(att, mark);
    else await this.transferToDisk(att, mark);
  }

  /** Disk load: write the RDB to the temp file, then flush, rename to dbfilename and load it. */
  private async transferToDisk(att: Attempt, mark: Buffer | null): Promise<void> {
    const s = this.server;
    const log = s.logger;
    let hold: Buffer = Buffer.alloc(0);
    let leftover: Buffer = Buffer.alloc(0);
    let done = mark === null && this.transferSize === 0;
    while (!done) {
      let chunk: Buffer;
      try {
        chunk = await att.reader.readChunk();
      } catch (e) {
        this.readFailed(att, e, () => log.warning('I/O error trying to sync with MASTER: connection lost'), 'now');
      }
      this.transferLastIo = s.now();
      if (mark !== null) {
        this.transferRead += chunk.length;
        const all = hold.length > 0 ? Buffer.concat([hold, chunk]) : chunk;
        if (all.length >= 40 && all.subarray(all.length - 40).equals(mark)) {
          this.writeTemp(att, all.subarray(0, all.length - 40));
          done = true;
        } else {
          const keep = Math.min(40, all.length);
          this.writeTemp(att, all.subarray(0, all.length - keep));
          hold = Buffer.from(all.subarray(all.length - keep));
        }
      } else {
        const left = this.transferSize - this.transferRead;
        if (chunk.length > left) {
          leftover = chunk.subarray(left);
          chunk = chunk.subarray(0, left);
        }
        this.writeTemp(att, chunk);
        this.transferRead += chunk.length;
        done = this.transferRead >= this.transferSize;
      }
    }
    this.check(att);
    try {
      fs.fsyncSync(att.fd);
    } catch (e) {
      log.warning(`Failed trying to sync the temp DB to disk in MASTER <-> REPLICA synchronization: ${(e as Error).message}`);
      throw new SyncError('now');
    }
    fs.closeSync(att.fd);
    att.fd = -1;
    // like Redis, stop reading the master while loading: its stream waits in the socket
    att.socket.pause();
    this.attachToNewMaster();
    // like Redis: the AOF describes the old data, so it stops now and restarts (with a rewrite) after the load
    this.repl.storage.stopAofForSync();
    log.notice('MASTER <-> REPLICA sync: Flushing old data');
    this.server.emptyData();
    log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
    const dbfilename = s.config.path('dbfilename');
    const dbfile = path.join(s.dataDir, dbfilename);
    try {
      fs.renameSync(att.tmpfile as string, dbfile);
      att.tmpfile = null;
    } catch (e) {
      log.warning(`Failed trying to rename the temp DB into ${dbfilename} in MASTER <-> REPLICA synchronization: ${(e as Error).message}`);
      throw new SyncError('now');
    }
    s.loading = true;
    att.loading = true;
    let loader: RdbLoader;
    try {
      loader = await loadRdbFile(s, dbfile, {
        keepExpired: true,
        onChunk: () => {
          this.transferLastIo = s.now();
          this.sendNewlineToMaster(att);
        },
      });
    } catch (e) {
      s.loading = false;
      att.loading = false;
      if (att.aborted === null && this.gen === att.gen) log.warning(`Failed trying to load the MASTER synchronization DB from disk: ${(e as Error).message}`);
      this.server.emptyData(); // never keep a half-loaded dataset
      this.check(att);
      if (e instanceof HeapLimitError) this.memoryAbort("the master's dataset does not fit in this replica's memory");
      throw new SyncError('now');
    }
    s.loading = false;
    att.loading = false;
    this.check(att);
    this.finishSync(att, loader.replInfo()?.streamDb ?? -1, mark !== null, leftover);
  }

  private writeTemp(att: Attempt, data: Buffer): void {
    if (data.length === 0) return;
    try {
      let off = 0;
      while (off < data.length) off += fs.writeSync(att.fd, data, off, data.length - off);
    } catch (e) {
      this.server.logger.warning(
        `Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: ${(e as Error).message}`,
      );
      throw new SyncError('now');
    }
  }

  /** Diskless load: parse the RDB as it arrives, into the live dbs (emptied first) or temporary ones (swapdb). */
  private async loadFromSocket(att: Attempt, mark: Buffer | null): Promise<void> {
    const s = this.server;
    const log = s.logger;
    const swap = s.config.str('repl-diskless-load') === 'swapdb';
    let target: Database[];
    let asyncLoading = false;
    if (swap) {
      target = s.dbs.map((_, i) => new Database(i, s));
      // same history: keep serving the old data while loading
      asyncLoading = this.repl.replid === this.masterReplid;
    } else {
      this.attachToNewMaster();
      this.repl.storage.stopAofForSync();
      log.notice('MASTER <-> REPLICA sync: Flushing old data');
      this.server.emptyData();
      target = s.dbs;
    }
    log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
    if (!asyncLoading) {
      s.loading = true;
      att.loading = true;
    }
    const loader = new RdbLoader(s, { dbs: target, keepExpired: true });
    let leftover: Buffer = Buffer.alloc(0);
    try {
      let left = mark === null ? this.transferSize : Infinity;
      while (!loader.done && left > 0) {
        let chunk: Buffer;
        try {
          chunk = await att.reader.readChunk();
        } catch (e) {
          this.check(att);
          throw new Error((e as Error).message === 'connection lost' ? 'Connection reset by peer' : (e as Error).message);
        }
        this.transferLastIo = s.now();
        if (chunk.length > left) {
          leftover = chunk.subarray(left);
          chunk = chunk.subarray(0, left);
        }
        left -= chunk.length;
        this.transferRead += chunk.length;
        loader.push(chunk);
        this.sendNewlineToMaster(att);
      }
      loader.end();
      if (mark !== null) {
        let tail = loader.takeRemaining();
        while (tail.length < 40) {
          let more: Buffer;
          try {
            more = await att.reader.readChunk();
          } catch (e) {
            this.check(att);
            throw new Error('Connection reset by peer');
          }
          tail = Buffer.concat([tail, more]);
        }
        if (!tail.subarray(0, 40).equals(mark)) {
          log.warning('Replication stream EOF marker is broken');
          throw new SyncError('now');
        }
        leftover = tail.subarray(40);
      } else {
        const rest = loader.takeRemaining();
        if (rest.length > 0) leftover = Buffer.concat([rest, leftover]);
      }
    } catch (e) {
      s.loading = false;
      att.loading = false;
      const silent = att.aborted !== null || this.gen !== att.gen;
      if (!silent && !(e instanceof SyncError)) log.warning(`Failed trying to load the MASTER synchronization DB from socket: ${(e as Error).message}`);
      if (swap) {
        if (!silent) log.notice('MASTER <-> REPLICA sync: Discarding temporary DB in background');
      } else this.server.emptyData(); // remove the half-loaded data
      this.check(att);
      if (e instanceof HeapLimitError) this.memoryAbort("the master's dataset does not fit in this replica's memory");
      throw new SyncError('now');
    }
    this.check(att);
    if (swap) {
      this.attachToNewMaster();
      this.repl.storage.stopAofForSync();
      log.notice('MASTER <-> REPLICA sync: Swapping active DB with loaded DB');
      for (const h of [...s.watch.snapshotHooks]) h.beforeWriteAll();
      for (let i = 0; i < s.dbs.length; i++) s.watch.touchWatchedKeysInDb(i, target[i]);
      for (let i = 0; i < s.dbs.length; i++) s.dbs[i].swapWith(target[i]);
      log.notice('MASTER <-> REPLICA sync: Discarding old DB in background');
    }
    s.dirty++;
    s.loading = false;
    att.loading = false;
    this.finishSync(att, loader.replInfo()?.streamDb ?? -1, mark !== null, leftover);
  }

  /** replicationAttachToNewMaster(): a new dataset: sub-replicas must resync, no PSYNC from the old history. */
  private attachToNewMaster(): void {
    this.discardCachedMaster();
    this.repl.master.disconnectSlaves();
    this.repl.freeBacklog();
  }

  /** The last part of readSyncBulkPayload(): the master client, our new history, the first ACK. */
  private finishSync(att: Attempt, streamDb: number, usemark: boolean, leftover: Buffer): void {
    const s = this.server;
    const rest = att.reader.detach();
    att.handedOver = true;
    this.attempt = null;
    const link = this.createMasterClient(att.socket, streamDb, this.masterReplid, this.masterInitialOffset, this.masterInitialOffset === -1);
    this.state = 'connected';
    this.downSince = 0;
    this.repl.replid = link.replid;
    this.repl.masterReplOffset = link.reploff;
    this.repl.clearReplicationId2();
    if (this.repl.backlog === null) this.repl.createBacklog();
    s.logger.notice('MASTER <-> REPLICA sync: Finished with success');
    this.memoryFailures = 0;
    this.repl.storage.restartAofAfterSync();
    if (usemark) this.sendAck();
    att.socket.resume();
    const bytes = leftover.length > 0 && rest.length > 0 ? Buffer.concat([leftover, rest]) : leftover.length > 0 ? leftover : rest;
    if (bytes.length > 0) link.onData(bytes, true);
  }

  /** replicationResurrectCachedMaster(): the cached master lives again on the new socket. */
  private resurrectCachedMaster(att: Attempt): void {
    const cached = this.cached as CachedMaster;
    this.cached = null;
    const rest = att.reader.detach();
    att.handedOver = true;
    this.attempt = null;
    const link = this.createMasterClient(att.socket, cached.db, cached.replid, cached.reploff, cached.preSync);
    this.state = 'connected';
    this.downSince = 0;
    if (rest.length > 0) setImmediate(() => link.onData(rest, true));
  }

  /** replicationCreateMasterClient() */
  private createMasterClient(socket: net.Socket, dbid: number, replid: string, reploff: number, preSync: boolean): MasterLink {
    const s = this.server;
    const c = new Client(s, socket);
    c.isMaster = true;
    c.authenticated = true;
    c.user = '(superuser)'; // the master link has no ACL user: CLIENT LIST shows user=(superuser), as Redis
    // the master's stream is limited neither by client-query-buffer-limit nor by proto-max-bulk-len
    c.parser.limits.master = true;
    if (dbid >= 0 && dbid < s.dbs.length) c.db = s.dbs[dbid];
    s.clients.set(c.id, c);
    const link = new MasterLink(this, c, socket, replid, reploff, preSync);
    socket.on('data', (d: Buffer) => link.onData(d, false));
    socket.on('error', () => {
      /* 'close' follows */
    });
    socket.on('close', () => {
      if (!c.closed) {
        c.closed = true;
        s.connections.unlinkClient(c);
      }
    });
    c.onClose.push(() => this.onMasterClosed(link));
    c.masterInput = () => link.process();
    this.link = link;
    return link;
  }

  /** freeClient(master): cache it for PSYNC and reconnect at once (replicationCacheMaster). */
  private onMasterClosed(link: MasterLink): void {
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

  /** Cancel the attempt in progress (connecting, handshake or transfer). */
  private cancelAttempt(how: 'now' | 'later' | 'stop'): boolean {
    const att = this.attempt;
    if (att === null) return false;
    att.aborted = how;
    att.reader.abort(new ReadError('aborted', 'aborted'));
    if (!att.handedOver) att.socket.destroy();
    if (how === 'stop') this.cleanupAttempt(att.gen);
    return true;
  }

  private cleanupAttempt(gen: number): void {
    const att = this.attempt;
    if (att === null || att.gen !== gen) return;
    this.attempt = null;
    att.reader.detach();
    if (!att.handedOver && !att.socket.destroyed) att.socket.destroy();
    if (att.fd >= 0) {
      try {
        fs.closeSync(att.fd);
      } catch {
        /* closed */
      }
      att.fd = -1;
    }
    if (att.tmpfile !== null) {
      fs.unlink(att.tmpfile, () => {});
      att.tmpfile = null;
    }
    if (att.loading) {
      this.server.loading = false;
      att.loading = false;
    }
    this.transferSize = -1;
    this.transferRead = 0;
  }

  // ------------------------------------------------------------ keepalives, ACKs, cron

  /** replicationSendNewlineToMaster(): at most once a second while loading. */
  private sendNewlineToMaster(att: Attempt): void {
    const sec = Math.floor(this.server.now() / 1000);
    if (sec === this.lastNewline) return;
    this.lastNewline = sec;
    if (!att.socket.destroyed) att.socket.write('\n');
  }

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
    const timeout = s.config.num('repl-timeout');
    const since = (t: number): number => Math.floor(now / 1000) - Math.floor(t / 1000);
    if ((this.state === 'connecting' || this.inHandshake()) && since(this.transferLastIo) > timeout) {
      s.logger.warning('Timeout connecting to the MASTER...');
      this.cancelAttempt('now');
    }
    if (this.state === 'transfer' && since(this.transferLastIo) > timeout) {
      s.logger.warning(
        "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.",
      );
      this.cancelAttempt('now');
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
    this.cancelAttempt('stop');
    if (this.link !== null) this.link.socket.destroy();
  }
}
