/**
 * The persistence subsystem: RDB (SAVE/BGSAVE, save points, loading at
 * start-up, SHUTDOWN/SIGTERM saving, FLUSHALL and DEBUG RELOAD) and the
 * multi-part AOF; a typed part of the Server (server.persistence). It owns
 * the `persistence` INFO section and MISCONF (writeDeniedByDiskError).
 */
import * as fs from 'node:fs';
import type { Server, ShutdownOptions } from '../server/server';
import { Database } from '../keyspace/database';
import type { Client } from '../server/client';
import type { SavePoint } from '../config/directives';
import { RdbSaver, BGSAVE_RETRY_DELAY } from './rdb-save';
import { Aof, AofStartupError } from './aof/aof';
import { StartupExit } from '../util/startup-exit';
import { RdbLoader } from './rdb-load';
import { RdbError } from './rdb/errors';
import { runningSnapshots, snapshotInProgress } from './snapshot';
import { strerror } from '../util/strerror';

/** The MISCONF reply after a failed BGSAVE (shared.bgsaveerr). */
export const MISCONF_RDB =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/** Progress of a load in progress (INFO loading_*). */
interface LoadingInfo {
  /** unix seconds */
  startTime: number;
  totalBytes: number;
  loadedBytes: number;
  rdbUsedMem: number;
}

/** Run a loader's steps to the end, giving the event loop a turn between steps (clients get -LOADING meanwhile). */
async function runYielding<T>(steps: Generator<void, T>): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * What persistence needs from replication: the AUX fields a save stores and
 * a load restores. Passed in by the server, so neither part imports the other.
 */
export interface ReplicationAux {
  /** rdbPopulateSaveInfo: repl-stream-db / repl-id / repl-offset, or null outside a replication chain */
  saveInfo(): { streamDb: number; id: string; offset: number } | null;
  /**
   * loadDataFromDisk before the RDB load: a master creates its backlog and
   * returns where the DELs of the keys found expired go (Redis's
   * RDBFLAGS_FEED_REPL); a replica returns undefined.
   */
  beginStartupLoad(): ((db: number, key: string) => void) | undefined;
  /** loadDataFromDisk after it: restore the replication ID and offset from a loaded file's AUX fields (null: no file) */
  restoreFromAux(aux: Map<string, string> | Record<string, string> | null): void;
}

export class Persistence {
  readonly rdb: RdbSaver;
  readonly aof: Aof;
  /** rdb_last_load_keys_loaded / expired */
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;
  loadingInfo: LoadingInfo | null = null;

  constructor(
    readonly server: Server,
    private readonly repl: ReplicationAux,
  ) {
    this.rdb = new RdbSaver(server, () => repl.saveInfo() ?? undefined);
    this.aof = new Aof(server);
    server.cron.every('persistence', 0, () => this.cron());
    server.config.onSettingChange('appendonly', (v) => {
      if (v === false && this.aof.state !== 'off') this.aof.stop();
      else if (v === true && this.aof.state === 'off' && !this.aof.start()) throw new Error('Unable to turn on AOF. Check server logs.');
    });
  }

  /** Server close: stop a running BGSAVE, close the AOF. */
  shutdown(): void {
    this.rdb.abortBgsave(true);
    this.aof.close();
  }

  /**
   * For the replica side of a full sync (readSyncBulkPayload): stop the AOF
   * before the dataset is replaced; the old files no longer describe it.
   */
  stopAofForSync(): void {
    if (this.aof.state !== 'off') this.aof.stop();
  }

  /**
   * restartAOFAfterSYNC: after a full sync loaded, turn the AOF back on when
   * `appendonly yes` (a rewrite writes the new base). Tries every second, up
   * to 10 times, as Redis; the binary then exits.
   */
  restartAofAfterSync(): void {
    const server = this.server;
    if (!server.config.settings.appendonly || this.aof.state !== 'off') return;
    let tries = 0;
    const attempt = (): void => {
      if (this.aof.state !== 'off' || server.shuttingDown) return;
      if (this.aof.start()) return;
      if (++tries >= 10) {
        server.logger.warning("FATAL: this replica instance finished the synchronization with its master, but the AOF can't be turned on. Exiting now.");
        if (server.onExit !== null) process.exit(1);
        return;
      }
      server.logger.warning('Failed enabling the AOF after successful master synchronization! Trying it again in one second.');
      setTimeout(attempt, 1000).unref();
    };
    attempt();
  }

  /** Configured save points (`save <seconds> <changes>`). */
  savePoints(): SavePoint[] {
    return this.server.config.settings.save as SavePoint[];
  }

  private nowSec(): number {
    return Math.floor(this.server.now() / 1000);
  }

  // ------------------------------------------------------------ loading

  private beginLoading(totalBytes: number): void {
    this.server.loading = true;
    this.loadingInfo = { startTime: this.nowSec(), totalBytes, loadedBytes: 0, rdbUsedMem: 0 };
  }

  private endLoading(): void {
    this.server.loading = false;
    this.loadingInfo = null;
  }

  /**
   * Read an RDB file synchronously into the databases (rdbLoad). Throws
   * RdbError or the fs error; a missing file throws ENOENT.
   */
  loadRdbFileSync(file: string, keepExpired: boolean, dbs?: Database[], functions?: string[]): RdbLoader {
    const steps = this.rdbLoadSteps(file, keepExpired, dbs, functions);
    for (;;) {
      const r = steps.next();
      if (r.done === true) return r.value;
    }
  }

  /**
   * The same, giving the event loop a turn after every chunk read (Redis's
   * processEventsWhileBlocked while loading): clients that connect meanwhile
   * get -LOADING and INFO shows the progress.
   */
  loadRdbFileYielding(file: string, keepExpired: boolean, onExpired?: (db: number, key: string) => void): Promise<RdbLoader> {
    return runYielding(this.rdbLoadSteps(file, keepExpired, undefined, undefined, onExpired));
  }

  /** rdbLoad in steps: each step reads and parses loading-process-events-interval-bytes (at most 1 MB). */
  private *rdbLoadSteps(
    file: string,
    keepExpired: boolean,
    dbs?: Database[],
    functions?: string[],
    onExpired?: (db: number, key: string) => void,
  ): Generator<void, RdbLoader> {
    const loader = new RdbLoader(this.server, { keepExpired, dbs, functions, onExpired });
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      this.beginLoading(size);
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, this.server.config.settings.loadingProcessEventsIntervalBytes));
      let off = 0;
      for (;;) {
        const n = fs.readSync(fd, chunk, 0, chunk.length, off);
        if (n === 0) break;
        loader.push(Buffer.from(chunk.subarray(0, n)));
        off += n;
        if (this.loadingInfo) this.loadingInfo.loadedBytes = off;
        if (loader.done) break;
        yield;
      }
      loader.end();
    } finally {
      fs.closeSync(fd);
      this.endLoading();
    }
    this.lastLoadKeysLoaded = loader.keysLoaded;
    this.lastLoadKeysExpired = loader.keysExpired;
    return loader;
  }

  /** Log an RDB load failure the way rdbLoad / rdbReportError do; returns the line Redis ends with before exiting. */
  private reportRdbError(e: unknown): string {
    const log = this.server.logger;
    if (!(e instanceof RdbError)) return `Fatal error loading the DB: ${strerror(e)}. Exiting.`;
    const at = e.offset < 0 ? 0 : e.offset;
    switch (e.code) {
      case 'SIGNATURE':
        log.warning('Wrong signature trying to load DB from file');
        return 'Fatal error loading the DB: Invalid argument. Exiting.';
      case 'VERSION':
        log.warning(e.detail);
        return 'Fatal error loading the DB: Invalid argument. Exiting.';
      case 'EOF':
        log.warning('Short read or OOM loading DB. Unrecoverable error, aborting now.');
        log.warning(`Internal error in RDB reading offset ${at} -> ${e.detail}`);
        return 'Terminating server after rdb file reading failure.';
      case 'CHECKSUM':
        log.warning(`${e.detail}. Aborting now.`);
        log.warning(`Internal error in RDB reading offset ${at} -> RDB CRC error`);
        return 'Terminating server after rdb file reading failure.';
      default:
        log.warning(`Internal error in RDB reading offset ${at} -> ${e.detail}`);
        return 'Terminating server after rdb file reading failure.';
    }
  }

  /**
   * Start-up (aofLoadManifestFromDisk, loadDataFromDisk,
   * aofOpenIfNeededOnServerStart, aofDelHistoryFiles). Throws to stop the
   * start-up; the data files are left untouched.
   */
  async loadDataFromDisk(): Promise<void> {
    const s = this.server;
    const cfg = s.config;
    const log = s.logger;
    try {
      this.aof.loadManifestFromDisk();
    } catch (e) {
      if (e instanceof AofStartupError) throw new StartupExit();
      throw e;
    }
    const t0 = process.hrtime.bigint();
    const secs = (): string => (Number(process.hrtime.bigint() - t0) / 1e9).toFixed(3);
    if (cfg.settings.appendonly) {
      const totalBefore = s.stats.totalCommands;
      let res;
      this.beginLoading(0);
      try {
        const steps = this.aof.loadFiles(
          (d) => {
            if (this.loadingInfo) this.loadingInfo.loadedBytes += d;
          },
          (l) => {
            this.lastLoadKeysLoaded = l.keysLoaded;
            this.lastLoadKeysExpired = l.keysExpired;
          },
        );
        res = await runYielding(steps);
      } catch (e) {
        if (e instanceof AofStartupError) throw new StartupExit();
        throw e;
      } finally {
        this.endLoading();
        resetCommandStats(s, totalBefore);
      }
      if (res.status === 'failed' || res.status === 'open_err') throw new StartupExit();
      if (res.status === 'ok' || res.status === 'truncated') this.aof.setLoadedSizes(res.totalSize, res.baseSize);
      if (res.status !== 'not_exist') log.notice(`DB loaded from append only file: ${secs()} seconds`);
    } else {
      const file = this.rdb.filename;
      let loader: RdbLoader | null = null;
      const feedExpired = this.repl.beginStartupLoad();
      try {
        loader = await this.loadRdbFileYielding(file, s.isReplica(), feedExpired);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || e instanceof RdbError) {
          const msg = this.reportRdbError(e);
          throw new Error(msg);
        }
      }
      if (loader !== null) log.notice(`DB loaded from disk: ${secs()} seconds`);
      this.repl.restoreFromAux(loader === null ? null : loader.aux);
    }
    if (cfg.settings.appendonly) {
      try {
        this.aof.openOnServerStart();
      } catch (e) {
        if (e instanceof AofStartupError) throw new StartupExit();
        throw e;
      }
    }
    this.aof.deleteHistoryFiles();
  }

  // ------------------------------------------------------------ cron

  /** serverCron's persistence part: scheduled rewrites/saves, save points, automatic AOF rewrite. */
  cron(): void {
    const s = this.server;
    const rdb = this.rdb;
    const nowSec = this.nowSec();
    this.aof.cron();
    this.aof.startScheduledRewrite();
    if (!snapshotInProgress(s)) {
      for (const sp of this.savePoints()) {
        if (s.dirty >= sp.changes && nowSec - s.lastSave > sp.seconds && (nowSec - rdb.lastBgsaveTry > BGSAVE_RETRY_DELAY || rdb.lastBgsaveStatus === 'ok')) {
          s.logger.notice(`${sp.changes} changes in ${sp.seconds} seconds. Saving...`);
          rdb.startBgsave();
          break;
        }
      }
      this.aof.startAutomaticRewrite();
    }
    if (!snapshotInProgress(s) && rdb.bgsaveScheduled && (nowSec - rdb.lastBgsaveTry > BGSAVE_RETRY_DELAY || rdb.lastBgsaveStatus === 'ok')) {
      if (rdb.startBgsave()) rdb.bgsaveScheduled = false;
    }
  }

  // ------------------------------------------------------------ hooks

  /** writeCommandsDeniedByDiskError + writeCommandsGetDiskErrorMessage. */
  writeDeniedByDiskError(): string | null {
    const cfg = this.server.config;
    // runs before every write command: the cheap field test first
    if (this.rdb.lastBgsaveStatus === 'err' && cfg.settings.stopWritesOnBgsaveError && this.savePoints().length > 0) return MISCONF_RDB;
    const aof = this.aof;
    if (aof.state !== 'off') {
      if (aof.lastWriteStatus === 'err') return `MISCONF Errors writing to the AOF file: ${aof.lastWriteError}`;
      if (aof.fsyncStatus === 'err') return `MISCONF Errors writing to the AOF file: ${aof.fsyncError}`;
    }
    return null;
  }

  /** prepareForShutdown's persistence part. */
  beforeShutdown(opts: ShutdownOptions): boolean {
    const s = this.server;
    const log = s.logger;
    if (this.rdb.job !== null) {
      log.warning('There is a child saving an .rdb. Killing it!');
      this.rdb.abortBgsave(true);
    }
    if (!this.aof.beforeShutdown(opts.force)) return false;
    if ((this.savePoints().length > 0 && opts.save !== false) || opts.save === true) {
      log.notice('Saving the final RDB snapshot before exiting.');
      if (!this.rdb.saveSync()) {
        if (opts.force) log.warning('Error trying to save the DB. Exit anyway.');
        else {
          log.warning("Error trying to save the DB, can't exit.");
          return false;
        }
      }
    }
    return true;
  }

  /** flushAllDataAndResetRDB: kill our BGSAVE, then rewrite the dump when save points exist (dirty kept). */
  afterFlushAll(): void {
    this.rdb.abortBgsave();
    // Redis 7.0's flushAllDataAndResetRDB: the save resets the change count (FLUSHALL forces its own propagation)
    if (this.savePoints().length > 0) this.rdb.saveSync();
  }

  /**
   * Format: DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE] (`args` are the options
   * after RELOAD). Saves the RDB, empties the dataset, loads the file back;
   * writes the reply.
   */
  debugReload(c: Client, args: string[]): void {
    const s = this.server;
    let flush = true;
    let save = true;
    let merge = false;
    for (const a of args) {
      const o = a.toLowerCase();
      if (o === 'merge') merge = true;
      else if (o === 'noflush') flush = false;
      else if (o === 'nosave') save = false;
      else {
        c.reply.error('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
        return;
      }
    }
    if (save && !this.rdb.saveSync()) {
      c.reply.error('ERR');
      return;
    }
    // The dump loads into fresh databases and replaces (or, NOFLUSH, joins) the
    // dataset only once it loaded whole: a corrupt or truncated file leaves the
    // data as it was (Redis 7.0.15 would serve the keys read before the error).
    const fresh = s.dbs.map((db) => new Database(db.id, s));
    const libraries: string[] = [];
    const fn = s.scripting.functions;
    const before = fn.codes();
    try {
      this.loadRdbFileSync(this.rdb.filename, s.isReplica(), fresh, libraries);
      // the libraries first: NOFLUSH meets the ones already there (an error unless MERGE, as Redis's rdbFunctionLoad)
      if (flush) fn.flush();
      for (const code of libraries) fn.create(code, merge, 0);
    } catch (e) {
      if (e instanceof RdbError) this.reportRdbError(e);
      else if (libraries.length > 0) s.logger.warning(`Failed loading library: ${(e as Error).message}`);
      fn.flush();
      for (const code of before) fn.create(code, false, 0);
      c.reply.error('ERR Error trying to load the RDB dump');
      return;
    }
    if (flush) s.replaceData(fresh);
    else s.mergeData(fresh);
    s.logger.warning('DB reloaded by DEBUG RELOAD');
    c.reply.ok();
  }

  /**
   * Format: DEBUG LOADAOF. Flushes the AOF buffer, empties the data and loads
   * the AOF files back (aofLoadManifestFromDisk, aofDelHistoryFiles,
   * loadAppendOnlyFiles), as Redis 7.0.15; writes the reply. The files load
   * into empty databases while the dataset is held aside, and it comes back
   * whole when the load fails (Redis exits then): `ERR Error trying to load
   * the AOF files`. The replayed commands are neither propagated nor counted
   * (Redis runs them with cmd->proc).
   */
  debugLoadAof(c: Client): void {
    const s = this.server;
    const aof = this.aof;
    if (aof.state !== 'off') aof.flush();
    for (const h of s.watch.snapshotHooks.slice()) h.beforeWriteAll();
    const held = s.dbs.map((db) => new Database(db.id, s));
    for (let i = 0; i < s.dbs.length; i++) s.dbs[i].swapWith(held[i]);
    const fn = s.scripting.functions;
    const libraries = fn.codes();
    fn.flush();
    const prop = s.propagation;
    const targets = prop.targets;
    prop.targets = 0;
    const restoreStats = saveCommandStats(s);
    let status = 'failed';
    let sizes: [number, number] = [0, 0];
    this.beginLoading(0);
    try {
      aof.loadManifestFromDisk();
      aof.deleteHistoryFiles();
      const steps = aof.loadFiles(
        () => undefined,
        (l) => {
          this.lastLoadKeysLoaded = l.keysLoaded;
          this.lastLoadKeysExpired = l.keysExpired;
        },
      );
      let r = steps.next();
      while (r.done !== true) r = steps.next();
      status = r.value.status;
      sizes = [r.value.totalSize, r.value.baseSize];
    } catch (e) {
      if (!(e instanceof AofStartupError)) s.logger.warning(`DEBUG LOADAOF: ${strerror(e)}`);
    } finally {
      this.endLoading();
      prop.targets = targets;
      restoreStats();
    }
    // Redis goes on only after AOF_OK / AOF_EMPTY; a file cut by aof-load-truncated loads as at start-up
    if (status !== 'ok' && status !== 'empty' && status !== 'truncated') {
      for (let i = 0; i < s.dbs.length; i++) s.dbs[i].swapWith(held[i]);
      fn.flush();
      for (const code of libraries) fn.create(code, false, 0);
      s.logger.warning('DEBUG LOADAOF failed: the dataset was kept as it was');
      c.reply.error('ERR Error trying to load the AOF files');
      return;
    }
    if (status !== 'empty') aof.setLoadedSizes(sizes[0], sizes[1]);
    // the loaded data in `held`, the old back in place for replaceData (WATCH, snapshots, a writable replica's TTL keys)
    for (let i = 0; i < s.dbs.length; i++) s.dbs[i].swapWith(held[i]);
    s.replaceData(held);
    s.dirty = 0;
    s.logger.warning('Append Only File loaded by DEBUG LOADAOF');
    c.reply.ok();
  }

  // ------------------------------------------------------------ INFO

  /** The `# Persistence` section, in Redis 7.0's order. */
  info(): Array<[string, string | number]> {
    const s = this.server;
    const rdb = this.rdb;
    const aof = this.aof;
    const snaps = runningSnapshots(s);
    let processed = 0;
    let total = 0;
    if (snaps.length > 0) {
      processed = snaps[0].keysWritten;
      if (rdb.job !== null && snaps[0] === rdb.job.snapshot) total = rdb.job.keysTotal;
      else for (const db of s.dbs) total += db.size;
      if (processed > total) total = processed;
    }
    const forkPerc = total > 0 ? (processed / total) * 100 : 0;
    const out: Array<[string, string | number]> = [
      ['loading', s.loading ? 1 : 0],
      ['async_loading', 0],
      ['current_cow_peak', 0],
      ['current_cow_size', 0],
      ['current_cow_size_age', 0],
      ['current_fork_perc', forkPerc.toFixed(2)],
      ['current_save_keys_processed', processed],
      ['current_save_keys_total', total],
      ['rdb_changes_since_last_save', s.dirty],
      ['rdb_bgsave_in_progress', rdb.rdbChildActive() ? 1 : 0],
      ['rdb_last_save_time', s.lastSave],
      ['rdb_last_bgsave_status', rdb.lastBgsaveStatus],
      ['rdb_last_bgsave_time_sec', rdb.lastBgsaveTimeSec],
      ['rdb_current_bgsave_time_sec', rdb.currentBgsaveTimeSec()],
      ['rdb_saves', rdb.saves],
      ['rdb_last_cow_size', 0],
      ['rdb_last_load_keys_expired', this.lastLoadKeysExpired],
      ['rdb_last_load_keys_loaded', this.lastLoadKeysLoaded],
      ['aof_enabled', aof.state !== 'off' ? 1 : 0],
      ['aof_rewrite_in_progress', aof.rewrite !== null ? 1 : 0],
      ['aof_rewrite_scheduled', aof.rewriteScheduled ? 1 : 0],
      ['aof_last_rewrite_time_sec', aof.lastRewriteTimeSec],
      ['aof_current_rewrite_time_sec', aof.currentRewriteTimeSec()],
      ['aof_last_bgrewrite_status', aof.lastBgrewriteStatus],
      ['aof_rewrites', aof.rewrites],
      ['aof_rewrites_consecutive_failures', aof.consecutiveFailures],
      ['aof_last_write_status', aof.lastWriteStatus === 'ok' && aof.fsyncStatus === 'ok' ? 'ok' : 'err'],
      ['aof_last_cow_size', 0],
      ['module_fork_in_progress', 0],
      ['module_fork_last_cow_size', 0],
    ];
    if (s.config.settings.appendonly) {
      out.push(
        ['aof_current_size', aof.currentSize],
        ['aof_base_size', aof.rewriteBaseSize],
        ['aof_pending_rewrite', aof.rewriteScheduled ? 1 : 0],
        ['aof_buffer_length', aof.bufferLength],
        ['aof_pending_bio_fsync', aof.pendingFsyncs],
        ['aof_delayed_fsync', aof.delayedFsync],
      );
    }
    if (s.loading) {
      const li = this.loadingInfo ?? { startTime: this.nowSec(), totalBytes: 0, loadedBytes: 0, rdbUsedMem: 0 };
      let perc = 0;
      let remaining = 1;
      if (li.totalBytes > 0) {
        perc = (li.loadedBytes / li.totalBytes) * 100;
        remaining = li.totalBytes - li.loadedBytes;
      } else if (li.rdbUsedMem > 0) {
        perc = Math.min(99.99, (li.loadedBytes / li.rdbUsedMem) * 100);
        remaining = Math.max(1, li.rdbUsedMem - li.loadedBytes);
      }
      const elapsed = this.nowSec() - li.startTime;
      const eta = elapsed === 0 ? 1 : Math.floor((elapsed * remaining) / (li.loadedBytes + 1));
      out.push(
        ['loading_start_time', li.startTime],
        ['loading_total_bytes', li.totalBytes],
        ['loading_rdb_used_mem', li.rdbUsedMem],
        ['loading_loaded_bytes', li.loadedBytes],
        ['loading_loaded_perc', perc.toFixed(2)],
        ['loading_eta_seconds', eta],
      );
    }
    return out;
  }
}

/** The command statistics as they are now; the returned function puts them back (DEBUG LOADAOF replays without counting). */
function saveCommandStats(s: Server): () => void {
  const saved: Array<[import('../commands/spec').Command['stats'], number, number, number, number]> = [];
  const seen = new Set<object>();
  const walk = (cmds: Iterable<import('../commands/spec').Command>): void => {
    for (const c of cmds) {
      if (seen.has(c)) continue;
      seen.add(c);
      saved.push([c.stats, c.stats.calls, c.stats.usec, c.stats.failed, c.stats.rejected]);
      if (c.subcommands) walk(c.subcommands.values());
    }
  };
  walk(s.commands.values());
  const total = s.stats.totalCommands;
  const errors = new Map(s.stats.errors);
  const errorReplies = s.stats.totalErrorReplies;
  return () => {
    for (const [st, calls, usec, failed, rejected] of saved) {
      st.calls = calls;
      st.usec = usec;
      st.failed = failed;
      st.rejected = rejected;
    }
    s.stats.totalCommands = total;
    s.stats.errors.clear();
    for (const [k, v] of errors) s.stats.errors.set(k, v);
    s.stats.totalErrorReplies = errorReplies;
  };
}

/** AOF loading runs commands without counting them (Redis calls cmd->proc directly). */
function resetCommandStats(s: Server, totalCommands: number): void {
  const seen = new Set<object>();
  const reset = (cmds: Iterable<import('../commands/spec').Command>): void => {
    for (const c of cmds) {
      if (seen.has(c)) continue;
      seen.add(c);
      c.stats.calls = 0;
      c.stats.usec = 0;
      c.stats.failed = 0;
      c.stats.rejected = 0;
      if (c.subcommands) reset(c.subcommands.values());
    }
  };
  reset(s.commands.values());
  s.stats.totalCommands = totalCommands;
  s.stats.errors.clear();
  s.stats.totalErrorReplies = 0;
  s.slowlog.reset();
}
