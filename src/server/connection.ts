/**
 * Client connections: accepting a socket (maxclients, protected mode), reading
 * into one shared buffer, pipelining (run every complete command of a read,
 * write the replies once), protocol errors, the output buffer limits and
 * backpressure, and unlinking a client from every index when it goes.
 */
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import type * as tls from 'node:tls';
import { Client } from './client';
import { DirectWriter } from './direct-write';
import type { Server } from './server';
import { ArgsAhead, ProtocolError, QueryBufferLimitError, WARM_MAX } from '../protocol/parser';

const DENIED_PROTECTED_MODE =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/** Keys in a database from which a pipelined batch's keys are warmed (Connections.warm): below it all fits in the caches. */
const WARM_KEYS = 1 << 16;
const AHEAD = new ArgsAhead();

/** The client connections of one server. */
export class Connections {
  constructor(private readonly server: Server) {}

  /**
   * A listener accepted a socket: a paused TCP or unix socket, or (`secure`)
   * a TLS socket whose handshake is done.
   */
  accept(accepted: net.Socket, srv: net.Server, secure = false): void {
    const server = this.server;
    if (server.shuttingDown) {
      accepted.destroy();
      return;
    }
    if (secure) {
      const refused = server.tls.refuseClient(accepted as tls.TLSSocket);
      if (refused !== null) {
        server.logger.verbose(`Error accepting a client connection: ${refused}`);
        accepted.destroy();
        return;
      }
    }
    let c: Client | null = null;
    // TLS sockets read through their TLS layer ('data' events); plain ones into the shared buffer
    const adopted = secure
      ? null
      : adoptWithSharedReadBuffer(accepted, srv, (n) => {
          if (c !== null) this.onData(c, SHARED_READ.subarray(0, n), true);
        });
    const socket = adopted ?? accepted;
    if (adopted === null) socket.resume();
    socket.on('error', () => {
      /* reset by peer etc.: 'close' follows */
    });
    socket.setNoDelay(true);
    const ka = server.config.settings.tcpKeepalive;
    if (ka > 0) socket.setKeepAlive(true, ka * 1000);
    if (server.clients.size >= server.config.settings.maxclients) {
      server.stats.rejectedConnections++;
      // written, then closed at once (the descriptor is what is short), as Redis does
      socket.end('-ERR max number of clients reached\r\n', () => socket.destroy());
      return;
    }
    if (this.protectedModeRejects(socket)) {
      server.stats.rejectedConnections++;
      socket.end(DENIED_PROTECTED_MODE, () => socket.destroy());
      return;
    }
    const client = new Client(server, socket);
    c = client;
    server.clients.set(client.id, client);
    server.stats.totalConnections++;
    if (adopted === null) socket.on('data', (chunk: Buffer) => this.onData(client, chunk));
    socket.on('close', () => {
      if (!client.closed) {
        client.closed = true;
        this.unlinkClient(client);
      }
    });
    const drained = (): void => {
      client.softLimitSince = 0;
      if (client.onDrain) client.onDrain();
    };
    socket.on('drain', drained);
    // replies of a plain socket go to its handle directly (TLS ones through the TLS layer's Writable)
    if (!secure) client.direct = DirectWriter.for(socket, () => socket.destroy(), drained);
  }

  private protectedModeRejects(socket: net.Socket): boolean {
    // Redis 7.0 applies protected mode whatever the bind addresses are (only a password or protected-mode no lifts it)
    if (!this.server.config.settings.protectedMode || this.server.requiresAuth()) return false;
    const ip = socket.remoteAddress ?? '';
    return !(ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1' || ip === '' || ip.startsWith('127.') || ip.startsWith('::ffff:127.'));
  }

  /**
   * Bytes arrived on a client socket: parse and run every complete command, then write the replies at the end of the event-loop turn (flushLater).
   * `shared`: chunk is SHARED_READ's memory, reused by the next read: what is left unparsed is copied.
   */
  onData(c: Client, chunk: Buffer, shared = false): void {
    if (c.closed) return;
    const stats = this.server.stats;
    stats.netInputBytes += chunk.length;
    stats.totalReadsProcessed++;
    const now = this.server.now();
    c.lastInteraction = now;
    c.parser.push(chunk);
    this.processInput(c, now);
    if (shared) c.parser.own();
  }

  /**
   * Before the next commands of a pipelined batch run (up to WARM_MAX of
   * them; processInput calls this again for each next WARM_MAX), bring into
   * the cache what their key lookups will read (KeyTable.warm): in a big keyspace each lookup
   * pays several cache misses one after another; warmed together, a batch
   * pays them about once (Database.warm). In a small keyspace with a big
   * value only a batch whose first command works on a big hash, set or
   * sorted set is read ahead (a long list's pushes and pops need nothing).
   * A hint: it changes nothing.
   */
  private warm(c: Client): void {
    const ahead = AHEAD;
    const db = c.db;
    if (db.table.size < WARM_KEYS) {
      // a small keyspace: only for a big value, and then only if the batch starts with a big hash, set or sorted set
      if (db.table.bigValues === 0) return;
      c.parser.peekArgs(ahead, 1);
      if (ahead.n === 0 || ahead.argc[0] < 2 || !db.bigMembersAt(ahead.buf, ahead.start[0], ahead.end[0], WARM_KEYS)) return;
    }
    c.parser.peekArgs(ahead);
    if (ahead.n >= 2) db.warm(ahead.buf, ahead.argc, ahead.start, ahead.end, ahead.n);
  }

  /**
   * Run buffered commands until blocked/paused/closed. `wall`: a Date.now()
   * read just made, which the batch's commands may share (executor.batch).
   */
  processInput(c: Client, wall = -1): void {
    if (c.masterInput) {
      c.masterInput();
      return;
    }
    const server = this.server;
    const postponed = server.pause.postponed;
    const ex = server.executor;
    if (wall >= 0) ex.batch(wall, performance.now());
    else ex.batch(-1, -1);
    // the read-ahead: before the first command, then every WARM_MAX commands of a deeper pipeline
    let warmIn = 0;
    try {
      while (!c.closed && !c.closeAfterReply && c.blocked === null && (postponed.size === 0 || !postponed.has(c))) {
        if (warmIn-- === 0) {
          warmIn = WARM_MAX - 1;
          this.warm(c);
        }
        const argv = c.pendingArgv ?? c.parser.next();
        if (argv === null) break;
        c.pendingArgv = null;
        // a command starts where the one before it ended (one clock read a command), unless its arguments were big
        if (c.parser.bigArgs !== null) {
          c.adoptBigArgs();
          ex.chainFrom(-1);
        } else ex.chainFrom(ex.lastEnd);
        ex.lastEnd = -1;
        if (!ex.execute(c, argv)) {
          c.pendingArgv = argv;
          postponed.add(c);
          break;
        }
        if (c.bigArgs !== null && c.multi === null) c.bigArgs = null;
        // CLIENT REPLY SKIP arms 'skip-next': the next command runs with replies off
        if (c.replyMode === 'skip-next') {
          c.replyMode = 'skip';
          c.reply.setMuted(true);
        } else if (c.replyMode === 'skip') {
          c.replyMode = 'on';
          c.reply.setMuted(false);
        }
        if (c.reply.out.length > 64 * 1024 * 1024) c.flush();
      }
    } catch (e) {
      server.executor.currentClient = null;
      if (e instanceof ProtocolError) {
        c.reply.error(`ERR Protocol error: ${e.message}`);
        server.logger.verbose(`Protocol error (${e.message}) from client: id=${c.id} addr=${c.addr}`);
        c.closeAfterReply = true;
      } else if (e instanceof QueryBufferLimitError) {
        ex.endBatch(c);
        server.logger.warning(`Closing client that reached max query buffer length: id=${c.id} addr=${c.addr} (qbuf initial bytes: ...)`);
        c.kill();
        return;
      } else {
        server.logger.warning(`Unexpected error processing input from ${c.addr}: ${(e as Error).stack}`);
        c.reply.error('ERR internal error');
        c.closeAfterReply = true;
      }
    }
    ex.endBatch(c);
    if (c.closeAfterReply) {
      c.flush();
      c.close();
      return;
    }
    this.flushLater(c);
    this.checkOutputLimits(c);
  }

  /**
   * Write c's replies at the end of this turn of the event loop, after every
   * socket that was readable in it has been read and run (Redis writes
   * clients' replies in beforeSleep, after processing the ready events):
   * one write per client per turn as before, but written together, which
   * costs less CPU per request under many pipelining clients (docs/benchmarks.md).
   * A client without a socket is flushed at once.
   */
  private flushLater(c: Client): void {
    if (c.socket === null) {
      c.flush();
      return;
    }
    if (c.flushPending) return;
    c.flushPending = true;
    this.pendingFlush.push(c);
    if (this.pendingFlush.length === 1) setImmediate(this.flushPendingClients);
  }

  private readonly pendingFlush: Client[] = [];

  private readonly flushPendingClients = (): void => {
    const list = this.pendingFlush.splice(0);
    for (const c of list) {
      c.flushPending = false;
      c.flush();
    }
  };

  /**
   * Deliver a push message (pub/sub, invalidation) to a client, also while
   * CLIENT REPLY OFF/SKIP mutes its replies. The running client's output
   * goes out with its own reply, in order; any other client is flushed at
   * once and checked against client-output-buffer-limit.
   */
  push(c: Client, bytes: string): void {
    if (c.closed) return;
    c.reply.pushRaw(bytes);
    if (c === this.server.executor.currentClient) return;
    c.flush();
    this.checkOutputLimits(c);
  }

  /** client-output-buffer-limit enforcement (normal/replica/pubsub). */
  checkOutputLimits(c: Client): boolean {
    if (c.socket === null || c.closed) return false;
    const used = c.outputBytes;
    if (used === 0) return false;
    const server = this.server;
    const limits = server.config.settings.clientOutputBufferLimit as Record<string, { hard: number; soft: number; softSeconds: number }>;
    const t = c.type;
    const l = limits[t === 'master' ? 'normal' : t];
    if (!l) return false;
    let over = l.hard > 0 && used >= l.hard;
    if (!over && l.soft > 0 && used >= l.soft) {
      const now = server.now();
      if (c.softLimitSince === 0) c.softLimitSince = now;
      else if (now - c.softLimitSince >= l.softSeconds * 1000) over = true;
    } else if (l.soft > 0 && used < l.soft) c.softLimitSince = 0;
    if (over) {
      server.logger.warning(`Client ${this.clientInfoString(c)} scheduled to be closed ASAP for overcoming of output buffer limits.`);
      c.kill();
      return true;
    }
    return false;
  }

  /** Remove a client from every index (called once when it closes). */
  unlinkClient(c: Client): void {
    const server = this.server;
    server.clients.delete(c.id);
    server.monitors.delete(c);
    server.pause.postponed.delete(c);
    if (c.blocked) server.blocking.unblock(c, false);
    server.watch.unwatchAll(c);
    server.pubsub.unsubscribeAll(c);
    server.tracking.disable(c);
    for (const f of c.onClose) f();
  }

  /** CLIENT LIST line for a client. */
  clientInfoString(c: Client): string {
    const now = this.server.now();
    const flags =
      (c.isReplica ? 'S' : '') +
      (c.isMaster ? 'M' : '') +
      (c.isMonitor ? 'O' : '') +
      (c.multi ? 'x' : '') +
      (c.blocked ? 'b' : '') +
      (c.tracking !== null ? 't' + (c.tracking.brokenRedir ? 'R' : '') + (c.tracking.bcast ? 'B' : '') : '') +
      (c.closeAfterReply ? 'c' : '') +
      (c.noEvict ? 'e' : '') +
      (c.noTouch ? 'T' : '') +
      (c.channels.size + c.patterns.size + c.shardChannels.size > 0 ? 'P' : '');
    const cmdName = c.lastCmd ? c.lastCmd.fullName : 'NULL';
    return (
      `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=${c.name} age=${Math.floor((now - c.createdAt) / 1000)} idle=${Math.floor((now - c.lastInteraction) / 1000)} flags=${flags || 'N'} db=${c.db.id} ` +
      `sub=${c.channels.size} psub=${c.patterns.size} ssub=${c.shardChannels.size} multi=${c.multi ? c.multi.length : -1} qbuf=${c.parser.pending} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=${c.outputBytes} tot-mem=${c.parser.pending + c.outputBytes + 1024} events=r cmd=${cmdName} user=${c.user} redir=${c.tracking !== null ? c.tracking.redirect : -1} resp=${c.reply.proto}`
    );
  }
}

/** Where every client connection reads (see adoptWithSharedReadBuffer). */
const SHARED_READ = Buffer.allocUnsafe(64 * 1024);

/**
 * Moves an accepted (paused) connection to a socket that reads into
 * SHARED_READ (net.Socket's `onread` mode) and calls onRead(bytes): no Buffer
 * allocation and no Readable stream machinery per read, which costs about
 * 1.3 us of CPU per read event (measured with redis-benchmark, unpipelined).
 * Relies on two long-standing Node internals (the `handle` constructor
 * option and `_handle`); returns null (keep the accepted socket, reading
 * 'data' events) when they are not there.
 */
function adoptWithSharedReadBuffer(accepted: net.Socket, srv: net.Server, onRead: (n: number) => void): net.Socket | null {
  const inner = accepted as unknown as { _handle: { useUserBuffer?: unknown } | null };
  const handle = inner._handle;
  if (handle === null || typeof handle.useUserBuffer !== 'function') return null;
  let socket: net.Socket;
  try {
    const opts = {
      handle,
      readable: true,
      writable: true,
      onread: {
        buffer: SHARED_READ,
        callback: (n: number): boolean => {
          onRead(n);
          return true;
        },
      },
    };
    socket = new net.Socket(opts as net.SocketConstructorOpts);
  } catch {
    return null;
  }
  inner._handle = null;
  // the server counts the connection on the accepted socket and uncounts it when a socket with _server closes
  const counted = socket as unknown as { server: net.Server; _server: net.Server };
  counted.server = srv;
  counted._server = srv;
  return socket;
}
