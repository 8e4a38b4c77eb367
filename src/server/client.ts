/**
 * A client: a socket connection, or a fake one (AOF loader, master link,
 * scripts). Holds the per-connection state Redis keeps in `client`: db, auth,
 * protocol, MULTI queue, WATCHed keys, blocking and pub/sub state.
 */
import type * as net from 'node:net';
import { ReplyWriter } from '../protocol/reply';
import { RequestParser } from '../protocol/parser';
import type { Database } from '../keyspace/database';
import type { Command } from '../commands/spec';
import type { Server } from './server';
import type { AclUser } from './acl';
import type { ClientTracking } from './tracking';
import type { DirectWriter } from './direct-write';

/** Client kinds for CLIENT LIST / KILL TYPE and output buffer limits. */
export type ClientType = 'normal' | 'master' | 'replica' | 'pubsub';

/** State of a client blocked by BLPOP & co. */
export interface BlockState {
  /** keys (in the client's db) whose change may serve this client */
  keys: string[];
  /** db index of the keys */
  db: number;
  /** absolute ms, 0 = forever */
  timeoutAt: number;
  /** try to serve from `key` (the key that became ready; absent = any): return true when served (reply written), false to keep waiting */
  tryServe: (key?: string) => boolean;
  /** write the timeout reply */
  onTimeout: () => void;
  /** the command being blocked, for stats/propagation */
  argv: string[];
  timer?: NodeJS.Timeout;
  /** WAIT and other non-key blocks */
  kind: 'keys' | 'wait' | 'pause' | 'other';
}

/** A queued MULTI command. */
export interface Queued {
  cmd: Command;
  argv: string[];
}

/** One client. */
export class Client {
  readonly id: number;
  readonly reply = new ReplyWriter();
  readonly parser: RequestParser;
  db: Database;
  name = '';
  libName = '';
  libVer = '';
  /** AUTH done (or no password required); the parser's pre-AUTH limits follow it */
  get authenticated(): boolean {
    return !this.parser.limits.unauthenticated;
  }
  set authenticated(v: boolean) {
    this.parser.limits.unauthenticated = !v;
  }
  /** the ACL user (null: the master link, the AOF loader: no checks, "(superuser)" in CLIENT LIST) */
  aclUser: AclUser | null;
  /** the user's name as CLIENT LIST shows it */
  get user(): string {
    return this.aclUser === null ? '(superuser)' : this.aclUser.name;
  }
  /** the replication link from our master (its commands apply without replies) */
  isMaster = false;
  /** a replica attached to us (after SYNC/PSYNC) */
  isReplica = false;
  /** fake clients (AOF loading, tests) */
  readonly isFake: boolean;
  isMonitor = false;
  /** MULTI state: null when not in a transaction */
  multi: Queued[] | null = null;
  /** a queueing error happened: EXEC must abort */
  multiDirty = false;
  /** a WATCHed key was touched */
  casDirty = false;
  /** WATCHed keys as `${db}\0${key}` (the server indexes them the other way) */
  readonly watched = new Set<string>();
  /** WATCHed keys that were already logically expired at WATCH time (Redis's watchedKey.expired) */
  readonly watchedStale = new Set<string>();
  blocked: BlockState | null = null;
  /** Redis's CLIENT_DENY_BLOCKING: set while EXEC (or a script) runs commands, so BLPOP & co answer at once instead of blocking */
  denyBlocking = false;
  /** subscriptions */
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();
  /** CLIENT REPLY OFF/SKIP */
  replyMode: 'on' | 'off' | 'skip' | 'skip-next' = 'on';
  noEvict = false;
  noTouch = false;
  readonly createdAt: number;
  lastInteraction: number;
  lastCmd: Command | null = null;
  /** closing after the current output is written (QUIT, protocol error) */
  closeAfterReply = false;
  closed = false;
  readonly addr: string;
  readonly laddr: string;
  readonly fd: number;
  /** output-buffer-limit soft limit bookkeeping */
  softLimitSince = 0;
  /** replica listening port / announced ip / capabilities (REPLCONF) */
  replListeningPort = 0;
  replAnnounceIp = '';
  replCapaEof = false;
  replCapaPsync2 = false;
  /** hook the master-link / replica-link code uses to take over the socket */
  onClose: Array<() => void> = [];
  /** a command held back by CLIENT PAUSE */
  pendingArgv: string[] | null = null;
  /**
   * Arguments longer than STRING_LIMIT of the command running (and of those
   * queued in MULTI): argv holds a placeholder for each, mapped here to its
   * bytes (RequestParser.bigArgs). null when none: the common case.
   */
  bigArgs: Map<string, Buffer> | null = null;
  /** when set, input is handed to this instead of the command loop (replication links) */
  masterInput: (() => void) | null = null;
  /** socket drained (replica links resume sending) */
  onDrain: (() => void) | null = null;
  /** replies are waiting for the end of this event-loop turn (Connections.flushLater) */
  flushPending = false;
  /** number of commands executed (for tests and CLIENT INFO) */
  commandsProcessed = 0;
  /** CLIENT TRACKING state (null: off) */
  tracking: ClientTracking | null = null;
  /** replies written on the socket's handle, past its Writable (direct-write.ts); null: socket.write */
  direct: DirectWriter | null = null;

  constructor(
    readonly server: Server,
    readonly socket: net.Socket | null,
    opts: { fake?: boolean; addr?: string; laddr?: string } = {},
  ) {
    this.id = server.nextClientId++;
    this.db = server.dbs[0];
    this.isFake = opts.fake ?? socket === null;
    this.aclUser = server.acl.defaultUser;
    this.createdAt = server.now();
    this.lastInteraction = this.createdAt;
    this.parser = new RequestParser({
      maxBulkLen: server.config.settings.protoMaxBulkLen,
      maxQueryBuffer: server.config.settings.clientQueryBufferLimit,
      unauthenticated: server.requiresAuth(),
    });
    // a unix socket client is known by the socket path, "path:0", as Redis prints it
    const unix = socket !== null && socket.remoteAddress === undefined && socket.localAddress === undefined ? `${server.config.settings.unixsocket}:0` : null;
    this.addr = opts.addr ?? (unix ?? (socket ? formatAddr(socket.remoteAddress, socket.remotePort) : ''));
    this.laddr = opts.laddr ?? (unix ?? (socket ? formatAddr(socket.localAddress, socket.localPort) : ''));
    this.fd = socket ? ((socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1) : -1;
    if (this.isFake) this.reply.enabled = false;
  }

  /** Client type for CLIENT LIST and output limits. */
  get type(): ClientType {
    if (this.isMaster) return 'master';
    if (this.isReplica) return 'replica';
    if (this.channels.size + this.patterns.size + this.shardChannels.size > 0) return 'pubsub';
    return 'normal';
  }

  /** Whether this RESP2 client is in subscribed mode. */
  get inPubsubContext(): boolean {
    return this.reply.proto === 2 && this.channels.size + this.patterns.size + this.shardChannels.size > 0;
  }

  /** Take the parser's long arguments of the command it just returned. */
  adoptBigArgs(): void {
    const m = this.parser.bigArgs!;
    this.parser.bigArgs = null;
    if (this.bigArgs === null) this.bigArgs = m;
    else for (const [k, v] of m) this.bigArgs.set(k, v);
  }

  /** Write pending output to the socket now. */
  flush(): void {
    if ((this.reply.out.length === 0 && this.reply.big === null) || this.socket === null || this.closed) {
      this.reply.out = '';
      this.reply.big = null;
      return;
    }
    // what the reply acknowledges reaches the AOF first (Redis's beforeSleep order)
    this.server.persistence.aof.flushBeforeReply();
    if (this.reply.big !== null) {
      // a value longer than any JS string is in the reply
      for (const p of this.reply.takeParts()) {
        if (typeof p === 'string') this.socket.write(p, 'latin1');
        else this.socket.write(p);
        this.server.stats.netOutputBytes += p.length;
      }
      return;
    }
    const out = this.reply.take();
    if (this.direct === null || !this.direct.write(out)) this.socket.write(out, 'latin1');
    this.server.stats.netOutputBytes += out.length;
  }

  /**
   * Close the connection after what is pending is written (QUIT, a protocol
   * error): once written the socket is closed for good, as Redis's freeClient
   * closes the fd, so a peer that keeps sending meets a reset instead of a
   * half-open connection that swallows its bytes.
   */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.server.connections.unlinkClient(this);
    const socket = this.socket;
    if (socket) socket.end(() => socket.destroy());
  }

  /** Close at once, dropping pending output (CLIENT KILL, output limits). */
  kill(): void {
    if (this.closed) return;
    this.closed = true;
    this.reply.out = '';
    this.reply.big = null;
    this.server.connections.unlinkClient(this);
    if (this.socket) this.socket.destroy();
  }

  /** Bytes waiting in the socket's write buffer (omem). */
  get outputBytes(): number {
    const queued = this.socket === null ? 0 : this.socket.writableLength + (this.direct === null ? 0 : this.direct.queued);
    return queued + (this.reply.big === null ? this.reply.out.length : this.reply.pendingBytes);
  }
}

function formatAddr(ip: string | undefined, port: number | undefined): string {
  if (ip === undefined) return '/unix';
  const clean = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return `${clean}:${port ?? 0}`;
}
