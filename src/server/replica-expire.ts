/**
 * Expiry on a writable replica (`replica-read-only no`): a replica never
 * expires its master's keys (it waits for the master's DEL), but the keys its
 * own clients wrote with a TTL have no master to delete them. Redis remembers
 * those keys (slaveKeysWithExpire, filled by setExpire when the writer is not
 * the master) and its cron deletes the ones whose TTL passed
 * (expireSlaveKeys). The DEL goes to the AOF only: a replica's sub-replicas
 * get its master's stream.
 */
import type { Server } from './server';

/** Redis's slaveKeysWithExpire: per db, the keys given a TTL by a client other than the master. */
export class ReplicaKeysWithExpire {
  private readonly byDb = new Map<number, Set<string>>();
  /** where the next cron run goes on (a live iterator over the db's set) */
  private cursor: { db: number; it: Iterator<string> } | null = null;

  /** Number of keys tracked. */
  get size(): number {
    let n = 0;
    for (const keys of this.byDb.values()) n += keys.size;
    return n;
  }

  /** rememberSlaveKeyWithExpire */
  remember(db: number, key: string): void {
    let keys = this.byDb.get(db);
    if (keys === undefined) this.byDb.set(db, (keys = new Set()));
    keys.add(key);
  }

  /** Whether a key is tracked (tests, DEBUG). */
  has(db: number, key: string): boolean {
    return this.byDb.get(db)?.has(key) === true;
  }

  /** flushSlaveKeysWithExpireList (the whole dataset is replaced or flushed). */
  clear(): void {
    this.byDb.clear();
    this.cursor = null;
  }

  /**
   * expireSlaveKeys: walk the tracked keys (resuming where the last run
   * stopped), delete the expired ones as the active expire cycle would, forget
   * the ones that no longer exist or lost their TTL. Bounded: each tracked
   * key at most once per run, and at most 1 ms past the first 64.
   */
  expire(s: Server, now: number): void {
    const start = performance.now();
    const limit = this.size;
    let visited = 0;
    s.executor.execUnit(() => {
      while (this.byDb.size > 0) {
        if (this.cursor === null) {
          const [db, keys] = this.byDb.entries().next().value as [number, Set<string>];
          this.cursor = { db, it: keys.values() };
        }
        const { db, it } = this.cursor;
        const keys = this.byDb.get(db);
        const r = it.next();
        if (keys === undefined || r.done === true) {
          // this db's set is done: go on with the next one, in turn
          this.cursor = null;
          if (keys !== undefined && keys.size === 0) this.byDb.delete(db);
          else if (keys !== undefined) {
            this.byDb.delete(db);
            this.byDb.set(db, keys);
          }
          continue;
        }
        const key = r.value;
        const database = s.dbs[db];
        const at = database === undefined ? -1 : database.expireOf(key);
        if (at < 0) keys.delete(key);
        else if (at <= now) {
          s.onExpired(database, key);
          database.delete(key);
          keys.delete(key);
        }
        if (++visited >= limit) return;
        if ((visited & 63) === 0 && performance.now() - start > 1) return;
      }
    });
  }
}
