/**
 * The fork-less point-in-time snapshot. Redis forks and lets the child write
 * the dataset while the parent keeps serving; Node cannot fork, so a Snapshot
 * walks the databases in short time slices (yielding to the event loop in
 * between) and stays consistent with "the dataset at the moment start() was
 * called" through server.watch.snapshotHooks:
 *
 * - The walk goes over each database's key table slot by slot, up to the
 *   table's end at start(), with the table pinned: while pinned no slot
 *   moves (deletions leave holes) and new keys only ever take slots past that
 *   end, so keys born after the start never appear.
 * - beforeKeyWrite(db, key): a key is about to change. If the walk has not
 *   reached its slot yet, its current (old) value is serialized now and the
 *   slot is marked in a bitmap so the walk skips it later.
 * - beforeWriteAll(): FLUSHALL/SWAPDB/MOVE-style writes: the rest of the walk
 *   is done synchronously first.
 *
 * Memory overhead is a bitmap of one bit per slot, made only when a key
 * ahead of the walk is written.
 *
 * The same class serves BGSAVE/SAVE (file sink) and replication full sync
 * (socket sinks). Back-pressure of the sink is respected.
 */
import type { Server } from '../server/server';
import type { DbValue } from '../keyspace/database';
import type { KeyTable } from '../keyspace/key-table';
import { RdbWriter, type RdbAuxInfo, type RdbWriterOptions } from './rdb/writer';
import { toPlainValue, writerLimits } from './convert';
import type { PlainValue } from './rdb/model';

/** Where snapshot bytes go: a Node Writable fits (write() false = wait for 'drain'); a Promise is awaited. */
export interface SnapshotSink {
  write(chunk: Buffer): boolean | void | Promise<unknown>;
  once?(event: 'drain', listener: () => void): unknown;
}

/** Options of a Snapshot. */
export interface SnapshotOptions {
  /** RDB AUX information (repl-id/repl-offset for replication and persistence) */
  aux?: RdbAuxInfo;
  /** work this long before yielding to the event loop (default 4 ms) */
  sliceMs?: number;
  /** called after each chunk handed to the sink, with the total bytes so far */
  onProgress?: (bytes: number) => void;
  /** writer options; defaults come from rdbcompression/rdbchecksum and the encoding thresholds */
  writer?: RdbWriterOptions;
  /** what the snapshot is for (diagnostics) */
  label?: string;
  /**
   * The sink's write() returns a Promise that resolves only once the chunk
   * is no longer referenced (a file write): chunk buffers are then reused.
   */
  recycleChunks?: boolean;
}

/** What start() resolves with. */
export interface SnapshotResult {
  bytes: number;
  keys: number;
}

/** Thrown (rejected) by start() after abort(). */
export class SnapshotAbortedError extends Error {
  constructor() {
    super('snapshot aborted');
  }
}

interface DbWalk {
  id: number;
  /** the table walked (pinned until the walk of this db is done) */
  table: KeyTable<DbValue>;
  /** the table's end at start(): slots past it hold keys born later */
  end: number;
  /** the next slot to walk */
  cursor: number;
  size: number;
  expiresSize: number;
  begun: boolean;
  done: boolean;
  /** slots written ahead of the walk (their key changed first), null until one is */
  written: Uint8Array | null;
  /** old values of keys of a db the walk has not begun yet */
  pending: Array<{ key: string; value: PlainValue; expireAt: number }>;
}

/** Snapshots currently running on a server (BGSAVE, full syncs). */
export function runningSnapshots(server: Server): Snapshot[] {
  return [...server.watch.snapshots];
}

/** Whether any snapshot is running (Redis's hasActiveChildProcess for RDB children). */
export function snapshotInProgress(server: Server): boolean {
  return server.watch.snapshots.size > 0;
}

const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** stop a slice when this much output waits for the sink */
const MAX_QUEUED = 1 << 20;

/** A point-in-time RDB snapshot of a server, written to a sink while clients keep being served. */
export class Snapshot {
  private readonly writer: RdbWriter;
  private readonly walks: DbWalk[] = [];
  private readonly byId = new Map<number, DbWalk>();
  private cur = 0;
  private walkDone = false;
  private aborted = false;
  private started = false;
  private bytes = 0;
  private readonly hook = {
    beforeKeyWrite: (db: number, key: string): void => this.onKeyWrite(db, key),
    beforeWriteAll: (): void => this.finishWalk(),
  };
  /** ms time start() was called */
  startedAt = 0;
  private readonly strValue: { type: 'string'; value: string } = { type: 'string', value: '' };
  readonly label: string;

  constructor(
    private readonly server: Server,
    private readonly sink: SnapshotSink,
    private readonly opts: SnapshotOptions = {},
  ) {
    const cfg = server.config;
    this.writer = new RdbWriter({
      compression: cfg.settings.rdbcompression,
      checksum: cfg.settings.rdbchecksum,
      limits: writerLimits(cfg),
      ...opts.writer,
    });
    this.label = opts.label ?? 'rdb';
  }

  /** Bytes handed to the sink so far. */
  get bytesWritten(): number {
    return this.bytes;
  }

  /** Keys serialized so far (INFO current_save_keys_processed). */
  get keysWritten(): number {
    return this.writer.keys;
  }

  /**
   * Capture the dataset now and write it. Everything up to the first await
   * runs synchronously, so "now" is exactly the moment of the call.
   */
  start(): Promise<SnapshotResult> {
    if (this.started) throw new Error('snapshot already started');
    this.started = true;
    this.startedAt = this.server.now();
    const dbs = this.server.dbs;
    for (let i = 0; i < dbs.length; i++) {
      const db = dbs[i];
      if (db.size === 0) continue;
      db.table.pin();
      const w: DbWalk = {
        id: i,
        table: db.table,
        end: db.table.end,
        cursor: 0,
        size: db.size,
        expiresSize: db.expiresSize,
        begun: false,
        done: false,
        written: null,
        pending: [],
      };
      this.walks.push(w);
      this.byId.set(i, w);
    }
    this.writer.writeHeader(this.opts.aux);
    // the function libraries follow the AUX fields (rdbSaveFunctions), before the first db
    for (const code of this.server.scripting.functions.codes()) this.writer.writeFunction(code);
    const watch = this.server.watch;
    watch.snapshotHooks.push(this.hook);
    watch.snapshots.add(this);
    return this.run().finally(() => {
      for (const st of this.walks) this.endWalk(st);
      this.unhook();
      watch.snapshots.delete(this);
    });
  }

  /** Stop: start() rejects with SnapshotAbortedError at its next step. */
  abort(): void {
    this.aborted = true;
    this.unhook();
    for (const st of this.walks) this.endWalk(st);
  }

  /** A database's walk is over: unpin its table. */
  private endWalk(st: DbWalk): void {
    if (st.done) return;
    st.done = true;
    st.written = null;
    st.table.unpin();
  }

  private unhook(): void {
    const hooks = this.server.watch.snapshotHooks;
    const i = hooks.indexOf(this.hook);
    if (i >= 0) hooks.splice(i, 1);
  }

  private async run(): Promise<SnapshotResult> {
    const sliceMs = this.opts.sliceMs ?? 4;
    for (;;) {
      if (this.aborted) throw new SnapshotAbortedError();
      const t0 = performance.now();
      if (!this.walkDone) this.walkSlice(t0 + sliceMs);
      if (this.walkDone) this.unhook();
      this.writer.flush();
      await this.drain();
      if (this.aborted) throw new SnapshotAbortedError();
      if (this.walkDone && !this.writer.hasChunk()) break;
      await immediate();
    }
    return { bytes: this.bytes, keys: this.writer.keys };
  }

  /** Hand queued chunks to the sink, waiting when it asks to. */
  private async drain(): Promise<void> {
    let c: Buffer | null;
    while ((c = this.writer.takeChunk()) !== null) {
      if (this.aborted) return;
      const res = this.sink.write(c);
      this.bytes += c.length;
      this.opts.onProgress?.(this.bytes);
      if (res instanceof Promise) {
        await res;
        if (this.opts.recycleChunks) this.writer.recycle(c);
      } else if (res === false && this.sink.once) {
        const once = this.sink.once.bind(this.sink);
        await new Promise<void>((resolve) => once('drain', resolve));
      }
    }
  }

  /** Walk until the deadline (performance.now() ms); Infinity finishes the walk. */
  private walkSlice(deadline: number): void {
    const w = this.writer;
    let n = 0;
    while (this.cur < this.walks.length) {
      const st = this.walks[this.cur];
      if (!st.begun) {
        w.selectDb(st.id, st.size, st.expiresSize);
        st.begun = true;
        for (const p of st.pending) w.writeKey(p.key, p.value, p.expireAt);
        st.pending = [];
      }
      const t = st.table;
      for (;;) {
        if (st.cursor >= st.end) {
          this.endWalk(st);
          this.cur++;
          break;
        }
        const slot = st.cursor++;
        const key = t.keyAt(slot);
        if (key === null) continue; // deleted (after the hook wrote it)
        if (st.written !== null && (st.written[slot >>> 3] & (1 << (slot & 7))) !== 0) continue;
        // strings (most keys) reuse one wrapper: the writer keeps nothing
        const v = t.valueAt(slot)!;
        let pv: PlainValue;
        if (typeof v === 'string') {
          this.strValue.value = v;
          pv = this.strValue;
        } else pv = toPlainValue(v);
        w.writeKey(key, pv, t.expireAt(slot));
        // finishWalk (deadline Infinity) must not stop early: the dataset is about to change wholesale
        if ((++n & 63) === 0 && deadline !== Infinity && (performance.now() >= deadline || w.pendingBytes >= MAX_QUEUED)) return;
      }
    }
    w.writeEnd();
    this.walkDone = true;
  }

  /** beforeWriteAll: finish the walk now (the output waits in memory for the sink). */
  private finishWalk(): void {
    if (this.walkDone || this.aborted) return;
    this.walkSlice(Infinity);
    this.unhook();
  }

  /** beforeKeyWrite: save a key's old value if the walk has not reached it; remember new keys. */
  private onKeyWrite(db: number, key: string): void {
    const st = this.byId.get(db);
    if (st === undefined || st.done || this.walkDone) return; // empty at start: every key there is new
    const t = st.table;
    const slot = t.find(key);
    // about to be created (it will take a slot past the end), or already written by the walk
    if (slot < st.cursor || slot >= st.end) return;
    if (st.written === null) st.written = new Uint8Array((st.end >>> 3) + 1);
    else if ((st.written[slot >>> 3] & (1 << (slot & 7))) !== 0) return;
    st.written[slot >>> 3] |= 1 << (slot & 7);
    let value = toPlainValue(t.valueAt(slot)!);
    // an RBigString's bytes are a view of a value that may change in place: kept, it is copied
    if (!st.begun && value.type === 'string' && typeof value.value !== 'string') value = { type: 'string', value: Buffer.from(value.value) };
    if (st.begun) this.writer.writeKey(key, value, t.expireAt(slot));
    else st.pending.push({ key, value, expireAt: t.expireAt(slot) });
  }
}
