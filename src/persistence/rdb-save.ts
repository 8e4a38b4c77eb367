/**
 * Saving the dataset as an RDB file, as Redis 7.0's rdb.c does it:
 *
 * - rdbSave (SAVE, SHUTDOWN, FLUSHALL, DEBUG RELOAD): the whole dataset is
 *   written synchronously to a temp file, fsynced, then renamed over
 *   `dbfilename`, so a crash never leaves a half-written dump.rdb.
 * - rdbSaveBackground (BGSAVE, save points): the one background save of
 *   background-save.ts (a fork-less Snapshot into `temp-<pid>.rdb`, then
 *   fsync + rename), with BGSAVE's INFO bookkeeping (rdb_saves,
 *   rdb_last_bgsave_status, ...) kept here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Server } from '../server/server';
import { RdbWriter, type RdbAuxInfo } from './rdb/writer';
import { toPlainValue, writerLimits } from './convert';
import { snapshotInProgress, runningSnapshots } from './snapshot';
import { BackgroundSave, type BackgroundSaveResult } from './background-save';
import { closeQuiet, fsyncFileDir, unlinkQuiet, writeFully } from './fs-util';
import { strerror } from '../util/strerror';

/** Redis's CONFIG_BGSAVE_RETRY_DELAY: seconds before a failed BGSAVE is retried by the save points. */
export const BGSAVE_RETRY_DELAY = 5;

/** Snapshot label of a BGSAVE (replication's own snapshots use other labels). */
export const BGSAVE_LABEL = 'bgsave';

/**
 * Write the whole current dataset as an RDB to an open fd, synchronously.
 * Used by SAVE-like saves and by the AOF base written at start-up.
 */
export function writeDatasetSync(server: Server, fd: number, aux: RdbAuxInfo): number {
  const cfg = server.config;
  const w = new RdbWriter({ compression: cfg.settings.rdbcompression, checksum: cfg.settings.rdbchecksum, limits: writerLimits(cfg), chunkSize: 1 << 20 });
  w.writeHeader(aux);
  for (const code of server.scripting.functions.codes()) w.writeFunction(code);
  let c: Buffer | null;
  for (const db of server.dbs) {
    if (db.size === 0) continue;
    w.selectDb(db.id, db.size, db.expiresSize);
    db.forEach((key, value, expireAt) => {
      w.writeKey(key, toPlainValue(value), expireAt);
      while ((c = w.takeChunk()) !== null) writeFully(fd, c);
    });
  }
  w.writeEnd();
  while ((c = w.takeChunk()) !== null) writeFully(fd, c);
  return w.keys;
}

/**
 * Where a save gets the replication AUX fields (repl-stream-db, repl-id,
 * repl-offset; undefined outside a replication chain): Redis's
 * rdbPopulateSaveInfo. Supplied by whoever builds persistence and
 * replication: persistence does not import replication.
 */
export type ReplicationAuxSource = () => RdbAuxInfo['repl'];

/** RDB persistence state of a server (Redis's server.lastsave, lastbgsave_status, rdb_child_* ...). */
export class RdbSaver {
  /** lastbgsave_status */
  lastBgsaveStatus: 'ok' | 'err' = 'ok';
  /** lastbgsave_try (unix seconds) */
  lastBgsaveTry = 0;
  /** stat_rdb_saves */
  saves = 0;
  /** rdb_save_time_last (seconds), -1 before the first BGSAVE */
  lastBgsaveTimeSec = -1;
  /** rdb_bgsave_scheduled */
  bgsaveScheduled = false;
  /** our BGSAVE in progress */
  job: BackgroundSave | null = null;
  /** slice length of the background snapshot (ms of work between yields to the event loop) */
  sliceMs = 0.5;

  constructor(
    private readonly server: Server,
    /** the replication AUX fields a save stores (rdbPopulateSaveInfo), undefined outside a replication chain */
    private readonly replicationAux: ReplicationAuxSource,
  ) {}

  /** The dump file's absolute path (dir + dbfilename). */
  get filename(): string {
    return path.join(this.server.dataDir, this.server.config.path('dbfilename'));
  }

  /** rdbPopulateSaveInfo: the AUX fields of a save (replication id/offset when in a replication chain). */
  saveAux(): RdbAuxInfo {
    const repl = this.replicationAux();
    return repl ? { repl } : {};
  }

  /** Whether an RDB "child" runs: our BGSAVE or a replication snapshot (Redis's child_type == CHILD_TYPE_RDB). */
  rdbChildActive(): boolean {
    if (this.job !== null) return true;
    return runningSnapshots(this.server).some((s) => s.label.startsWith('replication'));
  }

  /**
   * rdbSave: write the dataset synchronously to a temp file, fsync, rename
   * over dbfilename. Returns false (after logging Redis's lines) on failure.
   */
  saveSync(aux: RdbAuxInfo = this.saveAux()): boolean {
    const s = this.server;
    const dir = s.dataDir;
    const file = this.filename;
    // not temp-<pid>.rdb: a background snapshot (ours or replication's) may be writing that one
    const tmpName = `temp-save-${process.pid}.rdb`;
    const tmp = path.join(dir, tmpName);
    let fd: number;
    try {
      fd = fs.openSync(tmp, 'w');
    } catch (e) {
      s.logger.warning(`Failed opening the temp RDB file ${tmpName} (in server root dir ${dir}) for saving: ${strerror(e)}`);
      return false;
    }
    try {
      writeDatasetSync(s, fd, aux);
      fs.fsyncSync(fd);
    } catch (e) {
      s.logger.warning(`Write error saving DB on disk: ${strerror(e)}`);
      closeQuiet(fd);
      unlinkQuiet(tmp);
      return false;
    }
    fs.closeSync(fd);
    try {
      fs.renameSync(tmp, file);
    } catch (e) {
      s.logger.warning(`Error moving temp DB file ${tmpName} on the final destination ${path.basename(file)} (in server root dir ${dir}): ${strerror(e)}`);
      unlinkQuiet(tmp);
      return false;
    }
    try {
      fsyncFileDir(file);
    } catch (e) {
      s.logger.warning(`Failed to fsync directory while saving DB: ${strerror(e)}`);
      return false;
    }
    s.logger.notice('DB saved on disk');
    s.dirty = 0;
    s.lastSave = Math.floor(s.now() / 1000);
    this.lastBgsaveStatus = 'ok';
    return true;
  }

  /**
   * rdbSaveBackground: start a point-in-time snapshot into temp-<pid>.rdb.
   * Returns false when another background job runs (the caller replies).
   */
  startBgsave(aux: RdbAuxInfo = this.saveAux()): boolean {
    const s = this.server;
    if (snapshotInProgress(s)) return false;
    this.saves++;
    this.lastBgsaveTry = Math.floor(s.now() / 1000);
    const job: BackgroundSave = new BackgroundSave(s, this.filename, {
      aux,
      label: BGSAVE_LABEL,
      sliceMs: this.sliceMs,
      onDone: (result) => this.bgsaveDone(job, result),
    });
    this.job = job;
    return true;
  }

  /** backgroundSaveDoneHandlerDisk: BGSAVE's own INFO bookkeeping once the save ended. */
  private bgsaveDone(job: BackgroundSave, result: BackgroundSaveResult): void {
    const s = this.server;
    if (this.job !== job) return; // killed by abortBgsave(): already accounted for
    this.job = null;
    if (result === 'ok') this.lastBgsaveStatus = 'ok';
    else if (result === 'err') this.lastBgsaveStatus = 'err';
    // SIGUSR1 (our kill) does not count as an error, as in Redis
    else s.logger.warning('Background saving terminated by signal 10');
    this.lastBgsaveTimeSec = Math.floor(s.now() / 1000) - Math.floor(job.startedAt / 1000);
  }

  /** killRDBChild: stop our BGSAVE (FLUSHALL, SHUTDOWN); its temp file is removed. */
  abortBgsave(quiet = false): void {
    const job = this.job;
    if (job === null) return;
    job.kill();
    // the state is clean right now (Redis reaps the killed child in the next cron)
    this.job = null;
    if (!quiet) this.server.logger.warning('Background saving terminated by signal 10');
    this.lastBgsaveTimeSec = Math.floor(this.server.now() / 1000) - Math.floor(job.startedAt / 1000);
  }

  /** Seconds the current BGSAVE has been running, -1 when none (rdb_current_bgsave_time_sec). */
  currentBgsaveTimeSec(): number {
    const job = this.job;
    if (job !== null) return Math.floor(this.server.now() / 1000) - Math.floor(job.startedAt / 1000);
    const repl = runningSnapshots(this.server).find((x) => x.label.startsWith('replication'));
    return repl ? Math.floor(this.server.now() / 1000) - Math.floor(repl.startedAt / 1000) : -1;
  }
}
