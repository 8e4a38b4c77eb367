/**
 * The one background RDB save, Redis's rdbSaveBackground: BGSAVE and the
 * save points (RdbSaver) and a full sync to replicas with a disk target
 * (replication's MasterSide) both start it.
 *
 * Redis forks; the child writes `temp-<pid>.rdb` (fsyncing every 4 MB with
 * rdb-save-incremental-fsync), fsyncs and closes it, renames it over
 * `dbfilename`, fsyncs the directory and logs `DB saved on disk`; the parent
 * logs `Background saving started by pid <pid>` and, when the child exits,
 * `Background saving terminated with success` (dirty counter and lastsave
 * updated) or `Background saving error` (backgroundSaveDoneHandlerDisk).
 * Here a fork-less Snapshot (snapshot.ts) plays the child: it walks the
 * dataset in time slices while clients keep being served, and the lines the
 * child prints carry role `C`.
 *
 * What stays with each caller: its own bookkeeping (BGSAVE's INFO counters,
 * replication's replicas waiting for the file) and what a kill means to it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Server } from '../server/server';
import type { RdbAuxInfo } from './rdb/writer';
import { Snapshot, SnapshotAbortedError, type SnapshotSink } from './snapshot';
import { closeQuiet, fsyncFileDir, logAsChild, openForWrite, unlinkQuiet } from './fs-util';
import { strerror } from '../util/strerror';

/** rdb-save-incremental-fsync: fsync every this many bytes (REDIS_AUTOSYNC_BYTES). */
const AUTOSYNC_BYTES = 4 * 1024 * 1024;

/** Options of a background save. */
export interface BackgroundSaveOptions {
  /** the AUX fields of the file (repl-id/repl-offset in a replication chain) */
  aux: RdbAuxInfo;
  /** snapshot label (runningSnapshots() callers tell a BGSAVE from a full sync by it) */
  label: string;
  /** ms of work between yields to the event loop */
  sliceMs: number;
  /**
   * Called once when the save ended, after the child's lines and the
   * parent's `Background saving terminated with success` / `Background
   * saving error` were logged (a killed save logs nothing: its killer
   * accounts for it).
   */
  onDone(result: BackgroundSaveResult): void;
}

/**
 * How a background save ended: 'ok' (the file is in place), 'err' (the
 * child's error was logged), 'killed' (kill() was called; nothing logged).
 */
export type BackgroundSaveResult = 'ok' | 'err' | 'killed';

/** A background save in progress (Redis's RDB child with disk target). */
export class BackgroundSave {
  /** ms time the save started */
  readonly startedAt: number;
  /** keys in the dataset when the save started (INFO current_save_keys_total) */
  readonly keysTotal: number;
  /** the temp file the snapshot is written to */
  readonly tmp: string;
  readonly snapshot: Snapshot;
  private killed = false;

  constructor(
    private readonly server: Server,
    /** the destination, renamed over when the save succeeds */
    readonly file: string,
    private readonly opts: BackgroundSaveOptions,
  ) {
    const s = server;
    s.dirtyBeforeBgsave = s.dirty;
    const dir = path.dirname(file);
    const tmpName = `temp-${process.pid}.rdb`;
    this.tmp = path.join(dir, tmpName);
    const opened = openForWrite(this.tmp);
    let fd = opened.fd;
    const openError = opened.error;
    let sinceSync = 0;
    const incrementalFsync = s.config.settings.rdbSaveIncrementalFsync;
    const sink: SnapshotSink = {
      write: (chunk) =>
        new Promise<void>((resolve, reject) => {
          fs.write(fd, chunk, 0, chunk.length, null, (err) => {
            if (err) return reject(err);
            sinceSync += chunk.length;
            if (!incrementalFsync || sinceSync < AUTOSYNC_BYTES) return resolve();
            sinceSync = 0;
            fs.fdatasync(fd, (e2) => (e2 ? reject(e2) : resolve()));
          });
        }),
    };
    let keysTotal = 0;
    for (const db of s.dbs) keysTotal += db.size;
    this.keysTotal = keysTotal;
    this.snapshot = new Snapshot(s, sink, { aux: opts.aux, label: opts.label, sliceMs: opts.sliceMs, writer: { chunkSize: 256 * 1024 }, recycleChunks: true });
    this.startedAt = s.now();
    // the child would fail at once when it cannot open its temp file
    const written: Promise<unknown> = openError === null ? this.snapshot.start() : Promise.reject(openError);
    s.logger.notice(`Background saving started by pid ${process.pid}`);
    void written.then(
      () => {
        // the "child" part: make the file durable and move it into place
        try {
          fs.fsyncSync(fd);
          fs.closeSync(fd);
          fd = -1;
        } catch (e) {
          return this.failed(fd, `Write error saving DB on disk: ${strerror(e)}`);
        }
        if (this.killed) return this.failed(-1, null);
        try {
          fs.renameSync(this.tmp, file);
        } catch (e) {
          return this.failed(-1, `Error moving temp DB file ${tmpName} on the final destination ${path.basename(file)} (in server root dir ${dir}): ${strerror(e)}`);
        }
        try {
          fsyncFileDir(file);
        } catch (e) {
          return this.failed(-1, `Failed to fsync directory while saving DB: ${strerror(e)}`);
        }
        logAsChild(s, 'notice', 'DB saved on disk');
        this.parentDone(true);
      },
      (err: unknown) => {
        if (openError !== null) this.failed(-1, `Failed opening the temp RDB file ${tmpName} (in server root dir ${dir}) for saving: ${strerror(err)}`);
        else this.failed(fd, err instanceof SnapshotAbortedError ? null : `Write error saving DB on disk: ${strerror(err)}`);
      },
    );
  }

  /** killRDBChild: stop the save; its temp file is removed now, onDone gets 'killed'. */
  kill(): void {
    if (this.killed) return;
    this.killed = true;
    this.snapshot.abort();
    unlinkQuiet(this.tmp);
  }

  /** The child exited with an error (childMsg) or was killed (childMsg null). */
  private failed(fd: number, childMsg: string | null): void {
    if (fd >= 0) closeQuiet(fd);
    // a killed save's temp file was removed at kill time; the name may belong to a newer save now
    if (!this.killed) unlinkQuiet(this.tmp);
    if (childMsg !== null) logAsChild(this.server, 'warning', childMsg);
    if (this.killed || childMsg === null) this.opts.onDone('killed');
    else this.parentDone(false);
  }

  /** backgroundSaveDoneHandlerDisk, the part every caller shares. */
  private parentDone(ok: boolean): void {
    const s = this.server;
    if (this.killed) return this.opts.onDone('killed');
    if (ok) {
      s.logger.notice('Background saving terminated with success');
      s.dirty -= s.dirtyBeforeBgsave;
      if (s.dirty < 0) s.dirty = 0;
      s.lastSave = Math.floor(s.now() / 1000);
      return this.opts.onDone('ok');
    }
    s.logger.warning('Background saving error');
    this.opts.onDone('err');
  }
}
