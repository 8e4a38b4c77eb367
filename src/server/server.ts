/**
 * The Server object: owns config, databases, clients, stats, the command
 * table, the propagation path and the subsystems (persistence, replication,
 * pub/sub). Nothing here is module-global, so one process may run several.
 */
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { Config, ConfigRegistry } from '../config/schema';
import { DIRECTIVES } from '../config/directives';
import { Database, EXPIRE_DELETE, EXPIRE_HIDE, EXPIRE_KEEP, type DbHost, type Entry } from '../keyspace/database';
import { lfuDecrAndReturn, lfuLogIncr } from '../keyspace/lfu';
import { Logger } from './logger';
import { Client } from './client';
import { processCommand, call } from './executor';
import { ProtocolError, QueryBufferLimitError } from '../protocol/parser';
import { encodeCommand } from '../protocol/reply';
import { strerror } from '../util/strerror';
import { buildCommandTable } from '../commands/table';
import type { Command } from '../commands/spec';
import { Cron } from './cron';
import { bytesToText, textToBytes } from '../config/bytes';

/** Server-wide counters for INFO stats. */
export class Stats {
  totalConnections = 0;
  totalCommands = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  netReplInputBytes = 0;
  netReplOutputBytes = 0;
  rejectedConnections = 0;
  expiredKeys = 0;
  expiredStalePerc = 0;
  expiredTimeCapReached = 0;
  evictedKeys = 0;
  evictedClients = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  pubsubChannels = 0;
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;
  totalErrorReplies = 0;
  unexpectedErrorReplies = 0;
  dumpPayloadSanitizations = 0;
  totalReadsProcessed = 0;
  totalWritesProcessed = 0;
  ioThreadedReads = 0;
  ioThreadedWrites = 0;
  readonly errors = new Map<string, number>();
  /** ops/sec samples */
  opsSamples: number[] = [];
  lastOpsSampleTime = 0;
  lastOpsSampleCount = 0;
  inputSamples: number[] = [];
  outputSamples: number[] = [];
  lastInputBytes = 0;
  lastOutputBytes = 0;
  /** reset by CONFIG RESETSTAT */
  reset(): void {
    const keep = new Stats();
    Object.assign(this, keep);
  }
}

/** Options of createServer(): config directives by name, plus embedding knobs. */
export interface ServerOptions {
  [directive: string]: unknown;
  /** write logs to stdout even without logfile (the CLI sets it; embedded servers are quiet) */
  logToStdout?: boolean;
  /** injectable clock (ms) */
  clock?: () => number;
}

/** A consumer of the propagated command stream (AOF, replication, tests). */
export interface PropagationSink {
  feed(db: number, argv: string[]): void;
}

/** Something that can be published to subscribers (filled in by the pub/sub family). */
export interface PubSubHub {
  publish(channel: string, message: string, shard?: boolean): number;
  unsubscribeAll(c: Client): void;
  channelCount(): number;
  patternCount(): number;
  /** shard channels with subscribers (INFO pubsubshard_channels) */
  shardChannelCount(): number;
}

/** The server. */
export class Server implements DbHost {
  readonly config: Config;
  readonly logger = new Logger();
  dbs: Database[] = [];
  readonly clients = new Map<number, Client>();
  nextClientId = 1;
  readonly commands: Map<string, Command>;
  /** base commands by the exact name as sent ("SET", "set"): skips lowercasing on the hot path; cleared when `commands` changes */
  readonly commandCache = new Map<string, Command>();
  /** the last command looked up, by name as sent (same lifetime as commandCache) */
  lastCommandName = '';
  lastCommand: Command | undefined = undefined;
  readonly stats = new Stats();
  /** changes since last save (Redis's server.dirty) */
  dirty = 0;
  dirtyBeforeBgsave = 0;
  lastSave: number;
  readonly runId: string;
  readonly startTime: number;
  readonly listeners: net.Server[] = [];
  readonly monitors = new Set<Client>();
  loading = false;
  shuttingDown = false;
  readonly cron: Cron;
  private readonly clock: () => number;
  /** port actually bound (port 0 picks a free one) */
  port = 0;
  /** subsystems attach here */
  pubsub: PubSubHub = { publish: () => 0, unsubscribeAll: () => {}, channelCount: () => 0, patternCount: () => 0, shardChannelCount: () => 0 };
  /** AOF sink (persistence) */
  aof: PropagationSink | null = null;
  /** replication master side sink (backlog + replicas); null while no replica ever attached */
  replFeed: PropagationSink | null = null;
  /** extra sinks (tests, keyspace tools) */
  readonly propagateListeners: PropagationSink[] = [];
  /** hooks run by subsystems that need them */
  readonly hooks = {
    /** is this server a replica? (set by replication) */
    isReplica: (): boolean => false,
    masterLinkUp: (): boolean => true,
    hasGoodReplicas: (): boolean => true,
    writeDeniedByDiskError: (): string | null => null,
    /** called on shutdown: save if needed; returns false to abort */
    beforeShutdown: async (_opts: { save: boolean | null; now: boolean; force: boolean }): Promise<boolean> => true,
    /** after listeners are closed */
    onClose: [] as Array<() => void | Promise<void>>,
    /** INFO sections contributed by subsystems: name -> lines */
    info: new Map<string, () => Array<[string, string | number]>>(),
    /** after FLUSHALL emptied the dataset (persistence rewrites the dump when save points exist) */
    onFlushAll: [] as Array<() => void>,
    /** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE] (persistence); writes the reply itself, may block the client */
    debugReload: null as ((c: Client, args: string[]) => void) | null,
  };

  // ---- execution unit & propagation ----
  rewrittenArgv: string[] | null = null;
  preventPropagation = false;
  /** set by commands that touch arbitrary keys (SCAN, RANDOMKEY) run directly: their expired-key DELs are not MULTI-wrapped (Redis's propagate_no_multi) */
  propagateNoMulti = false;
  private execDepth = 0;
  private pending: Array<{ db: number; argv: string[]; replOnly: boolean }> = [];
  /** the client whose command is running (master link detection) */
  currentClient: Client | null = null;

  // ---- snapshots in progress (fork-less BGSAVE / full sync) ----
  /** each hook is told about a key before a write changes it, so a point-in-time snapshot can save the old value first */
  readonly snapshotHooks: Array<{ beforeKeyWrite(db: number, key: string): void; beforeWriteAll(): void }> = [];

  // ---- WATCH and blocking ----
  readonly watchedKeys = new Map<string, Set<Client>>();
  readonly blockingKeys = new Map<string, Client[]>();
  private readyKeys = new Set<string>();
  readonly blockedClients = new Set<Client>();

  // ---- CLIENT PAUSE ----
  pauseUntil = 0;
  pauseWriteOnly = false;
  readonly postponed = new Set<Client>();
  private pauseTimer: NodeJS.Timeout | null = null;

  // ---- config values read on every command, re-read when config.version moves ----
  private hotConfigVersion = -1;
  private slowlogLogSlowerThan = 0;
  private notifyKeyspaceEvents = '';
  private refreshHotConfig(): void {
    this.hotConfigVersion = this.config.version;
    this.slowlogLogSlowerThan = this.config.num('slowlog-log-slower-than');
    this.notifyKeyspaceEvents = this.config.get('notify-keyspace-events') as string;
    this.lfuEnabled = this.config.str('maxmemory-policy').endsWith('lfu');
    this.lfuLogFactor = this.config.num('lfu-log-factor');
    this.lfuDecayTime = this.config.num('lfu-decay-time');
  }
  private lfuEnabled = false;
  private lfuLogFactor = 10;
  private lfuDecayTime = 1;

  /**
   * A command accessed a key (lookupKey without LOOKUP_NOTOUCH): its access
   * time for OBJECT IDLETIME, and under an LFU maxmemory-policy the
   * logarithmic access counter of OBJECT FREQ (decayed, then incremented).
   */
  touchEntry(e: Entry): void {
    if (this.config.version !== this.hotConfigVersion) this.refreshHotConfig();
    const now = this.now();
    if (this.lfuEnabled) e.lfu = lfuLogIncr(lfuDecrAndReturn(e, now, this.lfuDecayTime), this.lfuLogFactor);
    e.lru = now;
  }

  /** OBJECT FREQ: the LFU counter with the decay owed until now. */
  lfuFrequency(e: Entry): number {
    if (this.config.version !== this.hotConfigVersion) this.refreshHotConfig();
    return lfuDecrAndReturn(e, this.now(), this.lfuDecayTime);
  }

  // ---- slowlog ----
  slowlog: Array<{ id: number; time: number; usec: number; argv: string[]; addr: string; name: string }> = [];
  slowlogNextId = 0;

  constructor(options: ServerOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.config = new Config(new ConfigRegistry(DIRECTIVES));
    this.runId = crypto.randomBytes(20).toString('hex');
    this.startTime = this.now();
    this.lastSave = Math.floor(this.now() / 1000);
    this.commands = buildCommandTable();
    this.config.renameCommand = (from, to) => {
      // rename-command in the config file, as Redis: "" removes the command
      const cmd = this.commands.get(from.toLowerCase());
      if (cmd === undefined) return 'No such command in rename-command';
      this.commandCache.clear();
      this.lastCommandName = '';
      this.lastCommand = undefined;
      this.commands.delete(from.toLowerCase());
      if (to !== '') {
        if (this.commands.has(to.toLowerCase())) return 'Target command name already exists';
        this.commands.set(to.toLowerCase(), cmd);
      }
      return null;
    };
    this.cron = new Cron(this);
    this.logger.quiet = !options.logToStdout;
    this.logger.role = () => (this.isReplica() ? 'S' : 'M');
  }

  /**
   * ms clock. While a client's command runs, the time read first is kept for
   * the rest of it, as Redis caches mstime in call() (one clock read per
   * command instead of one per key touched; EXEC's commands share EXEC's).
   */
  now(): number {
    if (!this.inCommand) return this.clock();
    if (this.cmdTime < 0) this.cmdTime = this.clock();
    return this.cmdTime;
  }
  private inCommand = false;
  private cmdTime = -1;

  // ---------------------------------------------------------------- start/stop

  /** Create the databases, apply config, load data, listen. */
  async start(): Promise<void> {
    const cfg = this.config;
    this.logger.setLevel(cfg.str('loglevel'));
    if (cfg.str('logfile') !== '') this.logger.setFile(cfg.path('logfile'));
    this.dbs = [];
    for (let i = 0; i < cfg.num('databases'); i++) this.dbs.push(new Database(i, this));
    const dir = cfg.path('dir');
    if (dir !== '') fs.mkdirSync(dir, { recursive: true });
    this.dataDir = path.resolve(dir === '' ? '.' : dir);
    cfg.setRaw('dir', textToBytes(this.dataDir));
    this.registerConfigHooks();
    // Redis prints these from main() before the server exists: role C, warning level
    const role = this.logger.role;
    this.logger.role = () => 'C';
    this.logger.warning('oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo');
    this.logger.warning(`Redis version=7.0.15, bits=64, commit=00000000, modified=0, pid=${process.pid}, just started`);
    this.logger.warning(this.configLoadedMessage);
    this.logger.role = role;
    this.logger.notice('monotonic clock: POSIX clock_gettime');
    // Redis's main(): initServer() listens, then the data loads while clients get -LOADING
    await this.listen();
    this.logger.notice(`Running mode=standalone, port=${this.port}.`);
    this.logger.raw(`tredis 7.0.15 (Redis-compatible) running in standalone mode, Port: ${this.port}, PID: ${process.pid}\n`);
    this.logger.warning('Server initialized');
    try {
      for (const h of this.startHooks) await h();
    } catch (e) {
      for (const c of [...this.clients.values()]) c.kill();
      await Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
      this.listeners.length = 0;
      throw e;
    }
    for (const h of this.afterListenHooks) await h();
    this.cron.start();
    this.logger.notice('Ready to accept connections');
  }

  /** absolute data directory (`dir`) */
  dataDir = '.';
  /** start-up log line after the version (main.ts sets Redis's no-config-file warning) */
  configLoadedMessage = 'Configuration loaded';
  /** run once listening, before "Ready to accept connections" (loading data: clients get -LOADING meanwhile) */
  readonly startHooks: Array<() => Promise<void> | void> = [];
  /** run after the start hooks (replication connect) */
  readonly afterListenHooks: Array<() => Promise<void> | void> = [];

  private registerConfigHooks(): void {
    const cfg = this.config;
    cfg.onChange('loglevel', (v) => this.logger.setLevel(v as string));
    cfg.onChange('dir', (v) => {
      const d = path.resolve(this.dataDir, bytesToText(v as string));
      if (!fs.existsSync(d) || !fs.statSync(d).isDirectory()) throw new Error('No such file or directory');
      this.dataDir = d;
      cfg.setRaw('dir', textToBytes(d));
    });
    // port and bind are applied by CONFIG SET through relisten() (binding is asynchronous)
    cfg.onChange('hz', () => this.cron.reschedule());
    cfg.onChange('proto-max-bulk-len', (v) => {
      for (const c of this.clients.values()) c.parser.limits.maxBulkLen = v as number;
    });
    cfg.onChange('client-query-buffer-limit', (v) => {
      for (const c of this.clients.values()) c.parser.limits.maxQueryBuffer = v as number;
    });
  }

  private async listen(): Promise<void> {
    const cfg = this.config;
    const port = cfg.num('port');
    let binds = (cfg.get('bind') as string[]).slice();
    if (binds.length === 0) binds = ['*'];
    const addrs: string[] = [];
    for (const b of binds) {
      const optional = b.startsWith('-');
      const host = optional ? b.slice(1) : b;
      addrs.push(host === '*' ? '0.0.0.0' : host === '::*' ? '::' : host);
      if (optional) (addrs as string[] & { optional?: Set<string> }).optional ??= new Set();
    }
    const seen = new Set<string>();
    let boundPort = port;
    if (port !== 0 || addrs.length > 0) {
      for (let i = 0; i < binds.length; i++) {
        const optional = binds[i].startsWith('-');
        const host = addrs[i];
        if (seen.has(host)) continue;
        seen.add(host);
        try {
          const srv = await this.listenOne(host, boundPort);
          const a = srv.address();
          if (a && typeof a === 'object') boundPort = a.port;
          this.listeners.push(srv);
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          if (optional && (err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT' || err.code === 'EINVAL')) continue;
          this.logger.warning(`Warning: Could not create server TCP listening socket ${bytesToText(host)}:${boundPort}: ${listenErrorText(err)}`);
          for (const l of this.listeners) l.close();
          this.listeners.length = 0;
          throw new Error(`Failed listening on port ${boundPort} (TCP), aborting.`);
        }
      }
    }
    this.port = boundPort;
    this.config.setRaw('port', boundPort);
    const sock = cfg.path('unixsocket');
    if (sock !== '') {
      try {
        fs.unlinkSync(sock);
      } catch {
        /* not there */
      }
      const srv = await this.listenOne(sock, -1);
      const perm = cfg.get('unixsocketperm') as number;
      if (perm) fs.chmodSync(sock, perm);
      this.listeners.push(srv);
      this.logger.notice(`The server is now ready to accept connections at ${sock}`);
    }
  }

  private listenOne(host: string, port: number): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      // paused: acceptConnection moves the connection to a socket reading into the shared buffer
      const srv = net.createServer({ noDelay: true, pauseOnConnect: true }, (s) => this.acceptConnection(s, srv));
      srv.maxConnections = this.config.num('maxclients') + 32;
      const onErr = (e: Error) => reject(e);
      srv.once('error', onErr);
      const name = bytesToText(host);
      const opts: net.ListenOptions = port < 0 ? { path: name } : { host: name, port, backlog: this.config.num('tcp-backlog'), ipv6Only: host === '::' };
      srv.listen(opts, () => {
        srv.off('error', onErr);
        srv.on('error', (e) => this.logger.warning(`Accept error: ${e.message}`));
        resolve(srv);
      });
    });
  }

  /**
   * CONFIG SET port / bind: move the TCP listeners (the unix socket stays).
   * A new port is bound before the old listeners close (changeListenPort); a
   * new bind list closes the old listeners first and restores them if the new
   * addresses cannot all be bound (changeBindAddr). Rejects on failure.
   */
  async relisten(port: number, binds: string[], closeFirst: boolean): Promise<void> {
    const old = this.listeners.filter((l) => typeof l.address() !== 'string');
    // close() frees the listening socket at once; its callback would wait for every client to go
    const closeAll = async (ls: net.Server[]) => {
      for (const l of ls) l.close();
      await new Promise((r) => setImmediate(r));
    };
    const bindAll = async (p: number, list: string[]): Promise<{ servers: net.Server[]; port: number }> => {
      const servers: net.Server[] = [];
      const seen = new Set<string>();
      let bound = p;
      try {
        for (const b of list.length === 0 ? ['*'] : list) {
          const optional = b.startsWith('-');
          const h = optional ? b.slice(1) : b;
          const host = h === '*' ? '0.0.0.0' : h === '::*' ? '::' : h;
          if (seen.has(host)) continue;
          seen.add(host);
          try {
            const srv = await this.listenOne(host, bound);
            const a = srv.address();
            if (a && typeof a === 'object') bound = a.port;
            servers.push(srv);
          } catch (e) {
            const err = e as NodeJS.ErrnoException;
            if (optional && (err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT' || err.code === 'EINVAL')) continue;
            this.logger.warning(`Warning: Could not create server TCP listening socket ${bytesToText(host)}:${bound}: ${listenErrorText(err)}`);
            throw e;
          }
        }
      } catch (e) {
        await closeAll(servers);
        throw e;
      }
      return { servers, port: bound };
    };
    const drop = () => {
      for (const l of old) this.listeners.splice(this.listeners.indexOf(l), 1);
    };
    if (closeFirst) {
      await closeAll(old);
      drop();
      try {
        const r = await bindAll(port, binds);
        this.listeners.push(...r.servers);
        this.port = r.port;
      } catch (e) {
        this.logger.warning('Failed to bind, trying to restore old listening sockets.');
        const r = await bindAll(this.port, this.config.get('bind') as string[]).catch(() => null);
        if (r) this.listeners.push(...r.servers);
        throw e;
      }
      return;
    }
    const r = await bindAll(port, binds);
    await closeAll(old);
    drop();
    this.listeners.push(...r.servers);
    this.port = r.port;
  }

  private acceptConnection(accepted: net.Socket, srv: net.Server): void {
    if (this.shuttingDown) {
      accepted.destroy();
      return;
    }
    let c: Client | null = null;
    const adopted = adoptWithSharedReadBuffer(accepted, srv, (n) => {
      if (c !== null) this.onData(c, SHARED_READ.subarray(0, n), true);
    });
    const socket = adopted ?? accepted;
    if (adopted === null) socket.resume();
    socket.on('error', () => {
      /* reset by peer etc.: 'close' follows */
    });
    socket.setNoDelay(true);
    const ka = this.config.num('tcp-keepalive');
    if (ka > 0) socket.setKeepAlive(true, ka * 1000);
    if (this.clients.size >= this.config.num('maxclients')) {
      this.stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    if (this.protectedModeRejects(socket)) {
      this.stats.rejectedConnections++;
      socket.end(
        '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command \'CONFIG SET protected-mode no\' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to \'no\', and then restarting the server. 3) If you started the server manually just for testing, restart it with the \'--protected-mode no\' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n',
      );
      return;
    }
    const client = new Client(this, socket);
    c = client;
    this.clients.set(client.id, client);
    this.stats.totalConnections++;
    if (adopted === null) socket.on('data', (chunk: Buffer) => this.onData(client, chunk));
    socket.on('close', () => {
      if (!client.closed) {
        client.closed = true;
        this.unlinkClient(client);
      }
    });
    socket.on('drain', () => this.onDrain(client));
  }

  private protectedModeRejects(socket: net.Socket): boolean {
    // Redis 7.0 applies protected mode whatever the bind addresses are (only a password or protected-mode no lifts it)
    if (!this.config.bool('protected-mode') || this.requiresAuth()) return false;
    const ip = socket.remoteAddress ?? '';
    return !(ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1' || ip === '' || ip.startsWith('127.') || ip.startsWith('::ffff:127.'));
  }

  /** Whether new clients must AUTH (requirepass set). */
  requiresAuth(): boolean {
    return this.config.str('requirepass') !== '';
  }

  /**
   * Bytes arrived on a client socket: parse and run every complete command, then write once.
   * `shared`: chunk is SHARED_READ's memory, reused by the next read: what is left unparsed is copied.
   */
  onData(c: Client, chunk: Buffer, shared = false): void {
    if (c.closed) return;
    this.stats.netInputBytes += chunk.length;
    this.stats.totalReadsProcessed++;
    c.lastInteraction = this.now();
    c.parser.push(chunk);
    this.processInput(c);
    if (shared) c.parser.own();
  }

  /** Run buffered commands until blocked/paused/closed. */
  processInput(c: Client): void {
    if (c.masterInput) {
      c.masterInput();
      return;
    }
    try {
      while (!c.closed && !c.closeAfterReply && c.blocked === null && (this.postponed.size === 0 || !this.postponed.has(c))) {
        const argv = c.pendingArgv ?? c.parser.next();
        if (argv === null) break;
        c.pendingArgv = null;
        this.currentClient = c;
        const done = processCommand(this, c, argv);
        this.currentClient = null;
        if (!done) {
          c.pendingArgv = argv;
          this.postponed.add(c);
          break;
        }
        // CLIENT REPLY SKIP arms 'skip-next': the next command runs with replies off
        if (c.replyMode === 'skip-next') {
          c.replyMode = 'skip';
          c.reply.enabled = false;
        } else if (c.replyMode === 'skip') {
          c.replyMode = 'on';
          c.reply.enabled = true;
        }
        if (c.reply.out.length > 64 * 1024 * 1024) c.flush();
      }
    } catch (e) {
      this.currentClient = null;
      if (e instanceof ProtocolError) {
        c.reply.error(`ERR Protocol error: ${e.message}`);
        this.logger.verbose(`Protocol error (${e.message}) from client: id=${c.id} addr=${c.addr}`);
        c.closeAfterReply = true;
      } else if (e instanceof QueryBufferLimitError) {
        this.logger.warning(`Closing client that reached max query buffer length: id=${c.id} addr=${c.addr} (qbuf initial bytes: ...)`);
        c.kill();
        return;
      } else {
        this.logger.warning(`Unexpected error processing input from ${c.addr}: ${(e as Error).stack}`);
        c.reply.error('ERR internal error');
        c.closeAfterReply = true;
      }
    }
    c.flush();
    if (c.closeAfterReply) c.close();
    else this.checkOutputLimits(c);
  }

  private onDrain(c: Client): void {
    c.softLimitSince = 0;
    if (c.onDrain) c.onDrain();
  }

  /** client-output-buffer-limit enforcement (normal/replica/pubsub). */
  checkOutputLimits(c: Client): boolean {
    if (c.socket === null || c.closed) return false;
    const used = c.outputBytes;
    if (used === 0) return false;
    const limits = this.config.get('client-output-buffer-limit') as Record<string, { hard: number; soft: number; softSeconds: number }>;
    const t = c.type;
    const cls = t === 'master' ? 'normal' : t;
    const l = limits[cls];
    if (!l) return false;
    let over = l.hard > 0 && used >= l.hard;
    if (!over && l.soft > 0 && used >= l.soft) {
      const now = this.now();
      if (c.softLimitSince === 0) c.softLimitSince = now;
      else if (now - c.softLimitSince >= l.softSeconds * 1000) over = true;
    } else if (l.soft > 0 && used < l.soft) c.softLimitSince = 0;
    if (over) {
      const clsName = cls === 'replica' ? 'slave' : cls;
      this.logger.warning(`Client ${this.clientInfoString(c)} scheduled to be closed ASAP for overcoming of output buffer limits.`);
      void clsName;
      c.kill();
      return true;
    }
    return false;
  }

  /** Remove a client from every index (called once when it closes). */
  unlinkClient(c: Client): void {
    this.clients.delete(c.id);
    this.monitors.delete(c);
    this.postponed.delete(c);
    if (c.blocked) this.unblock(c, false);
    this.unwatchAll(c);
    this.pubsub.unsubscribeAll(c);
    for (const f of c.onClose) f();
  }

  /** CLIENT LIST line for a client. */
  clientInfoString(c: Client): string {
    const now = this.now();
    const flags = (c.isReplica ? 'S' : '') + (c.isMaster ? 'M' : '') + (c.isMonitor ? 'O' : '') + (c.multi ? 'x' : '') + (c.blocked ? 'b' : '') + (c.closeAfterReply ? 'c' : '') + (c.noEvict ? 'e' : '') + (c.noTouch ? 'T' : '') + (c.channels.size + c.patterns.size + c.shardChannels.size > 0 ? 'P' : '');
    const cmdName = c.lastCmd ? c.lastCmd.fullName : 'NULL';
    return (
      `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=${c.name} age=${Math.floor((now - c.createdAt) / 1000)} idle=${Math.floor((now - c.lastInteraction) / 1000)} flags=${flags || 'N'} db=${c.db.id} ` +
      `sub=${c.channels.size} psub=${c.patterns.size} ssub=${c.shardChannels.size} multi=${c.multi ? c.multi.length : -1} qbuf=${c.parser.pending} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=${c.outputBytes} tot-mem=${c.parser.pending + c.outputBytes + 1024} events=r cmd=${cmdName} user=${c.user} redir=-1 resp=${c.reply.proto}` +
      (c.libName || c.libVer ? '' : '')
    );
  }

  /** Close everything: listeners, clients, timers, subsystems. */
  async close(): Promise<void> {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.shuttingDown = true;
    this.cron.stop();
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    for (const c of [...this.clients.values()]) c.kill();
    for (const h of this.hooks.onClose) await h();
    await Promise.all(this.listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
    this.listeners.length = 0;
    const sock = this.config.path('unixsocket');
    if (sock !== '') {
      try {
        fs.unlinkSync(sock);
      } catch {
        /* gone */
      }
    }
    this.logger.close();
  }
  private closedFlag = false;

  /** SHUTDOWN / SIGTERM: save per flags and config, then close. Returns false if aborted. */
  async shutdown(opts: { save: boolean | null; now: boolean; force: boolean }): Promise<boolean> {
    this.logger.warning('User requested shutdown...');
    const ok = await this.hooks.beforeShutdown(opts);
    if (!ok && !opts.force) {
      this.logger.warning('Errors trying to SHUTDOWN. Check logs.');
      return false;
    }
    const pidfile = this.config.path('pidfile');
    if (pidfile !== '') {
      this.logger.notice('Removing the pid file.');
      try {
        fs.unlinkSync(pidfile);
      } catch {
        /* gone */
      }
    }
    this.logger.warning('Redis is now ready to exit, bye bye...');
    await this.close();
    this.onExit?.();
    return true;
  }
  /** set by main.ts to exit the process after shutdown */
  onExit: (() => void) | null = null;

  // ---------------------------------------------------------------- DbHost

  /** DbHost: masters delete expired keys; replicas hide them (the master link sees them); loading keeps them. */
  expireMode(): number {
    if (this.loading) return EXPIRE_KEEP;
    if (this.isReplica()) return this.currentClient?.isMaster === true ? EXPIRE_KEEP : EXPIRE_HIDE;
    return EXPIRE_DELETE;
  }

  /** DbHost: an expired key was reclaimed: propagate DEL, notify, count. */
  onExpired(db: Database, key: string): void {
    this.stats.expiredKeys++;
    this.beforeKeyWrite(db.id, key);
    this.notifyKeyspaceEvent('x', 'expired', key, db.id);
    this.signalModifiedKey(db.id, key, true);
    this.alsoPropagate(db.id, ['DEL', key]);
    if (this.execDepth === 0) this.flushPropagation();
  }

  // ---------------------------------------------------------------- roles

  /** Whether we replicate from a master. */
  isReplica(): boolean {
    return this.hooks.isReplica();
  }
  /** On a replica: whether the master link is up. */
  masterLinkUp(): boolean {
    return this.hooks.masterLinkUp();
  }
  /** min-replicas-to-write check. */
  hasGoodReplicas(): boolean {
    return this.hooks.hasGoodReplicas();
  }
  /** MISCONF text when writes are refused after a failed bgsave, else null. */
  writeDeniedByDiskError(): string | null {
    return this.hooks.writeDeniedByDiskError();
  }

  // ---------------------------------------------------------------- execution & propagation

  /** Run fn as one execution unit: what it propagates is flushed (MULTI-wrapped if several) at the end. */
  execUnit(fn: () => void): void {
    this.execDepth++;
    try {
      fn();
    } finally {
      this.execDepth--;
    }
    if (this.execDepth === 0) {
      // Redis 7.0 propagates the command (or EXEC) first, then each blocked
      // client it served as its own unit (never wrapped together).
      this.flushPropagation();
      this.handleClientsBlockedOnKeys();
    }
  }

  /** execUnit(() => call(this, c, cmd, argv)) without a closure: the executor's hot path. */
  callUnit(c: Client, cmd: Command, argv: string[]): void {
    const top = !this.inCommand;
    if (top) {
      this.inCommand = true;
      this.cmdTime = -1;
    }
    this.execDepth++;
    try {
      call(this, c, cmd, argv);
    } finally {
      this.execDepth--;
      if (top) this.inCommand = false;
    }
    if (this.execDepth === 0) {
      this.flushPropagation();
      this.handleClientsBlockedOnKeys();
    }
  }

  /**
   * Record a command to propagate at the end of the current execution unit.
   * replOnly: replicas (and listeners) only, not the AOF (Redis's PROPAGATE_REPL, used by PUBLISH).
   */
  alsoPropagate(db: number, argv: string[], replOnly = false): void {
    this.pending.push({ db, argv, replOnly });
  }

  /** Replace what the current command propagates (SET EX -> SET PXAT ...). */
  rewriteCommand(argv: string[]): void {
    this.rewrittenArgv = argv;
  }

  /** Propagate pending commands: AOF always; replicas only when we are a master and not applying our master's stream. */
  flushPropagation(): void {
    const p = this.pending;
    const noMulti = this.propagateNoMulti;
    this.propagateNoMulti = false;
    if (p.length === 0) return;
    this.pending = [];
    const wrap = p.length > 1 && !noMulti;
    const toReplicas = !this.isReplica();
    const first = p[0].db;
    if (wrap) this.propagateOne(first, ['MULTI'], toReplicas, false);
    for (const e of p) this.propagateOne(e.db, e.argv, toReplicas, e.replOnly);
    // Redis 7.0 gives EXEC the db of the last command, so no SELECT precedes it
    if (wrap) this.propagateOne(p[p.length - 1].db, ['EXEC'], toReplicas, false);
  }

  private propagateOne(db: number, argv: string[], toReplicas: boolean, replOnly: boolean): void {
    for (const l of this.propagateListeners) l.feed(db, argv);
    if (this.aof !== null && !replOnly) this.aof.feed(db, argv);
    if (toReplicas && this.replFeed !== null) this.replFeed.feed(db, argv);
  }

  /** Encode for a RESP stream (exposed for sinks). */
  static encode(argv: string[]): string {
    return encodeCommand(argv);
  }

  /** Run a command as a fake client (AOF loading, tests); returns the reply text. */
  runAsFake(argv: string[], c?: Client): string {
    const client = c ?? new Client(this, null, { fake: true });
    client.reply.enabled = true;
    this.currentClient = client;
    processCommand(this, client, argv);
    this.currentClient = null;
    return client.reply.take();
  }

  // ---------------------------------------------------------------- WATCH / blocking

  /**
   * A key changed: break WATCHes on it and wake clients blocked on it.
   * `deleted`: the key is being removed by expiry (still in the dict right now).
   */
  signalModifiedKey(db: number, key: string, deleted = false): void {
    const k = db + '\0' + key;
    const w = this.watchedKeys.get(k);
    if (w !== undefined) this.touchWatchedKey(w, k, db, key, deleted);
    if (this.blockingKeys.has(k)) this.readyKeys.add(k);
  }

  /** Redis 7.0's touchWatchedKey, including its handling of keys already expired at WATCH time. */
  private touchWatchedKey(watchers: Set<Client>, k: string, db: number, key: string, deleted: boolean): void {
    for (const c of [...watchers]) {
      if (c.watchedStale.has(k)) {
        // Deleting an already expired key is no logical change: just forget the flag.
        if (deleted || this.dbs[db].peek(key) === undefined) {
          c.watchedStale.delete(k);
          continue;
        }
        break; // as Redis 7.0 (multi.c): the remaining watchers are left untouched
      }
      c.casDirty = true;
      // a dirty client has nothing more to learn from its other WATCHes
      this.unwatchAll(c);
    }
  }

  /** Forget every WATCH of a client (UNWATCH, EXEC, DISCARD, broken WATCH, disconnect). */
  unwatchAll(c: Client): void {
    for (const k of c.watched) {
      const set = this.watchedKeys.get(k);
      if (set === undefined) continue;
      set.delete(c);
      if (set.size === 0) this.watchedKeys.delete(k);
    }
    c.watched.clear();
    c.watchedStale.clear();
  }

  /**
   * Called by the executor before a write command runs while a snapshot is in
   * progress. Commands that reach other dbs or whole dbs make the snapshot
   * finish what it has not saved yet first.
   */
  beforeWrite(db: number, cmd: Command, argv: string[]): void {
    const wide = WIDE_WRITES.has(cmd.name) || (cmd.name === 'copy' && argv.length > 3);
    for (const h of this.snapshotHooks) {
      if (wide) h.beforeWriteAll();
      else for (const k of cmd.keys(argv)) h.beforeKeyWrite(db, k);
    }
  }

  /** Tell snapshots a key is about to change outside a command (expiry, blocked-client serving). */
  beforeKeyWrite(db: number, key: string): void {
    for (const h of this.snapshotHooks) h.beforeKeyWrite(db, key);
  }

  /** Break every WATCH on a db, or on all dbs when db < 0 (after a full sync replaced the data). */
  touchAllWatched(db: number): void {
    for (const [k, set] of [...this.watchedKeys]) {
      if (db >= 0 && !k.startsWith(db + '\0')) continue;
      for (const c of [...set]) {
        c.casDirty = true;
        this.unwatchAll(c);
      }
    }
  }

  /**
   * FLUSHDB / FLUSHALL (db < 0: every db) / SWAPDB db replacedWith: Redis
   * 7.0's touchAllWatchedKeysInDb. Call it BEFORE the data changes: only
   * WATCHed keys that exist in `db` (or in `replacedWith`) break, and keys
   * already expired at WATCH time follow Redis's rules.
   */
  touchWatchedKeysInDb(db: number, replacedWith = -1): void {
    if (db < 0) {
      for (let i = 0; i < this.dbs.length; i++) this.touchWatchedKeysInDb(i);
      return;
    }
    const emptied = this.dbs[db];
    const other = replacedWith >= 0 ? this.dbs[replacedWith] : null;
    const prefix = db + '\0';
    for (const [k, set] of [...this.watchedKeys]) {
      if (!k.startsWith(prefix)) continue;
      const key = k.slice(prefix.length);
      const inEmptied = emptied.peek(key) !== undefined;
      const inOther = other !== null ? other.peek(key) : undefined;
      if (!inEmptied && inOther === undefined) continue;
      for (const c of [...set]) {
        if (c.watchedStale.has(k)) {
          if (inOther === undefined) {
            c.watchedStale.delete(k); // expired key now deleted: no logical change
            continue;
          }
          if (!other!.isLive(inOther)) continue; // expired key remains expired
        } else if (!inEmptied && inOther !== undefined && !other!.isLive(inOther)) {
          c.watchedStale.add(k); // a missing key replaced with an expired one
          continue;
        }
        c.casDirty = true;
        this.unwatchAll(c);
      }
    }
  }

  /** Block a client until tryServe succeeds, a timeout, or a disconnect. */
  block(c: Client, state: import('./client').BlockState): void {
    c.blocked = state;
    this.blockedClients.add(c);
    for (const key of state.keys) {
      const k = state.db + '\0' + key;
      let l = this.blockingKeys.get(k);
      if (!l) this.blockingKeys.set(k, (l = []));
      l.push(c);
    }
    if (state.timeoutAt > 0) {
      // setTimeout fires at once for delays over 2^31-1 ms (~24.8 days): wait in steps
      const MAX_DELAY = 0x7fffffff;
      const arm = (delay: number): void => {
        state.timer = setTimeout(() => {
          if (c.blocked !== state) return;
          const left = state.timeoutAt - this.now();
          if (delay === MAX_DELAY && left > 0) return arm(Math.min(MAX_DELAY, left));
          this.execUnit(() => state.onTimeout());
          this.unblock(c, true);
        }, delay);
      };
      arm(Math.min(MAX_DELAY, Math.max(0, state.timeoutAt - this.now())));
    }
  }

  /** Unblock a client; when resume, continue processing its pipelined input. */
  unblock(c: Client, resume: boolean): void {
    const st = c.blocked;
    if (st === null) return;
    c.blocked = null;
    this.blockedClients.delete(c);
    if (st.timer) clearTimeout(st.timer);
    for (const key of st.keys) {
      const k = st.db + '\0' + key;
      const l = this.blockingKeys.get(k);
      if (!l) continue;
      const i = l.indexOf(c);
      if (i >= 0) l.splice(i, 1);
      if (l.length === 0) this.blockingKeys.delete(k);
    }
    if (resume && !c.closed) {
      c.flush();
      setImmediate(() => {
        if (!c.closed && c.blocked === null) this.processInput(c);
      });
    }
  }

  /** Serve clients blocked on keys that became ready (FIFO per key), as handleClientsBlockedOnKeys. */
  handleClientsBlockedOnKeys(): void {
    let guard = 0;
    while (this.readyKeys.size > 0 && guard++ < 1000) {
      const ready = this.readyKeys;
      this.readyKeys = new Set();
      for (const k of ready) {
        const l = this.blockingKeys.get(k);
        if (!l) continue;
        for (const c of [...l]) {
          const st = c.blocked;
          if (st === null || st.kind !== 'keys') continue;
          let served = false;
          this.execDepth++;
          const prev = this.currentClient;
          this.currentClient = c;
          try {
            served = st.tryServe(k.slice(k.indexOf('\0') + 1));
          } finally {
            this.currentClient = prev;
            this.execDepth--;
          }
          this.flushPropagation();
          if (served) this.unblock(c, true);
        }
      }
    }
  }

  // ---------------------------------------------------------------- CLIENT PAUSE

  /** Whether this command must wait because of CLIENT PAUSE. */
  isPausedFor(c: Client, cmd: Command): boolean {
    if (this.pauseUntil === 0) return false;
    if (this.now() >= this.pauseUntil) {
      this.unpause();
      return false;
    }
    if (c.isMaster || c.isReplica || c.isFake) return false;
    if (!this.pauseWriteOnly) return true;
    return cmd.isWrite || cmd.mayReplicate;
  }

  /** CLIENT PAUSE ms [WRITE|ALL] */
  pause(ms: number, writeOnly: boolean): void {
    const until = this.now() + ms;
    if (until > this.pauseUntil) this.pauseUntil = until;
    this.pauseWriteOnly = writeOnly;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = setTimeout(() => this.unpause(), Math.max(0, this.pauseUntil - this.now()));
  }

  /** CLIENT UNPAUSE */
  unpause(): void {
    this.pauseUntil = 0;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    const list = [...this.postponed];
    this.postponed.clear();
    for (const c of list) setImmediate(() => this.processInput(c));
  }

  // ---------------------------------------------------------------- misc services

  /** Count an error reply in INFO errorstats. */
  countError(msg: string): void {
    this.stats.totalErrorReplies++;
    // afterErrorReply: the code is the first word (within 32 bytes), else ERR
    const sp = msg.indexOf(' ');
    const code = sp < 0 || sp >= 32 ? 'ERR' : msg.slice(0, sp);
    this.stats.errors.set(code, (this.stats.errors.get(code) ?? 0) + 1);
  }

  /** Feed MONITOR clients: `+1339518083.107412 [0 127.0.0.1:60866] "keys" "*"` */
  feedMonitors(c: Client, argv: string[]): void {
    const t = this.now();
    const ts = `${Math.floor(t / 1000)}.${String((t % 1000) * 1000).padStart(6, '0')}`;
    const who = c.isMaster ? 'master' : c.socket === null ? 'lua' : c.addr;
    let line = `+${ts} [${c.db.id} ${who}]`;
    for (const a of argv) line += ' ' + quoteMonitorArg(a);
    line += '\r\n';
    for (const m of this.monitors) {
      if (m === c) continue;
      m.reply.raw(line);
      m.flush();
    }
  }

  /** Whether a command that ran `usec` microseconds goes to SLOWLOG (slowlog-log-slower-than). */
  slowlogWants(usec: number): boolean {
    if (this.config.version !== this.hotConfigVersion) this.refreshHotConfig();
    const limit = this.slowlogLogSlowerThan;
    return limit >= 0 && usec >= limit;
  }

  /** Add to SLOWLOG when over slowlog-log-slower-than. `cmd`: the command argv ran, when the caller knows it. */
  slowlogAdd(c: Client, argv: string[], usec: number, _cmd?: Command): void {
    if (!this.slowlogWants(usec)) return;
    const max = this.config.num('slowlog-max-len');
    const args = argv.length > 32 ? [...argv.slice(0, 31), `... (${argv.length - 31} more arguments)`] : argv;
    this.slowlog.unshift({
      id: this.slowlogNextId++,
      time: Math.floor(this.now() / 1000),
      usec: Math.round(usec),
      argv: args.map((a) => (a.length > 128 ? `${a.slice(0, 128)}... (${a.length - 128} more bytes)` : a)),
      addr: c.addr,
      name: c.name,
    });
    if (this.slowlog.length > max) this.slowlog.length = max;
  }

  /** Publish keyspace notifications per notify-keyspace-events. `type` is the class char (g $ l s h z x e t m n). */
  notifyKeyspaceEvent(type: string, event: string, key: string, dbid: number): void {
    if (this.config.version !== this.hotConfigVersion) this.refreshHotConfig();
    const flags = this.notifyKeyspaceEvents;
    if (flags === '') return;
    const all = flags.includes('A') && 'g$lshzxet'.includes(type);
    if (!all && !flags.includes(type)) return;
    if (flags.includes('K')) this.pubsub.publish(`__keyspace@${dbid}__:${key}`, event);
    if (flags.includes('E')) this.pubsub.publish(`__keyevent@${dbid}__:${event}`, key);
  }
}

/** The reason anetTcpServer gives for a listen error, in Redis's words where they differ from Node's. */
function listenErrorText(err: NodeJS.ErrnoException): string {
  if (err.code === 'EADDRINUSE') return 'bind: ' + strerror(err);
  // getaddrinfo(3) failing on a bind address that is no address: gai_strerror(EAI_NONAME)
  if (err.syscall === 'getaddrinfo' || err.code === 'ENOTFOUND') return 'Name or service not known';
  return err.message;
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

/** Writes that touch other dbs or whole dbs. */
const WIDE_WRITES = new Set(['move', 'swapdb', 'flushall', 'flushdb']);

function quoteMonitorArg(a: string): string {
  let o = '"';
  for (let i = 0; i < a.length; i++) {
    const ch = a.charCodeAt(i);
    const c = a[i];
    if (c === '\\' || c === '"') o += '\\' + c;
    else if (c === '\n') o += '\\n';
    else if (c === '\r') o += '\\r';
    else if (c === '\t') o += '\\t';
    else if (c === '\x07') o += '\\a';
    else if (c === '\b') o += '\\b';
    else if (ch < 32 || ch > 126) o += '\\x' + ch.toString(16).padStart(2, '0');
    else o += c;
  }
  return o + '"';
}
