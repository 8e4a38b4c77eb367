/**
 * The append-only file at run time, as Redis 7.0's aof.c (multi-part AOF):
 *
 * - feed(): every propagated command (SELECT inserted when the db changes,
 *   `#TS:` annotations with aof-timestamp-enabled) is appended to a buffer
 *   that is written to the current incr file once per event-loop turn, as
 *   Redis's beforeSleep does: before any reply leaves (Client.flush calls
 *   flushBeforeReply), else at the end of the turn (setImmediate). So a
 *   pipeline of 16 writes is one write(2), and no reply reaches a client
 *   before what it acknowledges is in the file (a MULTI/EXEC block is
 *   buffered whole). `appendfsync always` also fdatasyncs there; `everysec`
 *   fsyncs in the thread pool once a second; `no` leaves it to the OS.
 * - rewrite (BGREWRITEAOF, auto-aof-rewrite-*, CONFIG SET appendonly yes):
 *   a new incr file is opened and recorded in the manifest at once, a
 *   fork-less Snapshot writes the new base (RDB with aof-use-rdb-preamble,
 *   else commands) into temp-rewriteaof-bg-<pid>.aof, then the base is
 *   renamed into appenddirname, the manifest switched (temp + rename) and
 *   the history files deleted.
 * - start-up: aofLoadManifestFromDisk, loadAppendOnlyFiles (loader.ts) and
 *   aofOpenIfNeededOnServerStart.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Server, PropagationSink } from '../../server/server';
import { encodeCommand, encodeCommandBytes } from '../../protocol/reply';
import { Snapshot, SnapshotAbortedError, snapshotInProgress, type SnapshotSink } from '../snapshot';
import { RdbReader } from '../rdb/reader';
import { writeDatasetSync } from '../rdb-save';
import { toPlainValue } from '../convert';
import type { RdbLoader } from '../rdb-load';
import { AofCommandWriter } from './commands';
import { AofManifest, AofManifestError, manifestName, persistManifest, tempIncrName } from './manifest';
import { loadAppendOnlyFiles, type AofLoadResult } from './loader';
import { bytesToText } from '../../config/bytes';
import { closeQuiet, fsyncFileDir, logAsChild, openForWrite, unlinkQuiet, writeFully } from '../fs-util';
import { strerror } from '../../util/strerror';

/** aof_state */
export type AofState = 'off' | 'on' | 'wait_rewrite';

/** Snapshot label of an AOF rewrite. */
export const AOF_REWRITE_LABEL = 'aof-rewrite';

/** Redis's AOF_WRITE_LOG_ERROR_RATE (seconds between write error logs). */
const WRITE_LOG_ERROR_RATE = 30;
/** aofRewriteLimited */
const REWRITE_LIMIT_THRESHOLD = 3;
const REWRITE_LIMIT_MAX_MINUTES = 60;

interface RewriteJob {
  snapshot: Snapshot;
  /** ms */
  startedAt: number;
  tmp: string;
  tmpName: string;
  killed: boolean;
}

/** Error thrown at start-up when the AOF cannot be loaded or opened (the server exits 1). */
export class AofStartupError extends Error {}

/** The AOF subsystem of a server; it is the server's `aof` propagation sink. */
export class Aof implements PropagationSink {
  state: AofState = 'off';
  manifest = new AofManifest();
  fd = -1;
  selectedDb = -1;
  private buf = '';
  /** what precedes `buf` when a command carried arguments longer than any JS string (encoded bytes); usually empty */
  private bufBytes: Buffer[] = [];
  private bufBytesLen = 0;
  private inMulti = false;
  /** a flush is scheduled for the end of this event-loop turn */
  private flushScheduled = false;
  private readonly turnFlush = (): void => {
    this.flushScheduled = false;
    if (!this.inMulti && this.bufferLength > 0) this.flush();
  };
  /** aof_current_size, aof_last_incr_size, aof_rewrite_base_size, aof_fsync_offset */
  currentSize = 0;
  lastIncrSize = 0;
  rewriteBaseSize = 0;
  fsyncOffset = 0;
  /** aof_last_fsync (unix seconds) */
  lastFsyncSec = 0;
  lastWriteStatus: 'ok' | 'err' = 'ok';
  lastWriteError = '';
  private lastWriteErrorLog = 0;
  /** aof_bio_fsync_status */
  fsyncStatus: 'ok' | 'err' = 'ok';
  fsyncError = '';
  /** fsyncs running in the thread pool */
  pendingFsyncs = 0;
  /** aof_delayed_fsync */
  delayedFsync = 0;
  rewrite: RewriteJob | null = null;
  rewriteScheduled = false;
  lastBgrewriteStatus: 'ok' | 'err' = 'ok';
  /** stat_aof_rewrites, stat_aofrw_consecutive_failures */
  rewrites = 0;
  consecutiveFailures = 0;
  /** aof_rewrite_time_last */
  lastRewriteTimeSec = -1;
  private curTimestamp = 0;
  private nextDelayMinutes = 0;
  private nextRewriteTime = 0;
  /** slice length of the rewrite snapshot */
  sliceMs = 0.5;

  constructor(private readonly server: Server) {}

  /** Absolute appenddirname. */
  get dir(): string {
    return path.join(this.server.dataDir, this.dirName);
  }

  /** appenddirname as the OS names it (and the logs show it). */
  private get dirName(): string {
    return bytesToText(this.server.config.settings.appenddirname);
  }

  /** appendfilename */
  get filename(): string {
    return bytesToText(this.server.config.settings.appendfilename);
  }

  private nowSec(): number {
    return Math.floor(this.server.now() / 1000);
  }

  private logWarning = (m: string): void => this.server.logger.warning(m);

  /** A fatal AOF error: the binary exits as Redis does; an embedded server only records it. */
  private fatal(msg: string): void {
    this.server.logger.warning(msg);
    if (this.server.onExit !== null) process.exit(1);
  }

  // ------------------------------------------------------------ feeding

  /** Whether feed() takes commands (not while off, nor while waiting for a rewrite that has not started). */
  wants(): boolean {
    return !(this.state === 'off' || (this.state === 'wait_rewrite' && this.rewrite === null));
  }

  /** feedAppendOnlyFile */
  feed(db: number, argv: string[], big: Map<string, Buffer> | null = null): void {
    if (!this.wants()) return;
    let out = '';
    if (this.server.config.settings.aofTimestampEnabled) {
      const now = this.nowSec();
      if (this.curTimestamp < now) {
        this.curTimestamp = now;
        out += `#TS:${now}\r\n`;
      }
    }
    if (db !== this.selectedDb) {
      const d = String(db);
      out += `*2\r\n$6\r\nSELECT\r\n$${d.length}\r\n${d}\r\n`;
      this.selectedDb = db;
    }
    if (big === null) this.buf += out + encodeCommand(argv);
    else {
      // arguments longer than any JS string: the buffer goes on as bytes
      this.bufBytes.push(Buffer.from(this.buf + out, 'latin1'), encodeCommandBytes(argv, big));
      this.bufBytesLen += this.buf.length + out.length + this.bufBytes[this.bufBytes.length - 1].length;
      this.buf = '';
    }
    const name = argv[0];
    if (name.length === 5 && name.toLowerCase() === 'multi') this.inMulti = true;
    else if (name.length === 4 && name.toLowerCase() === 'exec') this.inMulti = false;
    // a transaction is written whole, at its EXEC (it is fed in one go)
    if (this.inMulti) return;
    // written before any reply leaves (flushBeforeReply), at the latest at the end of this turn
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.turnFlush);
    }
  }

  /**
   * A reply is about to be written to a socket: write what is buffered first
   * (a reply may wake the client, and a kill -9, before our next tick).
   */
  flushBeforeReply(): void {
    if (this.bufferLength > 0 && !this.inMulti) this.flush();
  }

  /** Bytes buffered, not written yet (aof_buffer_length). */
  get bufferLength(): number {
    return this.bufBytesLen + this.buf.length;
  }

  /** flushAppendOnlyFile: write the buffer, then fsync per appendfsync. */
  flush(): void {
    const s = this.server;
    const policy = s.config.settings.appendfsync;
    if (this.bufferLength === 0) {
      if (policy === 'everysec' && this.fd >= 0 && this.fsyncOffset !== this.currentSize && this.nowSec() > this.lastFsyncSec && this.pendingFsyncs === 0) {
        this.trySync(policy);
      }
      return;
    }
    if (this.fd < 0) {
      this.buf = '';
      this.bufBytes = [];
      this.bufBytesLen = 0;
      return;
    }
    const data = this.bufBytes.length === 0 ? Buffer.from(this.buf, 'latin1') : Buffer.concat([...this.bufBytes, Buffer.from(this.buf, 'latin1')]);
    this.bufBytes = [];
    this.bufBytesLen = 0;
    let written = 0;
    let error: unknown = null;
    try {
      while (written < data.length) written += fs.writeSync(this.fd, data, written, data.length - written);
    } catch (e) {
      error = e;
    }
    if (error !== null) {
      const now = this.nowSec();
      const canLog = now - this.lastWriteErrorLog > WRITE_LOG_ERROR_RATE;
      if (canLog) this.lastWriteErrorLog = now;
      if (written === 0) {
        if (canLog) s.logger.warning(`Error writing to the AOF file: ${strerror(error)}`);
        this.lastWriteError = strerror(error);
      } else {
        if (canLog) s.logger.warning(`Short write while writing to the AOF file: (nwritten=${written}, expected=${data.length})`);
        try {
          fs.ftruncateSync(this.fd, this.lastIncrSize);
          written = 0; // nothing partial is left in the file
        } catch (e2) {
          if (canLog) s.logger.warning(`Could not remove short write from the append-only file.  Redis may refuse to load the AOF the next time it starts.  ftruncate: ${strerror(e2)}`);
        }
        this.lastWriteError = 'No space left on device';
      }
      if (policy === 'always') {
        this.fatal("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
      }
      this.lastWriteStatus = 'err';
      if (written > 0) {
        this.currentSize += written;
        this.lastIncrSize += written;
        this.buf = '';
        this.bufBytes = [data.subarray(written)];
        this.bufBytesLen = data.length - written;
      }
      return;
    }
    if (this.lastWriteStatus === 'err') {
      s.logger.warning('AOF write error looks solved, Redis can write again.');
      this.lastWriteStatus = 'ok';
    }
    this.currentSize += written;
    this.lastIncrSize += written;
    this.buf = '';
    this.trySync(policy);
  }

  /** The fsync part of flushAppendOnlyFile. */
  private trySync(policy: string): void {
    const s = this.server;
    if (s.config.settings.noAppendfsyncOnRewrite && snapshotInProgress(s)) return;
    if (policy === 'always') {
      try {
        fs.fdatasyncSync(this.fd);
      } catch (e) {
        this.fatal(`Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${strerror(e)}. Exiting...`);
        this.fsyncStatus = 'err';
        this.fsyncError = strerror(e);
        return;
      }
      this.fsyncOffset = this.currentSize;
      this.lastFsyncSec = this.nowSec();
    } else if (policy === 'everysec' && this.nowSec() > this.lastFsyncSec) {
      if (this.pendingFsyncs === 0) {
        this.backgroundFsync(this.fd, false);
        this.fsyncOffset = this.currentSize;
      } else {
        this.delayedFsync++;
      }
      this.lastFsyncSec = this.nowSec();
    }
  }

  /** aof_background_fsync (and _and_close): fdatasync in the thread pool. */
  private backgroundFsync(fd: number, close: boolean): void {
    this.pendingFsyncs++;
    fs.fdatasync(fd, (err) => {
      this.pendingFsyncs--;
      if (err && err.code !== 'EBADF' && err.code !== 'EINVAL') {
        if (this.fsyncStatus === 'ok') this.server.logger.warning(`Fail to fsync the AOF file: ${strerror(err)}`);
        this.fsyncStatus = 'err';
        this.fsyncError = strerror(err);
      } else if (!err) {
        this.fsyncStatus = 'ok';
      }
      if (close) closeQuiet(fd);
    });
  }

  /** Cron: retry a failed write, fsync once a second with everysec, start scheduled/automatic rewrites. */
  cron(): void {
    if (this.state !== 'off' && this.fd >= 0 && !this.inMulti) this.flush();
  }

  /** serverCron: start a rewrite requested while another background job ran (BGREWRITEAOF, CONFIG SET appendonly yes). */
  startScheduledRewrite(): void {
    if (this.rewriteScheduled && !snapshotInProgress(this.server) && !this.rewriteLimited()) this.rewriteBackground();
  }

  /** serverCron: auto-aof-rewrite-percentage / auto-aof-rewrite-min-size. */
  startAutomaticRewrite(): void {
    const s = this.server;
    const perc = s.config.settings.autoAofRewritePercentage;
    if (this.state !== 'on' || snapshotInProgress(s) || perc === 0 || this.currentSize <= s.config.settings.autoAofRewriteMinSize) return;
    const base = this.rewriteBaseSize > 0 ? this.rewriteBaseSize : 1;
    const growth = Math.floor((this.currentSize * 100) / base) - 100;
    if (growth >= perc && !this.rewriteLimited()) {
      s.logger.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
      this.rewriteBackground();
    }
  }

  /** aofRewriteLimited: back off after 3 consecutive failures (1, 2, 4 ... 60 minutes). */
  private rewriteLimited(): boolean {
    if (this.consecutiveFailures < REWRITE_LIMIT_THRESHOLD) {
      this.nextDelayMinutes = 0;
      this.nextRewriteTime = 0;
      return false;
    }
    const now = this.nowSec();
    if (this.nextRewriteTime !== 0) {
      if (now < this.nextRewriteTime) return true;
      this.nextRewriteTime = 0;
      return false;
    }
    this.nextDelayMinutes = this.nextDelayMinutes === 0 ? 1 : Math.min(this.nextDelayMinutes * 2, REWRITE_LIMIT_MAX_MINUTES);
    this.nextRewriteTime = now + this.nextDelayMinutes * 60;
    this.server.logger.warning(`Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${this.nextDelayMinutes} minutes`);
    return true;
  }

  // ------------------------------------------------------------ start / stop

  /** startAppendOnly (CONFIG SET appendonly yes). False when the rewrite could not start. */
  start(): boolean {
    const s = this.server;
    this.state = 'wait_rewrite';
    if (snapshotInProgress(s) && this.rewrite === null) {
      this.rewriteScheduled = true;
      s.logger.warning('AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.');
    } else {
      if (this.rewrite !== null) {
        s.logger.warning('AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.');
        this.killRewrite();
      }
      if (!this.rewriteBackground()) {
        this.state = 'off';
        s.logger.warning("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
        return false;
      }
    }
    this.lastFsyncSec = this.nowSec();
    if (this.fsyncStatus === 'err') {
      s.logger.warning('AOF reopen, just ignore the AOF fsync error in bio job');
      this.fsyncStatus = 'ok';
    }
    if (this.lastWriteStatus === 'err') {
      s.logger.warning('AOF reopen, just ignore the last error.');
      this.lastWriteStatus = 'ok';
    }
    return true;
  }

  /** stopAppendOnly (CONFIG SET appendonly no). */
  stop(): void {
    this.flush();
    if (this.fd >= 0) {
      try {
        fs.fsyncSync(this.fd);
        this.fsyncOffset = this.currentSize;
        this.lastFsyncSec = this.nowSec();
      } catch (e) {
        this.server.logger.warning(`Fail to fsync the AOF file: ${strerror(e)}`);
      }
      this.closeFd(this.fd);
    }
    this.fd = -1;
    this.selectedDb = -1;
    this.state = 'off';
    this.rewriteScheduled = false;
    this.lastIncrSize = 0;
    this.inMulti = false;
    this.killRewrite();
    this.buf = '';
    this.bufBytes = [];
    this.bufBytesLen = 0;
  }

  /** Close an fd once the fsyncs queued on it are done (no fd-number reuse under a pending fsync). */
  private closeFd(fd: number): void {
    if (this.pendingFsyncs === 0) closeQuiet(fd);
    else fs.fdatasync(fd, () => closeQuiet(fd));
  }

  /** SHUTDOWN's AOF part (prepareForShutdown). False when the shutdown must not happen. */
  beforeShutdown(force: boolean): boolean {
    const s = this.server;
    if (this.state === 'off') return true;
    if (this.rewrite !== null) {
      if (this.state === 'wait_rewrite') {
        if (force) s.logger.warning('Writing initial AOF. Exit anyway.');
        else {
          s.logger.warning("Writing initial AOF, can't exit.");
          return false;
        }
      }
      s.logger.warning('There is a child rewriting the AOF. Killing it!');
      this.killRewrite();
    }
    s.logger.notice('Calling fsync() on the AOF file.');
    this.flush();
    if (this.fd >= 0) {
      try {
        fs.fsyncSync(this.fd);
      } catch (e) {
        s.logger.warning(`Fail to fsync the AOF file: ${strerror(e)}.`);
      }
    }
    return true;
  }

  /** Close the file at server close (no fsync: shutdown did it when asked to). */
  close(): void {
    if (this.bufferLength > 0) this.flush();
    if (this.fd >= 0) this.closeFd(this.fd);
    this.fd = -1;
    this.killRewrite(true);
  }

  // ------------------------------------------------------------ rewrite

  /** openNewIncrAofForAppend */
  private openNewIncrForAppend(): boolean {
    if (this.state === 'off') return true;
    const s = this.server;
    let temp: AofManifest | null = null;
    let name: string;
    if (this.state === 'wait_rewrite') name = tempIncrName(this.filename);
    else {
      temp = this.manifest.clone();
      name = temp.newIncrName(this.filename);
    }
    let fd: number;
    try {
      fd = fs.openSync(path.join(this.dir, name), 'w', 0o644);
    } catch (e) {
      s.logger.warning(`Can't open the append-only file ${name}: ${strerror(e)}`);
      return false;
    }
    if (temp !== null && !persistManifest(this.dir, this.filename, temp, this.logWarning)) {
      closeQuiet(fd);
      return false;
    }
    s.logger.notice(`Creating AOF incr file ${name} on background rewrite`);
    if (this.fd >= 0) {
      // everysec may delay this fsync; with always the file is already synced
      this.backgroundFsync(this.fd, true);
      this.fsyncOffset = this.currentSize;
      this.lastFsyncSec = this.nowSec();
    }
    this.fd = fd;
    this.lastIncrSize = 0;
    if (temp !== null) this.manifest = temp;
    return true;
  }

  /** rewriteAppendOnlyFileBackground. False when it could not start. */
  rewriteBackground(): boolean {
    const s = this.server;
    if (snapshotInProgress(s)) return false;
    try {
      fs.mkdirSync(this.dir, { recursive: true });
    } catch (e) {
      s.logger.warning(`Can't open or create append-only dir ${this.dirName}: ${strerror(e)}`);
      this.lastBgrewriteStatus = 'err';
      return false;
    }
    // the next command written must SELECT its db: the new incr file starts clean
    this.selectedDb = -1;
    this.flush();
    if (!this.openNewIncrForAppend()) {
      this.lastBgrewriteStatus = 'err';
      return false;
    }
    this.rewrites++;
    const tmpName = `temp-rewriteaof-bg-${process.pid}.aof`;
    const tmp = path.join(s.dataDir, tmpName);
    const opened = openForWrite(tmp);
    let fd = opened.fd;
    const openError = opened.error;
    const writeFile = (chunk: Buffer): Promise<void> =>
      new Promise<void>((resolve, reject) => fs.write(fd, chunk, 0, chunk.length, null, (err) => (err ? reject(err) : resolve())));
    let finishConversion: (() => void) | null = null;
    let sink: SnapshotSink;
    const rdbBase = s.config.settings.aofUseRdbPreamble;
    if (rdbBase) {
      sink = { write: writeFile };
    } else {
      // the snapshot's RDB stream is turned into commands on the fly
      const conv = new AofCommandWriter();
      if (s.config.settings.aofTimestampEnabled) conv.timestamp(this.nowSec());
      const reader = new RdbReader(
        {
          onSelectDb: (db) => conv.selectDb(db),
          onKey: (_db, key, value, expireAt) => conv.key(key, value, expireAt),
          onFunction: (code) => conv.functionLoad(code),
        },
        { verifyChecksum: false },
      );
      sink = {
        write: async (chunk) => {
          reader.push(chunk);
          for (const b of conv.take()) await writeFile(b);
        },
      };
      finishConversion = () => {
        reader.end();
        for (const b of conv.take()) writeFully(fd, b);
      };
    }
    const snapshot = new Snapshot(s, sink, {
      aux: { aofBase: true },
      label: AOF_REWRITE_LABEL,
      sliceMs: this.sliceMs,
      writer: { chunkSize: 256 * 1024 },
      // the command conversion keeps views of the chunks it was given
      recycleChunks: rdbBase,
    });
    const job: RewriteJob = { snapshot, startedAt: s.now(), tmp, tmpName, killed: false };
    this.rewrite = job;
    const done: Promise<unknown> = openError === null ? snapshot.start() : Promise.reject(openError);
    s.logger.notice(`Background append only file rewriting started by pid ${process.pid}`);
    this.rewriteScheduled = false;
    done
      .then(() => {
        if (job.killed) throw new SnapshotAbortedError();
        finishConversion?.();
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        fd = -1;
      })
      .then(
        () => {
          logAsChild(s, 'notice', `Successfully created the temporary AOF base file ${tmpName}`);
          this.rewriteDone(job, true);
        },
        (err: unknown) => {
          if (fd >= 0) closeQuiet(fd);
          if (!(err instanceof SnapshotAbortedError)) {
            logAsChild(
              s,
              'warning',
              openError !== null
                ? `Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): ${strerror(err)}`
                : `Write error writing append only file on disk: ${strerror(err)}`,
            );
          }
          this.rewriteDone(job, false);
        },
      );
    return true;
  }

  /** backgroundRewriteDoneHandler */
  private rewriteDone(job: RewriteJob, ok: boolean): void {
    const s = this.server;
    if (this.rewrite !== job) return; // killed: killRewrite() cleaned up
    this.rewrite = null;
    const fail = (): void => {
      this.lastBgrewriteStatus = 'err';
      this.consecutiveFailures++;
    };
    if (ok) {
      s.logger.notice('Background AOF rewrite terminated with success');
      const temp = this.manifest.clone();
      const newBase = temp.newBaseName(this.filename, s.config.settings.aofUseRdbPreamble);
      const newBasePath = path.join(this.dir, newBase);
      let newIncrPath: string | null = null;
      let ok2 = true;
      try {
        fs.renameSync(job.tmp, newBasePath);
        s.logger.notice(`Successfully renamed the temporary AOF base file ${job.tmpName} into ${newBase}`);
      } catch (e) {
        s.logger.warning(`Error trying to rename the temporary AOF base file ${job.tmpName} into ${newBasePath}: ${strerror(e)}`);
        fail();
        ok2 = false;
      }
      if (ok2 && this.state === 'wait_rewrite') {
        const tempIncr = tempIncrName(this.filename);
        const tempIncrPath = path.join(this.dir, tempIncr);
        const newIncr = temp.newIncrName(this.filename);
        newIncrPath = path.join(this.dir, newIncr);
        try {
          fs.renameSync(tempIncrPath, newIncrPath);
          s.logger.notice(`Successfully renamed the temporary AOF incr file ${tempIncr} into ${newIncr}`);
        } catch (e) {
          s.logger.warning(`Error trying to rename the temporary AOF incr file ${tempIncrPath} into ${newIncrPath}: ${strerror(e)}`);
          unlinkQuiet(newBasePath);
          fail();
          ok2 = false;
        }
      }
      if (ok2) {
        temp.markRewrittenIncrAsHistory(this.fd >= 0);
        if (!persistManifest(this.dir, this.filename, temp, this.logWarning)) {
          unlinkQuiet(newBasePath);
          if (newIncrPath !== null) unlinkQuiet(newIncrPath);
          fail();
          ok2 = false;
        }
      }
      if (ok2) {
        this.manifest = temp;
        if (this.fd >= 0) {
          this.selectedDb = -1;
          let baseSize = 0;
          try {
            baseSize = fs.statSync(newBasePath).size;
          } catch {
            /* counted as 0, as getAppendOnlyFileSize after an error */
          }
          this.currentSize = baseSize + this.lastIncrSize;
          this.rewriteBaseSize = this.currentSize;
          this.fsyncOffset = this.currentSize;
          this.lastFsyncSec = this.nowSec();
        }
        this.deleteHistoryFiles();
        this.lastBgrewriteStatus = 'ok';
        this.consecutiveFailures = 0;
        s.logger.notice('Background AOF rewrite finished successfully');
        if (this.state === 'wait_rewrite') this.state = 'on';
      }
    } else {
      fail();
      s.logger.warning('Background AOF rewrite terminated with error');
    }
    // cleanup (aofRemoveTempFile and the WAIT_REWRITE temp incr)
    unlinkQuiet(job.tmp);
    if (this.state === 'wait_rewrite') {
      this.buf = '';
      this.bufBytes = [];
      this.bufBytesLen = 0;
      this.inMulti = false;
      const tempIncr = tempIncrName(this.filename);
      s.logger.notice(`Removing the temp incr aof file ${tempIncr} in the background`);
      unlinkQuiet(path.join(this.dir, tempIncr));
    }
    this.lastRewriteTimeSec = this.nowSec() - Math.floor(job.startedAt / 1000);
    if (this.state === 'wait_rewrite') this.rewriteScheduled = true;
  }

  /** killAppendOnlyChild */
  killRewrite(quiet = false): void {
    const job = this.rewrite;
    if (job === null) return;
    if (!quiet) this.server.logger.notice(`Killing running AOF rewrite child: ${process.pid}`);
    job.killed = true;
    job.snapshot.abort();
    this.rewrite = null;
    unlinkQuiet(job.tmp);
  }

  /** aofDelHistoryFiles */
  deleteHistoryFiles(): void {
    const s = this.server;
    if (s.config.settings.aofDisableAutoGc || this.manifest.history.length === 0) return;
    for (const h of this.manifest.history) {
      s.logger.notice(`Removing the history file ${h.name} in the background`);
      unlinkQuiet(path.join(this.dir, h.name));
    }
    this.manifest.history = [];
    this.manifest.dirty = true;
    persistManifest(this.dir, this.filename, this.manifest, this.logWarning);
  }

  /** Seconds the current rewrite has been running, -1 when none. */
  currentRewriteTimeSec(): number {
    return this.rewrite === null ? -1 : this.nowSec() - Math.floor(this.rewrite.startedAt / 1000);
  }

  // ------------------------------------------------------------ start-up

  /** aofLoadManifestFromDisk: throws AofStartupError (after Redis's log lines) on a bad manifest. */
  loadManifestFromDisk(): void {
    const s = this.server;
    this.manifest = new AofManifest();
    const dir = this.dir;
    if (!isDir(dir)) {
      s.logger.debug(`The AOF directory ${this.dirName} doesn't exist`);
      return;
    }
    const name = manifestName(this.filename);
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) {
      s.logger.debug(`The AOF manifest file ${name} doesn't exist`);
      return;
    }
    let text: string;
    try {
      text = fs.readFileSync(file, 'latin1');
    } catch (e) {
      s.logger.warning(`Fatal error: can't open the AOF manifest file ${file} for reading: ${strerror(e)}`);
      throw new AofStartupError(`can't open the AOF manifest file ${file}`);
    }
    try {
      this.manifest = AofManifest.parse(text);
    } catch (e) {
      if (e instanceof AofManifestError) {
        for (const l of e.logLines()) s.logger.warning(l);
        throw new AofStartupError(e.detail);
      }
      throw e;
    }
  }

  /** aofUpgradePrepare: move an old-style `appendfilename` in `dir` into the AOF directory as its base. */
  private upgradePrepare(): void {
    const s = this.server;
    const dirName = this.dirName;
    try {
      fs.mkdirSync(this.dir, { recursive: true });
    } catch (e) {
      s.logger.warning(`Can't open or create append-only dir ${dirName}: ${strerror(e)}`);
      throw new AofStartupError("Can't open or create append-only dir");
    }
    const am = this.manifest;
    am.base = { name: this.filename, seq: 1, type: 'b' };
    am.currBaseSeq = 1;
    am.dirty = true;
    if (!persistManifest(this.dir, this.filename, am, this.logWarning)) throw new AofStartupError('cannot write the AOF manifest');
    try {
      fs.renameSync(path.join(s.dataDir, this.filename), path.join(this.dir, this.filename));
    } catch (e) {
      s.logger.warning(`Error trying to move the old AOF file ${this.filename} into dir ${dirName}: ${strerror(e)}`);
      throw new AofStartupError('cannot move the old AOF file');
    }
    s.logger.notice(`Successfully migrated an old-style AOF file (${this.filename}) into the AOF directory (${dirName}).`);
  }

  /** loadAppendOnlyFiles with the upgrade check; `onRdb` gets the loaders of RDB parts. */
  loadFiles(onProgress: (delta: number) => void, onRdb: (l: RdbLoader) => void): Generator<void, AofLoadResult> {
    const s = this.server;
    const am = this.manifest;
    const old = path.join(s.dataDir, this.filename);
    if (fs.existsSync(old) && !isDir(old)) {
      if (
        !isDir(this.dir) ||
        (am.base === null && am.incr.length === 0) ||
        (am.base !== null && am.incr.length === 0 && am.base.name === this.filename && !fs.existsSync(path.join(this.dir, this.filename)))
      ) {
        this.upgradePrepare();
      }
    }
    return loadAppendOnlyFiles(
      { server: s, dir: this.dir, aofFilename: this.filename, loadTruncated: s.config.settings.aofLoadTruncated, onProgress, onRdbLoaded: onRdb },
      this.manifest,
    );
  }

  /** After a successful load: sizes for INFO and the automatic rewrite (loadAppendOnlyFiles' tail). */
  setLoadedSizes(total: number, base: number): void {
    this.currentSize = total;
    this.rewriteBaseSize = base;
    this.fsyncOffset = total;
  }

  /** rewriteAppendOnlyFile (synchronous): write the current dataset as a base file. Throws AofStartupError. */
  private writeBaseSync(target: string): void {
    const s = this.server;
    const tmpName = `temp-rewriteaof-${process.pid}.aof`;
    const tmp = path.join(s.dataDir, tmpName);
    let fd: number;
    try {
      fd = fs.openSync(tmp, 'w');
    } catch (e) {
      s.logger.warning(`Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): ${strerror(e)}`);
      throw new AofStartupError('cannot write the AOF base');
    }
    try {
      if (s.config.settings.aofUseRdbPreamble) {
        writeDatasetSync(s, fd, { aofBase: true });
      } else {
        const w = new AofCommandWriter();
        if (s.config.settings.aofTimestampEnabled) w.timestamp(this.nowSec());
        for (const db of s.dbs) {
          if (db.size === 0) continue;
          w.selectDb(db.id);
          db.forEach((key, value, expireAt) => {
            w.key(key, toPlainValue(value), expireAt);
            if (w.pending >= 1 << 20) for (const b of w.take()) writeFully(fd, b);
          });
        }
        for (const b of w.take()) writeFully(fd, b);
      }
      fs.fsyncSync(fd);
    } catch (e) {
      closeQuiet(fd);
      unlinkQuiet(tmp);
      s.logger.warning(`Write error writing append only file on disk: ${strerror(e)}`);
      throw new AofStartupError('cannot write the AOF base');
    }
    fs.closeSync(fd);
    try {
      fs.renameSync(tmp, target);
      fsyncFileDir(target);
    } catch (e) {
      unlinkQuiet(tmp);
      s.logger.warning(`Error moving temp append only file on the final destination: ${strerror(e)}`);
      throw new AofStartupError('cannot write the AOF base');
    }
  }

  /** aofOpenIfNeededOnServerStart: base for an empty start, open the last incr file, persist the manifest. */
  openOnServerStart(): void {
    const s = this.server;
    this.state = 'on';
    try {
      fs.mkdirSync(this.dir, { recursive: true });
    } catch (e) {
      s.logger.warning(`Can't open or create append-only dir ${this.dirName}: ${strerror(e)}`);
      throw new AofStartupError("Can't open or create append-only dir");
    }
    const am = this.manifest;
    const hadIncr = am.incr.length > 0;
    if (am.base === null && !hadIncr) {
      const baseName = am.newBaseName(this.filename, s.config.settings.aofUseRdbPreamble);
      this.writeBaseSync(path.join(this.dir, baseName));
      s.logger.notice(`Creating AOF base file ${baseName} on server start`);
    }
    const name = am.lastIncrName(this.filename);
    const file = path.join(this.dir, name);
    try {
      this.fd = fs.openSync(file, 'a', 0o644);
    } catch (e) {
      s.logger.warning(`Can't open the append-only file ${name}: ${strerror(e)}`);
      throw new AofStartupError("Can't open the append-only file");
    }
    if (!persistManifest(this.dir, this.filename, am, this.logWarning)) throw new AofStartupError('cannot write the AOF manifest');
    try {
      this.lastIncrSize = fs.fstatSync(this.fd).size;
    } catch {
      this.lastIncrSize = 0;
    }
    s.logger.notice(hadIncr ? `Opening AOF incr file ${name} on server start` : `Creating AOF incr file ${name} on server start`);
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
