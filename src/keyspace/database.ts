/**
 * One logical database: the keys, their values and expire times (a KeyTable,
 * see key-table.ts). Keys are latin1 strings (binary safe). Expiry is lazy
 * here (lookups) and active in the cron (activeExpireCycle). Policy questions
 * (may this server delete expired keys? what happens when one is deleted?)
 * are answered by the DbHost, i.e. the Server, so the database itself holds no
 * global state.
 *
 * Everything is addressed by key; `table` gives slot-level access to the few
 * parts that walk or sample the keyspace (snapshots, eviction, access times).
 */
import type { RList } from './types/list';
import type { RHash } from './types/hash';
import type { RSet } from './types/set';
import type { RZSet } from './types/zset';
import type { RStream } from './types/stream';
import type { RBigString } from './big-string';
import { KeyTable } from './key-table';
import type { StringIndex } from './string-index';
import { keyBytes } from './memory-size';
import { LFU_INIT_VAL } from './lfu';

/** A stored value: strings are latin1 JS strings (RBigString past STRING_LIMIT); the rest are structures. */
export type DbValue = string | RBigString | RList | RHash | RSet | RZSet | RStream;

/** Redis's TYPE name of a value. */
export function typeName(v: DbValue): 'string' | 'list' | 'hash' | 'set' | 'zset' | 'stream' {
  return typeof v === 'string' ? 'string' : v.type;
}

/** Database.warm's scratch: up to W_MAX keys or members of one batch. */
const W_MAX = 64;
const W_FRAME = new Int32Array(W_MAX);
const W_START = new Int32Array(W_MAX);
const W_END = new Int32Array(W_MAX);
const W_SLOTS = new Int32Array(W_MAX);

/** The member index of a big hash, set or sorted set (hashtable/skiplist encodings), else null. */
function memberIndexOf(v: DbValue | number): StringIndex | null {
  if (typeof v !== 'object' || (v.type !== 'hash' && v.type !== 'set' && v.type !== 'zset')) return null;
  return v.memberIndex();
}

export const EXPIRE_DELETE = 2;
export const EXPIRE_HIDE = 1;
export const EXPIRE_KEEP = 0;

/** A key's columns besides its value. */
export interface KeyMeta {
  /** ms, -1 = none */
  expireAt: number;
  /** last access, unix seconds */
  lru: number;
  lfu: number;
  flags: number;
}

/** What a database asks of its server. */
export interface DbHost {
  /** current time in ms (injectable clock) */
  now(): number;
  /**
   * What a lookup does with a logically expired key: EXPIRE_DELETE (a master
   * deletes it and propagates DEL), EXPIRE_HIDE (a replica reports it missing
   * but keeps it for the master's DEL), EXPIRE_KEEP (the master link on a
   * replica, and loading, see it as live).
   */
  expireMode(): number;
  /** an expired key is about to be deleted: propagate DEL, notify, count */
  onExpired(db: Database, key: string): void;
  /** a TTL was set on a key by a command (a writable replica tracks the keys its own clients gave a TTL) */
  onExpireSet?(db: Database, key: string): void;
}

/** A database. */
export class Database {
  /** keys, values and their per-key columns */
  table = new KeyTable<DbValue>();
  /** average TTL estimate for INFO keyspace avg_ttl */
  avgTtl = 0;
  /** sum of the keys' costs (memory-size.ts keyBytes): this database's share of used_memory, without the table itself */
  memBytes = 0;
  /**
   * The last key re-costed after an in-place change (remeasure), and whether
   * it changed again since without being re-costed: a run of changes to one
   * key (the sixteen LPUSHes of one pipelined read) re-costs it once, when
   * the run ends (another key's change, settleCosts(): before used_memory is
   * read, Memory.dataset, and at the end of every batch of a client's input).
   */
  private lastCosted = '';
  private lastUnsettled = false;
  /** where the active expire cycle and the volatile eviction sampler go on (a slot, walking down) */
  private expireCursor = 0;
  private evictCursor = 0;

  constructor(
    public id: number,
    public host: DbHost,
  ) {}

  /** Number of keys (including logically expired ones not yet reclaimed, as Redis). */
  get size(): number {
    return this.table.size;
  }

  /** Number of keys with a TTL (Redis's expires dict size). */
  get expiresSize(): number {
    return this.table.volatileSize;
  }

  /** The slot of a live key, deleting it first if it expired (on a master); -1 when missing. */
  lookupSlot(key: string): number {
    const t = this.table;
    const s = t.find(key);
    if (s < 0) return -1;
    const at = t.expireAt(s);
    if (at >= 0 && at <= this.host.now()) {
      const mode = this.host.expireMode();
      if (mode === EXPIRE_KEEP) return s;
      if (mode === EXPIRE_DELETE) {
        this.host.onExpired(this, key);
        this.delete(key);
      }
      return -1;
    }
    return s;
  }

  /**
   * Read ahead for a pipelined batch (Connections.warm): frame f (0 <= f < n)
   * of the batch has argc[f] arguments, argument k (1..3) at buf[start[3f+k-1],
   * end[3f+k-1]). Each frame's argument 1 is warmed as a key (KeyTable.warm);
   * where that key holds a big hash, set or sorted set, its argument 2 (and
   * 3 for a sorted set: ZADD's member follows the score) is warmed in the
   * aggregate's member index. Only the aggregate of the first such key is
   * warmed (a batch usually works on one). A hint: changes nothing.
   */
  warm(buf: Uint8Array, argc: Int32Array, start: Int32Array, end: Int32Array, n: number): void {
    const t = this.table;
    let k = 0;
    for (let f = 0; f < n; f++) {
      if (argc[f] < 2) continue;
      W_FRAME[k] = f;
      W_START[k] = start[3 * f];
      W_END[k] = end[3 * f];
      k++;
    }
    if (k === 0) return;
    t.warm(buf, W_START, W_END, k, W_SLOTS);
    if (t.bigValues === 0) return;
    let ix: StringIndex | null = null;
    let zset = false;
    let m = 0;
    for (let j = 0; j < k; j++) {
      const s = W_SLOTS[j];
      if (s < 0) continue;
      const v = t.rawValueAt(s)!;
      const vix = memberIndexOf(v);
      if (vix === null || (ix !== null && vix !== ix)) continue;
      if (ix === null) {
        ix = vix;
        zset = typeof v === 'object' && v.type === 'zset';
      }
      const f = W_FRAME[j];
      for (let a = 2; a <= (zset ? 3 : 2) && a < argc[f] && m < W_MAX; a++) {
        W_START[m] = start[3 * f + a - 1];
        W_END[m] = end[3 * f + a - 1];
        m++;
      }
    }
    if (ix !== null && m > 0) ix.warm(buf, W_START, W_END, m, W_SLOTS);
  }

  /** Whether the key of bytes buf[a, b) holds a hash, set or sorted set of at least `min` members in a member index (Database.warm). */
  bigMembersAt(buf: Uint8Array, a: number, b: number, min: number): boolean {
    W_START[0] = a;
    W_END[0] = b;
    const t = this.table;
    t.warm(buf, W_START, W_END, 1, W_SLOTS);
    const s = W_SLOTS[0];
    const ix = s < 0 ? null : memberIndexOf(t.rawValueAt(s)!);
    return ix !== null && ix.size >= min;
  }

  /** The value of a live key (see lookupSlot). */
  get(key: string): DbValue | undefined {
    const s = this.lookupSlot(key);
    return s < 0 ? undefined : this.table.valueAt(s);
  }

  /** The value without any expiry check (for persistence, DEBUG, replicas' loaders). */
  peek(key: string): DbValue | undefined {
    const s = this.table.find(key);
    return s < 0 ? undefined : this.table.valueAt(s);
  }

  /** The key's slot without any expiry check, -1 when absent. */
  slotOf(key: string): number {
    return this.table.find(key);
  }

  /** Whether the key exists and has not logically expired (never deletes). */
  isLive(key: string): boolean {
    const s = this.table.find(key);
    if (s < 0) return false;
    const at = this.table.expireAt(s);
    return at < 0 || at > this.host.now();
  }

  /** A key's expire time in ms, -1 when it has none or does not exist (no expiry check). */
  expireOf(key: string): number {
    const s = this.table.find(key);
    return s < 0 ? -1 : this.table.expireAt(s);
  }

  /** Set a key's value. Unless keepTtl, any TTL is removed (as SET does). */
  set(key: string, value: DbValue, keepTtl = false): void {
    const t = this.table;
    const s = t.upsert(key, value, Math.floor(this.host.now() / 1000), LFU_INIT_VAL);
    if (!t.upserted && !keepTtl) t.setExpireAt(s, -1);
    this.remeasureSlot(s);
  }

  /** set() for a key whose slot the caller just looked up. */
  setAt(s: number, value: DbValue, keepTtl: boolean): void {
    const t = this.table;
    t.setValueAt(s, value);
    if (!keepTtl) t.setExpireAt(s, -1);
    this.remeasureSlot(s);
  }

  /**
   * setAt() of a string value that is the decimal text of the int32 n: kept
   * as the number, as Redis keeps an int-encoded string (KeyTable.setIntAt).
   */
  setIntAt(s: number, n: number, keepTtl: boolean): void {
    const t = this.table;
    // a number replacing a number: the cost (the key's alone, keyBytes) stays what it is
    const same = typeof t.rawValueAt(s) === 'number';
    t.setIntAt(s, n);
    if (!keepTtl) t.setExpireAt(s, -1);
    if (!same) this.remeasureSlot(s);
  }

  /** Re-cost a key after its value changed in place (the executor calls it for a write command's keys). */
  remeasure(key: string): void {
    if (key === this.lastCosted) {
      this.lastUnsettled = true;
      return;
    }
    if (this.lastUnsettled) this.settleCosts();
    this.lastCosted = key;
    this.recost(key);
  }

  /**
   * Re-cost the key remeasure() left unsettled. Always consistent: memBytes
   * moves by a key's new cost minus the cost its slot holds, and a key
   * deleted (or a database flushed) meanwhile is simply not found.
   */
  settleCosts(): void {
    if (!this.lastUnsettled) return;
    this.lastUnsettled = false;
    this.recost(this.lastCosted);
  }

  /** Re-cost a key now (a key not there is left alone). */
  private recost(key: string): void {
    const s = this.table.find(key);
    if (s >= 0) this.remeasureSlot(s);
  }

  private remeasureSlot(s: number): void {
    const t = this.table;
    const m = keyBytes(t.keyAt(s)!, t.rawValueAt(s)!);
    this.memBytes += m - t.mem(s);
    t.setMem(s, m);
  }

  /**
   * Loaders' insert (RDB load, full sync): the same result as set() followed
   * by setExpire() when expireAt >= 0, with `now` supplied by the caller
   * (one clock read per chunk rather than per key).
   */
  setNew(key: string, value: DbValue, expireAt: number, now: number): void {
    const t = this.table;
    const s = t.upsert(key, value, Math.floor(now / 1000), LFU_INIT_VAL);
    t.setExpireAt(s, expireAt);
    this.remeasureSlot(s);
  }

  /** Remove a key; true if it was there. */
  delete(key: string): boolean {
    const t = this.table;
    const s = t.find(key);
    if (s < 0) return false;
    this.memBytes -= t.mem(s);
    t.removeAt(s);
    return true;
  }

  /** Set an absolute expire time in ms on an existing key. */
  setExpire(key: string, at: number): void {
    const s = this.table.find(key);
    if (s < 0) return;
    this.table.setExpireAt(s, at);
    if (at >= 0) this.host.onExpireSet?.(this, key);
  }

  /** Remove the TTL; true if there was one. */
  persist(key: string): boolean {
    const t = this.table;
    const s = t.find(key);
    if (s < 0 || t.expireAt(s) < 0) return false;
    t.setExpireAt(s, -1);
    return true;
  }

  /** What a key carries besides its value (RENAME/MOVE/COPY), null when absent. */
  meta(key: string): KeyMeta | null {
    const t = this.table;
    const s = t.find(key);
    if (s < 0) return null;
    return { expireAt: t.expireAt(s), lru: t.lru(s), lfu: t.lfu(s), flags: t.flags(s) };
  }

  /** The value owner's flag bits of a key (0 when absent); set() resets them. */
  flagsOf(key: string): number {
    const s = this.table.find(key);
    return s < 0 ? 0 : this.table.flags(s);
  }

  setFlags(key: string, f: number): void {
    const s = this.table.find(key);
    if (s >= 0) this.table.setFlags(s, f);
  }

  /** Delete everything. A walk pinning the old contents keeps them (it holds the old table). */
  flush(): void {
    if (this.table.pinned) this.table = new KeyTable<DbValue>();
    else this.table.clear();
    this.expireCursor = 0;
    this.evictCursor = 0;
    this.avgTtl = 0;
    this.memBytes = 0;
    this.lastCosted = '';
    this.lastUnsettled = false;
  }

  /** Exchange contents with another db (SWAPDB): ids stay, data moves. */
  swapWith(other: Database): void {
    this.settleCosts();
    other.settleCosts();
    const t = this.table;
    this.table = other.table;
    other.table = t;
    const f = ['avgTtl', 'memBytes', 'expireCursor', 'evictCursor'] as const;
    const a = this as unknown as Record<string, number>;
    const b = other as unknown as Record<string, number>;
    for (const k of f) {
      const x = a[k];
      a[k] = b[k];
      b[k] = x;
    }
  }

  /**
   * Visit about `count` keys from `cursor`; returns the next cursor (0 = done).
   * The cursor counts the slots still to visit, walking from the top slot
   * down: slots only ever move from the top into a hole below, so every key
   * present from the first to the last call is visited at least once.
   */
  scan(cursor: number, count: number, visit: (key: string) => void): number {
    const t = this.table;
    let c = cursor === 0 || cursor > t.end ? t.end : cursor;
    let seen = 0;
    while (c > 0 && seen < count) {
      const k = t.keyAt(--c);
      if (k === null) continue;
      visit(k);
      seen++;
    }
    return c;
  }

  /** A random key, or null when empty (expired keys may be returned as Redis's RANDOMKEY may). */
  randomKey(): string | null {
    const s = this.table.randomSlot();
    return s < 0 ? null : this.table.keyAt(s);
  }

  /**
   * Up to `count` keys for the eviction pool (Redis's dictGetSomeKeys):
   * random keys for allkeys-* policies; for volatile-* ones, random keys
   * that have a TTL, and when those are too sparse for random picks to find
   * them, the ones found walking the slots round robin (a walk that goes on
   * where the last one stopped, so every volatile key is eventually looked at).
   */
  sampleForEviction(count: number, volatileOnly: boolean, out: string[]): void {
    const t = this.table;
    if (!volatileOnly) {
      for (let i = 0; i < count; i++) {
        const s = t.randomSlot();
        if (s >= 0) out.push(t.keyAt(s)!);
      }
      return;
    }
    if (t.volatileSize === 0) return;
    const want = Math.min(count, t.volatileSize);
    let found = 0;
    for (let tries = 0; tries < count * 4 && found < want; tries++) {
      const s = t.randomSlot();
      if (s >= 0 && t.expireAt(s) >= 0) {
        out.push(t.keyAt(s)!);
        found++;
      }
    }
    for (let visited = 0; visited < t.end && found < want; visited++) {
      if (this.evictCursor <= 0 || this.evictCursor > t.end) this.evictCursor = t.end;
      const s = --this.evictCursor;
      if (t.keyAt(s) !== null && t.expireAt(s) >= 0) {
        out.push(t.keyAt(s)!);
        found++;
      }
    }
  }

  /** Calls fn for every key (SAVE, KEYS, DEBUG DIGEST, AOF rewrite). fn must not add or delete keys. */
  forEach(fn: (key: string, value: DbValue, expireAt: number) => void): void {
    const t = this.table;
    const end = t.end;
    for (let s = 0; s < end; s++) {
      const k = t.keyAt(s);
      if (k !== null) fn(k, t.valueAt(s)!, t.expireAt(s));
    }
  }

  /** Every key (a copy: the caller may change the database while going through it). */
  keyList(): string[] {
    const out: string[] = [];
    const t = this.table;
    for (let s = 0; s < t.end; s++) {
      const k = t.keyAt(s);
      if (k !== null) out.push(k);
    }
    return out;
  }

  /**
   * One step of the active expire cycle: look at up to `sample` keys with a TTL
   * (walking the slots round robin, at most 20 slots per wanted key) and delete
   * the expired ones. Returns [sampled, expired].
   */
  activeExpireStep(sample: number): [number, number] {
    const t = this.table;
    if (t.volatileSize === 0) return [0, 0];
    const now = this.host.now();
    let sampled = 0;
    let expired = 0;
    let ttlSum = 0;
    let ttlCount = 0;
    const victims: string[] = [];
    const budget = Math.min(t.end, sample * 20);
    for (let visited = 0; visited < budget && sampled < sample; visited++) {
      if (this.expireCursor <= 0 || this.expireCursor > t.end) this.expireCursor = t.end;
      const s = --this.expireCursor;
      const at = t.expireAt(s);
      if (at < 0 || t.keyAt(s) === null) continue;
      sampled++;
      if (at <= now) victims.push(t.keyAt(s)!);
      else {
        ttlSum += at - now;
        ttlCount++;
      }
    }
    for (const k of victims) {
      const at = this.expireOf(k);
      if (at >= 0 && at <= now) {
        this.host.onExpired(this, k);
        this.delete(k);
        expired++;
      }
    }
    if (ttlCount > 0) {
      const avg = ttlSum / ttlCount;
      this.avgTtl = this.avgTtl === 0 ? avg : (this.avgTtl / 50) * 49 + avg / 50;
    }
    return [sampled, expired];
  }
}
