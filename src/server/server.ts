/**
 * The Server object: owns config, databases, clients and the parts, each a
 * typed field built here, and starts and stops them in one order written
 * once (start(), shutdown(), close()). Nothing here is module-global, so one
 * process may run several servers.
 *
 * The parts: listeners and connections (sockets), executor (the gate),
 * propagation (AOF, backlog, replicas), watch (key change signals), blocking,
 * pause, pubsub, latency and slowlog, persistence, replication, cron.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import { Config, ConfigRegistry } from '../config/schema';
import { DIRECTIVES } from '../config/directives';
import { Database, EXPIRE_DELETE, EXPIRE_HIDE, EXPIRE_KEEP, type DbHost } from '../keyspace/database';
import { lfuDecrAndReturn, lfuLogIncr } from '../keyspace/lfu';
import { Logger } from './logger';
import { HttpDashboard } from '../http/http';
import type { Client } from './client';
import { buildCommandTable } from '../commands/table';
import type { Command } from '../commands/spec';
import { Cron } from './cron';
import { bytesToText, textToBytes } from '../config/bytes';
import { Stats } from './stats';
import { Executor } from './executor';
import { Scripting } from '../scripting/engine';
import { Propagation } from './propagation';
import { KeyWatch } from './watch';
import { Tracking } from './tracking';
import { Blocking } from './blocking';
import { ClientPause } from './pause';
import { Connections } from './connection';
import { Listeners } from './listeners';
import { Tls, TLS_DIRECTIVES } from './tls';
import { Latency, Slowlog } from './latency';
import { adjustOpenFilesLimit } from './fd-limit';
import { StartupExit } from '../util/startup-exit';
import { PubSub } from './pubsub';
import { feedMonitors } from './monitor';
import { MemoryTracker } from '../info/memory';
import { Eviction } from './eviction';
import { Replication } from '../replication/replication';
import { Persistence } from '../persistence/persistence';
import { Acl } from './acl';

export { Stats } from './stats';
export type { PropagationSink } from './propagation';

/** Options of createServer(): config directives by name, plus embedding knobs. */
export interface ServerOptions {
  [directive: string]: unknown;
  /** write logs to stdout even without logfile (the CLI sets it; embedded servers are quiet) */
  logToStdout?: boolean;
  /** injectable clock (ms) */
  clock?: () => number;
}

/** SHUTDOWN's flags (NOSAVE/SAVE, NOW, FORCE). */
export interface ShutdownOptions {
  save: boolean | null;
  now: boolean;
  force: boolean;
}

/** The server. */
export class Server implements DbHost {
  readonly config: Config;
  readonly logger = new Logger();
  dbs: Database[] = [];
  readonly clients = new Map<number, Client>();
  nextClientId = 1;
  readonly commands: Map<string, Command>;
  readonly stats = new Stats();
  readonly memory: MemoryTracker = new MemoryTracker(this);
  /** changes since last save (Redis's server.dirty) */
  dirty = 0;
  dirtyBeforeBgsave = 0;
  lastSave: number;
  readonly runId: string;
  readonly startTime: number;
  readonly monitors = new Set<Client>();
  loading = false;
  shuttingDown = false;
  /** absolute data directory (`dir`) */
  dataDir = '.';
  /** start-up log line after the version (main.ts sets Redis's no-config-file warning) */
  configLoadedMessage = 'Configuration loaded';
  /** set by main.ts to exit the process after shutdown */
  onExit: (() => void) | null = null;

  // ---- the parts, in dependency order ----
  readonly cron: Cron;
  readonly executor: Executor;
  readonly propagation: Propagation;
  readonly blocking: Blocking;
  readonly watch: KeyWatch;
  /** client-side caching: the tracking table, BCAST prefixes, invalidations */
  readonly tracking: Tracking;
  readonly pause: ClientPause;
  readonly connections: Connections;
  readonly listeners: Listeners;
  /** TLS contexts of the tls-port listeners and of outgoing TLS connections */
  readonly tls: Tls;
  readonly latency: Latency;
  /** the optional http-port: dashboard, /metrics, /api/topology (src/http) */
  readonly http: HttpDashboard;
  readonly slowlog: Slowlog;
  readonly pubsub: PubSub;
  /** maxmemory, eviction and the heap guard */
  readonly eviction: Eviction;
  readonly replication: Replication;
  readonly persistence: Persistence;
  /** Lua: EVAL script cache, the VM, the running script */
  readonly scripting: Scripting;
  /** ACL users, the permission check the gate calls, the ACL log */
  readonly acl: Acl;

  private readonly clock: () => number;
  /** while a command runs, the time read first is kept for the rest of it (-1: not read yet) */
  private clockFrozen = false;
  private cmdTime = -1;
  private closed = false;

  constructor(options: ServerOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.commands = buildCommandTable();
    this.config = new Config(new ConfigRegistry(DIRECTIVES), (from, to) => this.renameCommand(from, to));
    this.runId = crypto.randomBytes(20).toString('hex');
    this.startTime = this.now();
    this.lastSave = Math.floor(this.now() / 1000);
    this.logger.quiet = !options.logToStdout;
    this.logger.role = () => (this.isReplica() ? 'S' : 'M');

    this.acl = new Acl(this);
    this.cron = new Cron(this);
    this.executor = new Executor(this);
    this.propagation = new Propagation(() => !this.isReplica());
    this.blocking = new Blocking(this);
    this.tracking = new Tracking(this);
    this.watch = new KeyWatch(() => this.dbs, this.blocking, this.tracking);
    this.pause = new ClientPause(this);
    this.connections = new Connections(this);
    this.tls = new Tls(this);
    this.listeners = new Listeners(this);
    const now = () => this.now();
    this.latency = new Latency(this.config, now);
    this.slowlog = new Slowlog(this.config, now);
    this.pubsub = new PubSub(this);
    this.scripting = new Scripting(this);
    this.eviction = new Eviction(this);
    // persistence and replication need a little of each other: each gets an interface, neither imports the other
    this.replication = new Replication(this, {
      stopAofForSync: () => this.persistence.stopAofForSync(),
      restartAofAfterSync: () => this.persistence.restartAofAfterSync(),
    });
    this.persistence = new Persistence(this, this.replication);
    this.http = new HttpDashboard(this);
    this.propagation.repl = this.replication.feed;
    this.propagation.aof = this.persistence.aof;
    this.cron.every('memory-peak', 1000, () => this.memory.samplePeak());
  }

  /** TCP port actually bound (port 0 picks a free one). */
  get port(): number {
    return this.listeners.port;
  }

  /** rename-command in the config file, as Redis: "" removes the command. Returns an error text or null. */
  private renameCommand(from: string, to: string): string | null {
    const cmd = this.commands.get(from.toLowerCase());
    if (cmd === undefined) return 'No such command in rename-command';
    this.executor.clearCommandCache();
    this.commands.delete(from.toLowerCase());
    if (to !== '') {
      if (this.commands.has(to.toLowerCase())) return 'Target command name already exists';
      this.commands.set(to.toLowerCase(), cmd);
    }
    return null;
  }

  /**
   * ms clock. While a client's command runs, the time read first is kept for
   * the rest of it, as Redis caches mstime in call() (one clock read per
   * command instead of one per key touched; EXEC's commands share EXEC's).
   */
  now(): number {
    if (!this.clockFrozen) return this.clock();
    if (this.cmdTime < 0) this.cmdTime = this.clock();
    return this.cmdTime;
  }

  /**
   * A top-level command starts: returns true when this call froze the clock
   * (and must thaw it). `at`: a wall-clock read it may use as its time
   * (executor: one read of the same batch of a client's input, under 1 ms
   * old), else -1: the first now() reads the clock.
   */
  freezeClock(at = -1): boolean {
    if (this.clockFrozen) return false;
    this.clockFrozen = true;
    this.cmdTime = at;
    return true;
  }

  /** Whether close() ran (a script suspended across event-loop turns must not resume on a closed server). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Freeze the clock at a given time (a suspended script resumes with its start time, Redis's script snapshot time). */
  freezeClockAt(t: number): void {
    this.clockFrozen = true;
    this.cmdTime = t;
  }

  /** The top-level command ended: returns the time it used (-1: it read none). */
  thawClock(): number {
    this.clockFrozen = false;
    return this.cmdTime;
  }

  // ---------------------------------------------------------------- start/stop

  /**
   * Start, in Redis's order: databases and config, listen, load the data
   * (clients get -LOADING meanwhile), connect to a master, tick.
   */
  async start(): Promise<void> {
    const cfg = this.config;
    this.logger.setLevel(cfg.settings.loglevel);
    if (cfg.settings.logfile !== '') this.logger.setFile(cfg.path('logfile'));
    this.dbs = [];
    for (let i = 0; i < cfg.settings.databases; i++) this.dbs.push(new Database(i, this));
    const dir = cfg.path('dir');
    if (dir !== '') fs.mkdirSync(dir, { recursive: true });
    this.dataDir = path.resolve(dir === '' ? '.' : dir);
    cfg.setRaw('dir', textToBytes(this.dataDir));
    this.registerConfigHooks();
    this.loadUsers();
    this.replication.configureFromConfig();
    this.memory.recordStartup();
    // Redis prints these from main() before the server exists: role C, warning level
    const role = this.logger.role;
    this.logger.role = () => 'C';
    this.logger.warning('oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo');
    this.logger.warning(`Redis version=7.0.15, bits=64, commit=00000000, modified=0, pid=${process.pid}, just started`);
    this.logger.warning(this.configLoadedMessage);
    this.logger.role = role;
    this.fitMaxclientsToFileLimit();
    this.logger.notice('monotonic clock: POSIX clock_gettime');
    if (this.tls.wanted) {
      try {
        this.tls.configure();
      } catch (e) {
        this.logger.warning((e as Error).message);
        this.logger.warning('Failed to configure TLS. Check logs for more info.');
        throw new StartupExit(`Failed to configure TLS: ${(e as Error).message}`);
      }
    }
    // Redis's main(): initServer() listens, then the data loads while clients get -LOADING
    await this.listeners.listen();
    this.config.setRaw('port', this.port);
    this.logger.notice(`Running mode=standalone, port=${this.port}.`);
    this.logger.raw(`tredis 7.0.15 (Redis-compatible) running in standalone mode, Port: ${this.port}, PID: ${process.pid}\n`);
    this.logger.warning('Server initialized');
    try {
      await this.persistence.loadDataFromDisk();
      await this.http.start();
    } catch (e) {
      for (const c of [...this.clients.values()]) c.kill();
      await this.listeners.abort();
      throw e;
    }
    this.replication.start();
    this.cron.start();
    this.logger.notice('Ready to accept connections');
  }

  /** adjustOpenFilesLimit at start-up: maxclients lowered (with Redis's lines) when the open-file limit cannot hold it. */
  private fitMaxclientsToFileLimit(): void {
    const adj = adjustOpenFilesLimit(this.config.settings.maxclients);
    for (const [level, line] of adj.log) this.logger[level](line);
    if (adj.fatal) throw new StartupExit();
    if (adj.maxclients !== this.config.settings.maxclients) this.config.setRaw('maxclients', adj.maxclients);
  }

  /** requirepass as the default user's password, then the config's `user` lines or the aclfile (ACLLoadUsersAtStartup). */
  private loadUsers(): void {
    this.acl.updateDefaultUserPassword(this.config.settings.requirepass);
    const users = this.config.extras.filter((e) => e.name === 'user').map((e) => e.args);
    const fatal = this.acl.loadAtStartup(users);
    if (fatal !== null) {
      for (const line of fatal) this.logger.warning(line);
      throw new StartupExit();
    }
  }

  private registerConfigHooks(): void {
    const cfg = this.config;
    cfg.onSettingChange('requirepass', (v) => this.acl.updateDefaultUserPassword(v));
    cfg.onSettingChange('loglevel', (v) => this.logger.setLevel(v));
    cfg.onSettingChange('dir', (v) => {
      const d = path.resolve(this.dataDir, bytesToText(v));
      if (!fs.existsSync(d) || !fs.statSync(d).isDirectory()) throw new Error('No such file or directory');
      this.dataDir = d;
      cfg.setRaw('dir', textToBytes(d));
    });
    // port, tls-port and bind are applied by CONFIG SET through listeners.relisten() (binding is asynchronous)
    for (const name of TLS_DIRECTIVES) cfg.onChange(name, () => this.tls.reconfigure());
    cfg.onSettingChange('hz', () => this.cron.reschedule());
    cfg.onSettingChange('protoMaxBulkLen', (v) => {
      for (const c of this.clients.values()) c.parser.limits.maxBulkLen = v;
    });
    cfg.onSettingChange('clientQueryBufferLimit', (v) => {
      for (const c of this.clients.values()) c.parser.limits.maxQueryBuffer = v;
    });
    cfg.onSettingChange('maxclients', (v, old) => {
      // updateMaxclients: a larger value must fit the open-file limit
      if (v > old) {
        const adj = adjustOpenFilesLimit(v);
        for (const [level, line] of adj.log) this.logger[level](line);
        if (adj.maxclients !== v) throw new Error(`The operating system is not able to handle the specified number of clients, try with ${adj.maxclients}`);
      }
      this.listeners.setMaxClients(v);
    });
  }

  /** Close everything: timers, clients, the parts (replication, then persistence), listeners, the log. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.shuttingDown = true;
    this.cron.stop();
    this.pause.stop();
    this.eviction.stop();
    for (const c of [...this.clients.values()]) c.kill();
    this.replication.shutdown();
    this.persistence.shutdown();
    await this.listeners.close();
    await this.http.stop();
    this.logger.close();
  }

  /** SHUTDOWN / SIGTERM: let replicas catch up, save per flags and config, then close. Returns false if aborted. */
  async shutdown(opts: ShutdownOptions): Promise<boolean> {
    this.logger.warning('User requested shutdown...');
    await this.replication.beforeShutdown(opts);
    const ok = await this.persistence.beforeShutdown(opts);
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

  // ---------------------------------------------------------------- data

  /**
   * emptyData(-1): break WATCHes as Redis, let running snapshots finish their walk, flush every db
   * and the function libraries (an RDB load brings its own; FLUSHALL keeps them and does not come here).
   */
  emptyData(): void {
    this.cron.replicaKeys.clear();
    for (const h of this.watch.snapshotHooks.slice()) h.beforeWriteAll();
    this.watch.signalFlushedDb(-1);
    for (const db of this.dbs) db.flush();
    this.scripting.functions.flush();
  }

  /**
   * Replace the dataset with `fresh` (one database per db index), as emptyData
   * followed by a load would, without a moment of half a dataset: snapshots
   * finish their walk, WATCHes break as Redis's touchAllWatchedKeysInDb.
   */
  replaceData(fresh: Database[]): void {
    this.cron.replicaKeys.clear();
    for (const h of this.watch.snapshotHooks.slice()) h.beforeWriteAll();
    this.watch.signalFlushedDb(-1, fresh);
    for (let i = 0; i < this.dbs.length; i++) this.dbs[i].swapWith(fresh[i]);
  }

  /** Add the keys of `fresh` to the dataset, replacing keys of the same name (DEBUG RELOAD NOFLUSH). */
  mergeData(fresh: Database[]): void {
    for (const h of this.watch.snapshotHooks.slice()) h.beforeWriteAll();
    const now = this.now();
    for (let i = 0; i < this.dbs.length; i++) {
      fresh[i].forEach((key, value, expireAt) => {
        this.dbs[i].setNew(key, value, expireAt, now);
        this.watch.signalModifiedKey(i, key);
      });
    }
  }

  /** DbHost: masters delete expired keys; replicas hide them (the master link sees them); loading keeps them. */
  expireMode(): number {
    if (this.loading) return EXPIRE_KEEP;
    if (this.isReplica()) return this.executor.currentClient?.isMaster === true ? EXPIRE_KEEP : EXPIRE_HIDE;
    return EXPIRE_DELETE;
  }

  /** DbHost: a writable replica remembers the keys its own clients gave a TTL (Redis's rememberSlaveKeyWithExpire) to expire them itself. */
  onExpireSet(db: Database, key: string): void {
    if (!this.isReplica()) return;
    const c = this.executor.currentClient;
    if (c !== null && !c.isMaster) this.cron.replicaKeys.remember(db.id, key);
  }

  /** DbHost: an expired key was reclaimed: propagate DEL, notify, count. */
  onExpired(db: Database, key: string): void {
    this.stats.expiredKeys++;
    this.watch.beforeKeyWrite(db.id, key);
    this.notifyKeyspaceEvent('x', 'expired', key, db.id);
    this.watch.signalModifiedKey(db.id, key, true);
    this.propagation.also(db.id, ['DEL', key]);
    if (!this.executor.inUnit) this.propagation.flush();
  }

  /**
   * A command accessed a key (lookupKey without LOOKUP_NOTOUCH): its access
   * time for OBJECT IDLETIME, and under an LFU maxmemory-policy the
   * logarithmic access counter of OBJECT FREQ (decayed, then incremented).
   */
  touchSlot(db: Database, s: number): void {
    const settings = this.config.settings;
    const t = db.table;
    const now = this.now();
    const policy = settings.maxmemoryPolicy;
    if (policy === 'allkeys-lfu' || policy === 'volatile-lfu') t.setLfu(s, lfuLogIncr(lfuDecrAndReturn(t.lfu(s), t.lru(s), now, settings.lfuDecayTime), settings.lfuLogFactor));
    t.setLru(s, Math.floor(now / 1000));
  }

  /** OBJECT FREQ: the LFU counter with the decay owed until now. */
  lfuFrequency(db: Database, s: number): number {
    return lfuDecrAndReturn(db.table.lfu(s), db.table.lru(s), this.now(), this.config.settings.lfuDecayTime);
  }

  /** Publish keyspace notifications per notify-keyspace-events. `type` is the class char (g $ l s h z x e t m n). */
  notifyKeyspaceEvent(type: string, event: string, key: string, dbid: number): void {
    const flags = this.config.settings.notifyKeyspaceEvents;
    if (flags === '') return;
    const all = flags.includes('A') && 'g$lshzxet'.includes(type);
    if (!all && !flags.includes(type)) return;
    if (flags.includes('K')) this.pubsub.publish(`__keyspace@${dbid}__:${key}`, event);
    if (flags.includes('E')) this.pubsub.publish(`__keyevent@${dbid}__:${event}`, key);
  }

  // ---------------------------------------------------------------- roles and services

  /** Whether we replicate from a master. */
  isReplica(): boolean {
    return this.replication.isReplica();
  }

  /** On a replica: whether the master link is up. */
  masterLinkUp(): boolean {
    return this.replication.replica.state === 'connected';
  }

  /** Whether new clients must AUTH (the default user has a password or is off). */
  requiresAuth(): boolean {
    return this.acl.requiresAuth();
  }

  /** Count an error reply in INFO errorstats. */
  countError(msg: string): void {
    this.stats.totalErrorReplies++;
    // afterErrorReply: the code is the first word (within 32 bytes), else ERR
    const sp = msg.indexOf(' ');
    const code = sp < 0 || sp >= 32 ? 'ERR' : msg.slice(0, sp);
    this.stats.errors.set(code, (this.stats.errors.get(code) ?? 0) + 1);
  }

  /** Feed MONITOR clients (monitor.ts). */
  feedMonitors(c: Client, argv: string[]): void {
    feedMonitors(this.monitors, c, argv, this.now());
  }

}
