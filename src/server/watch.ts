/**
 * Key change signals. After a key changed (Redis's signalModifiedKey) WATCHes
 * on it break, clients blocked on it become ready and clients tracking it
 * (client-side caching) are sent an invalidation; a flushed db
 * (signalFlushedDb) does the same for all its keys. Before a key changes, a running fork-less
 * snapshot is told so it can save the old value first.
 */
import type { Client } from './client';
import type { Command } from '../commands/spec';
import type { Database } from '../keyspace/database';
import type { Blocking } from './blocking';
import type { Snapshot } from '../persistence/snapshot';
import type { Tracking } from './tracking';

/** A running snapshot's interest in keys about to change. */
export interface SnapshotHook {
  beforeKeyWrite(db: number, key: string): void;
  beforeWriteAll(): void;
}

/** Writes that touch other dbs or whole dbs. */
const WIDE_WRITES = new Set(['move', 'swapdb', 'flushall', 'flushdb']);

/** WATCH bookkeeping and key change signals of one server. */
export class KeyWatch {
  /** `${db}\0${key}` -> clients WATCHing it (clients index the other way in c.watched) */
  readonly watchedKeys = new Map<string, Set<Client>>();
  /** each hook is told about a key before a write changes it, so a point-in-time snapshot can save the old value first */
  readonly snapshotHooks: SnapshotHook[] = [];
  /** fork-less snapshots running (BGSAVE, full syncs): Redis's active RDB child */
  readonly snapshots = new Set<Snapshot>();

  constructor(
    private readonly dbs: () => Database[],
    private readonly blocking: Blocking,
    private readonly tracking: Tracking,
  ) {}

  /**
   * WATCH key in the client's db (watchForKey). A key already expired (but not
   * yet reclaimed) is remembered as such: reclaiming it later is no logical
   * change (Redis 7.0's wk->expired).
   */
  watch(c: Client, key: string): void {
    const k = c.db.id + '\0' + key;
    if (c.watched.has(k)) return;
    let set = this.watchedKeys.get(k);
    if (set === undefined) this.watchedKeys.set(k, (set = new Set()));
    set.add(c);
    c.watched.add(k);
    if (c.db.peek(key) !== undefined && !c.db.isLive(key)) c.watchedStale.add(k);
    else c.watchedStale.delete(k);
  }

  /** Nothing is WATCHed, blocked on or tracked: signalModifiedKey would do nothing (callers skip building key lists). */
  get quiet(): boolean {
    return this.watchedKeys.size === 0 && this.blocking.blockingKeys.size === 0 && this.tracking.idle;
  }

  /**
   * A key changed: break WATCHes on it, wake clients blocked on it and
   * invalidate it for clients tracking it.
   * `deleted`: the key is being removed by expiry (still in the dict right now).
   * `by`: who changed it (BCAST NOLOOP): the running client unless given; null for expiry and eviction.
   */
  signalModifiedKey(db: number, key: string, deleted = false, by?: Client | null): void {
    const k = db + '\0' + key;
    const w = this.watchedKeys.get(k);
    if (w !== undefined) this.touchWatchedKey(w, k, db, key, deleted);
    this.blocking.signalKeyReady(k);
    if (!this.tracking.idle) this.tracking.invalidateKey(key, deleted ? null : by);
  }

  /**
   * FLUSHDB / FLUSHALL (db < 0) / a dataset replaced by a sync or a reload
   * (Redis's signalFlushedDb): WATCHes break as touchWatchedKeysInDb says, and
   * every tracking client gets a null invalidation ("every key"). Call it
   * BEFORE the data changes. `replacedWith`: the databases taking the place
   * of every db (db must be -1).
   */
  signalFlushedDb(db: number, replacedWith: Database[] | null = null): void {
    if (replacedWith === null) this.touchWatchedKeysInDb(db);
    else for (let i = 0; i < replacedWith.length; i++) this.touchWatchedKeysInDb(i, replacedWith[i]);
    this.tracking.invalidateAll();
  }

  /** Redis 7.0's touchWatchedKey, including its handling of keys already expired at WATCH time. */
  private touchWatchedKey(watchers: Set<Client>, k: string, db: number, key: string, deleted: boolean): void {
    for (const c of [...watchers]) {
      if (c.watchedStale.has(k)) {
        // Deleting an already expired key is no logical change: just forget the flag.
        if (deleted || this.dbs()[db].peek(key) === undefined) {
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
   * FLUSHDB / FLUSHALL (db < 0: every db) / SWAPDB / a full sync replacing
   * the data (`replacedWith`: the db that takes db's place): Redis 7.0's
   * touchAllWatchedKeysInDb. Call it BEFORE the data changes: only WATCHed
   * keys that exist in `db` (or in `replacedWith`) break, and keys already expired at WATCH time follow
   * Redis's rules.
   */
  touchWatchedKeysInDb(db: number, replacedWith: Database | null = null): void {
    const dbs = this.dbs();
    if (db < 0) {
      for (let i = 0; i < dbs.length; i++) this.touchWatchedKeysInDb(i);
      return;
    }
    const emptied = dbs[db];
    const other = replacedWith;
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
          if (!other!.isLive(key)) continue; // expired key remains expired
        } else if (!inEmptied && inOther !== undefined && !other!.isLive(key)) {
          c.watchedStale.add(k); // a missing key replaced with an expired one
          continue;
        }
        c.casDirty = true;
        this.unwatchAll(c);
      }
    }
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
}
