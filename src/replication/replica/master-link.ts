/**
 * The stream from our master once synchronized: the master link is a Client
 * (isMaster) whose commands run through the executor (no replies, no
 * READONLY check); the exact bytes it applied are forwarded to our own
 * backlog and sub-replicas, so a chain shares one replid and offset space.
 * Also the two ways a sync attempt ends by handing its socket to it: after a
 * full sync, and a cached master resurrected by +CONTINUE.
 */
import { sdsrepr } from '../../config/parse';
import type * as net from 'node:net';
import { Client } from '../../server/client';
import { ProtocolError } from '../../protocol/parser';
import type { SyncAttempt } from './attempt';
import type { ReplicaSide } from './replica-side';
import type { CachedMaster } from './states';

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

  /** The master's socket closed: the master client goes (side.onMasterClosed follows from its onClose). */
  socketClosed(): void {
    const c = this.client;
    if (c.closed) return;
    c.closed = true;
    c.server.connections.unlinkClient(c);
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
        let argv = c.pendingArgv;
        c.pendingArgv = null;
        if (argv === null) {
          argv = c.parser.next();
          if (argv === null) break;
          this.consumed += c.parser.lastSize;
          if (c.parser.bigArgs !== null) c.adoptBigArgs();
        }
        if (!s.executor.execute(c, argv)) {
          // a busy script: the stream waits (accumulating) until it ends, then this runs again
          c.pendingArgv = argv;
          break;
        }
        if (c.reply.out.length > 0) this.checkReply(argv, applied + this.consumed);
        if (c.multi === null) {
          c.bigArgs = null;
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

  /**
   * The master never gets replies; an error reply means this replica did not
   * apply what its master did, which must never pass in silence (Redis's
   * afterErrorReply): a warning naming the command, the latest stream bytes
   * up to and including the command (showLatestBacklog), and INFO stats
   * unexpected_error_replies (the error itself is in errorstats).
   * `upTo` is how many not yet forwarded bytes of this.raw end with the command.
   */
  private checkReply(argv: string[], upTo: number): void {
    const c = this.client;
    const out = c.reply.out;
    c.reply.out = '';
    c.reply.big = null;
    if (out[0] !== '-') return;
    const s = c.server;
    const msg = out.slice(1, out.indexOf('\r\n') >= 0 ? out.indexOf('\r\n') : out.length);
    const last = c.lastCmd;
    const name = last !== null && (last.parent ?? last).name === argv[0].toLowerCase() ? last.fullName : '<unknown>';
    s.logger.warning(`== CRITICAL == This replica is sending an error to its master: '${msg.slice(0, 4096)}' after processing the command '${name}'`);
    s.stats.unexpectedErrorReplies++;
    s.logger.warning(`Latest backlog is: '${sdsrepr(this.latestStream(upTo, 256)).slice(1, -1)}'`);
  }

  /** The last `max` bytes of the master's stream up to the current command: our backlog's tail, then the bytes not yet forwarded. */
  private latestStream(upTo: number, max: number): string {
    const parts: Buffer[] = [];
    let n = 0;
    for (const b of this.raw) {
      if (n >= upTo) break;
      const take = Math.min(b.length, upTo - n);
      parts.push(b.subarray(0, take));
      n += take;
    }
    let pending = Buffer.concat(parts);
    if (pending.length < max) {
      const bl = this.side.repl.backlog;
      if (bl !== null && bl.histlen > 0) {
        const want = Math.min(max - pending.length, bl.histlen);
        pending = Buffer.concat([bl.readFrom(bl.endOffset - want + 1).subarray(0, want), pending]);
      }
    }
    return pending.subarray(Math.max(0, pending.length - max)).toString('latin1');
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

/** The last part of readSyncBulkPayload(): the master client, our new history, the first ACK. */
export function streamAfterFullSync(att: SyncAttempt, streamDb: number, usemark: boolean, leftover: Buffer): void {
  const side = att.side;
  const s = att.server;
  const rest = att.handOver();
  const link = createMasterClient(side, att.socket, streamDb, side.masterReplid, side.masterInitialOffset, side.masterInitialOffset === -1);
  side.state = 'connected';
  side.downSince = 0;
  side.repl.replid = link.replid;
  side.repl.masterReplOffset = link.reploff;
  side.repl.clearReplicationId2();
  if (side.repl.backlog === null) side.repl.createBacklog();
  s.logger.notice('MASTER <-> REPLICA sync: Finished with success');
  side.memoryFailures = 0;
  side.repl.storage.restartAofAfterSync();
  if (usemark) side.sendAck();
  att.socket.resume();
  const bytes = leftover.length > 0 && rest.length > 0 ? Buffer.concat([leftover, rest]) : leftover.length > 0 ? leftover : rest;
  if (bytes.length > 0) link.onData(bytes, true);
  closeIfGone(link);
}

/**
 * The master may close the connection while the payload is still being
 * loaded (a master turned into a replica drops its replicas): the socket's
 * 'close' then fired before the master client listened for it, and the link
 * would look up forever. Treat it as closed once what it sent is applied.
 */
function closeIfGone(link: MasterLink): void {
  if (link.socket.destroyed) setImmediate(() => link.socketClosed());
}

/**
 * replicationResurrectCachedMaster(): the cached master lives again on the
 * new socket. The bytes read along with +CONTINUE (the start of the backlog)
 * are applied on the next turn of the loop, as Redis reads the stream after
 * the PSYNC step; the socket is paused until then, or its next reads would
 * be applied first and the stream parsed from the middle of a command
 * (found by npm run chaos: a replica restarted from its RDB resyncing 75 KB).
 */
export function streamFromCachedMaster(att: SyncAttempt): void {
  const side = att.side;
  const cached = side.cached as CachedMaster;
  side.cached = null;
  const rest = att.handOver();
  const link = createMasterClient(side, att.socket, cached.db, cached.replid, cached.reploff, cached.preSync);
  side.state = 'connected';
  side.downSince = 0;
  if (rest.length > 0) {
    att.socket.pause();
    setImmediate(() => {
      link.onData(rest, true);
      att.socket.resume();
    });
  }
  closeIfGone(link);
}

/** replicationCreateMasterClient() */
function createMasterClient(side: ReplicaSide, socket: net.Socket, dbid: number, replid: string, reploff: number, preSync: boolean): MasterLink {
  const s = side.server;
  const c = new Client(s, socket);
  c.isMaster = true;
  c.authenticated = true;
  c.aclUser = null; // the master link has no ACL user: no checks, CLIENT LIST shows user=(superuser), as Redis
  // the master's stream is limited neither by client-query-buffer-limit nor by proto-max-bulk-len
  c.parser.limits.master = true;
  if (dbid >= 0 && dbid < s.dbs.length) c.db = s.dbs[dbid];
  s.clients.set(c.id, c);
  const link = new MasterLink(side, c, socket, replid, reploff, preSync);
  socket.on('data', (d: Buffer) => link.onData(d, false));
  socket.on('error', () => {
    /* 'close' follows */
  });
  socket.on('close', () => link.socketClosed());
  c.onClose.push(() => side.onMasterClosed(link));
  c.masterInput = () => link.process();
  side.link = link;
  return link;
}
