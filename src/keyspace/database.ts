/**
 * One logical database: a dict of keys to values plus the expires set.
 * Keys are latin1 strings (binary safe). Expiry is lazy here (lookups) and
 * active in the cron (activeExpireCycle). Policy questions (may this server
 * delete expired keys? what happens when one is deleted?) are answered by the
 * DbHost, i.e. the Server, so the database itself holds no global state.
 */
import type { RList } from './types/list';
import type { RHash } from './types/hash';
import type { RSet } from './types/set';
import type { RZSet } from './types/zset';
import type { RStream } from './types/stream';
import { KeyDict } from './dict';
import { entryBytes, EXPIRE_OVERHEAD } from './memory-size';

/** A stored value: strings are latin1 JS strings; the rest are structures. */
export type DbValue = string | RList | RHash | RSet | RZSet | RStream;

/** Redis's TYPE name of a value. */
export function typeName(v: DbValue): 'string' | 'list' | 'hash' | 'set' | 'zset' | 'stream' {
  return typeof v === 'string' ? 'string' : v.type;
}

export const EXPIRE_DELETE = 2;
export const EXPIRE_HIDE = 1;
export const EXPIRE_KEEP = 0;

/** A key's slot in the dict. */
export class Entry {
  /** absolute unix time in ms, -1 when the key has no TTL */
  expireAt = -1;
  /** last access time (ms) for OBJECT IDLETIME / LRU */
  lru: number;
  /** access counter for OBJECT FREQ (LFU, logarithmic as Redis) */
  lfu = 5;
  /** index in the database's seq-ordered slots */
  slot = 0;
  /** what the key costs (memory-size.ts), as counted in its database's memBytes */
  mem = 0;
  constructor(
    public readonly key: string,
    public value: DbValue,
    /** insertion sequence: the SCAN cursor order */
    public seq: number,
    now: number,
  ) {
    this.lru = now;
  }
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
}

/**
 * A database. `seq` order plus tombstone-compacted slots give SCAN a cursor
 * that never misses a key present for the whole scan, with O(log n) resume.
 */
export class Database {
  /** sharded (see dict.ts): no single large rehash, no 2^24-entry limit */
  readonly dict = new KeyDict<Entry>();
  readonly expires = new KeyDict<Entry>();
  /** entries in seq order; deleted ones are null until compaction */
  private slots: Array<Entry | null> = [];
  private holes = 0;
  private nextSeq = 1;
  /** live iterator over expires for the active expire cycle */
  private expireIter: IterableIterator<Entry> | null = null;
  /** average TTL estimate for INFO keyspace avg_ttl */
  avgTtl = 0;
  /** sum of the entries' `mem`: this database's share of used_memory */
  memBytes = 0;
  /** live iterator over expires for the eviction sampler (volatile-* policies) */
  private evictIter: IterableIterator<Entry> | null = null;

  constructor(
    public id: number,
    public host: DbHost,
  ) {}

  /** Number of keys (including logically expired ones not yet reclaimed, as Redis). */
  get size(): number {
    return this.dict.size;
  }

  /** The live entry for a key, deleting it first if it expired (on a master). */
  lookup(key: string): Entry | undefined {
    const e = this.dict.get(key);
    if (e === undefined) return undefined;
    if (e.expireAt >= 0 && e.expireAt <= this.host.now()) {
      const mode = this.host.expireMode();
      if (mode === EXPIRE_KEEP) return e;
      if (mode === EXPIRE_DELETE) {
        this.host.onExpired(this, key);
        this.delete(key);
      }
      return undefined;
    }
    return e;
  }

  /** The value of a live key (see lookup). */
  get(key: string): DbValue | undefined {
    const e = this.lookup(key);
    return e === undefined ? undefined : e.value;
  }

  /** The entry without any expiry check (for persistence, DEBUG, replicas' loaders). */
  peek(key: string): Entry | undefined {
    return this.dict.get(key);
  }

  /** Whether the key exists and has not logically expired (never deletes). */
  isLive(e: Entry): boolean {
    return e.expireAt < 0 || e.expireAt > this.host.now();
  }

  /**
   * Set a key's value. Unless keepTtl, any TTL is removed (as SET does).
   * Returns the entry.
   */
  set(key: string, value: DbValue, keepTtl = false): Entry {
    let e = this.dict.get(key);
    if (e !== undefined) {
      e.value = value;
      if (!keepTtl && e.expireAt >= 0) {
        e.expireAt = -1;
        this.expires.delete(key);
      }
      this.remeasure(e);
      return e;
    }
    e = new Entry(key, value, this.nextSeq++, this.host.now());
    e.slot = this.slots.length;
    this.dict.set(key, e);
    this.slots.push(e);
    this.memBytes += e.mem = entryBytes(e);
    return e;
  }

  /** Re-cost a key after its value changed in place (the executor calls it for a write command's keys). */
  remeasure(e: Entry): void {
    const m = entryBytes(e);
    this.memBytes += m - e.mem;
    e.mem = m;
  }

  /**
   * Loaders' insert (RDB load, full sync): the same result as set() followed
   * by setExpire() when expireAt >= 0, with `now` supplied by the caller
   * (one clock read per chunk rather than per key).
   */
  setNew(key: string, value: DbValue, expireAt: number, now: number): Entry {
    let e = this.dict.get(key);
    if (e !== undefined) {
      // a duplicate key in the input: replace as set() would
      e.value = value;
      if (e.expireAt >= 0) {
        e.expireAt = -1;
        this.expires.delete(key);
      }
    } else {
      e = new Entry(key, value, this.nextSeq++, now);
      e.slot = this.slots.length;
      this.dict.set(key, e);
      this.slots.push(e);
    }
    if (expireAt >= 0) {
      this.expires.set(key, e);
      e.expireAt = expireAt;
    }
    this.remeasure(e);
    return e;
  }

  /** Remove a key; true if it was there. */
  delete(key: string): boolean {
    const e = this.dict.get(key);
    if (e === undefined) return false;
    this.dict.delete(key);
    if (e.expireAt >= 0) this.expires.delete(key);
    this.memBytes -= e.mem;
    e.mem = 0;
    if (this.slots[e.slot] === e) {
      this.slots[e.slot] = null;
      this.holes++;
      if (this.holes > 1024 && this.holes * 2 > this.slots.length) this.compact();
    }
    return true;
  }

  /** Set an absolute expire time in ms on an existing key. */
  setExpire(e: Entry, at: number): void {
    if (e.expireAt < 0) {
      this.expires.set(e.key, e);
      e.mem += EXPIRE_OVERHEAD;
      this.memBytes += EXPIRE_OVERHEAD;
    }
    e.expireAt = at;
  }

  /** Remove the TTL; true if there was one. */
  persist(e: Entry): boolean {
    if (e.expireAt < 0) return false;
    e.expireAt = -1;
    this.expires.delete(e.key);
    e.mem -= EXPIRE_OVERHEAD;
    this.memBytes -= EXPIRE_OVERHEAD;
    return true;
  }

  /** Delete everything. */
  flush(): void {
    this.dict.clear();
    this.expires.clear();
    this.slots = [];
    this.holes = 0;
    this.expireIter = null;
    this.evictIter = null;
    this.avgTtl = 0;
    this.memBytes = 0;
  }

  /** Exchange contents with another db (SWAPDB): ids stay, data moves. */
  swapWith(other: Database): void {
    const fields = ['dict', 'expires', 'slots', 'holes', 'nextSeq', 'expireIter', 'evictIter', 'avgTtl', 'memBytes'] as const;
    const a = this as unknown as Record<string, unknown>;
    const b = other as unknown as Record<string, unknown>;
    for (const f of fields) {
      const t = a[f];
      a[f] = b[f];
      b[f] = t;
    }
  }

  private compact(): void {
    this.slots = this.slots.filter((e) => e !== null);
    for (let i = 0; i < this.slots.length; i++) this.slots[i]!.slot = i;
    this.holes = 0;
  }

  /** First slot index whose seq is > cursor. */
  private firstAfter(cursor: number): number {
    let lo = 0;
    let hi = this.slots.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      let m = mid;
      while (m < hi && this.slots[m] === null) m++;
      if (m >= hi) {
        hi = mid;
        continue;
      }
      if (this.slots[m]!.seq <= cursor) lo = m + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Visit about `count` entries after `cursor`; returns the next cursor (0 = done).
   * Every key present from the first to the last call is visited at least once.
   */
  scan(cursor: number, count: number, visit: (e: Entry) => void): number {
    let i = this.firstAfter(cursor);
    let seen = 0;
    let last = 0;
    while (i < this.slots.length && seen < count) {
      const e = this.slots[i++];
      if (e === null) continue;
      visit(e);
      last = e.seq;
      seen++;
    }
    while (i < this.slots.length && this.slots[i] === null) i++;
    return i >= this.slots.length ? 0 : last;
  }

  /** A random key, or null when empty (expired keys may be returned as Redis's RANDOMKEY may). */
  randomEntry(): Entry | null {
    if (this.dict.size === 0) return null;
    for (let tries = 0; tries < 100; tries++) {
      const e = this.slots[Math.floor(Math.random() * this.slots.length)];
      if (e) return e;
    }
    this.compact();
    return this.slots[Math.floor(Math.random() * this.slots.length)] ?? null;
  }

  /**
   * Up to `count` entries for the eviction pool (Redis's dictGetSomeKeys):
   * random keys for allkeys-* policies; for volatile-* ones, keys with a TTL
   * taken round robin over the expires set (a walk that starts where the
   * last one stopped, so every volatile key is eventually looked at).
   */
  sampleForEviction(count: number, volatileOnly: boolean, out: Entry[]): void {
    if (!volatileOnly) {
      if (this.dict.size === 0) return;
      for (let i = 0; i < count; i++) {
        const e = this.randomEntry();
        if (e !== null) out.push(e);
      }
      return;
    }
    if (this.expires.size === 0) return;
    if (this.evictIter === null) this.evictIter = this.expires.values();
    let wrapped = false;
    for (let i = 0; i < count && i < this.expires.size; ) {
      const r = this.evictIter.next();
      if (r.done === true) {
        this.evictIter = this.expires.values();
        if (wrapped) return;
        wrapped = true;
        continue;
      }
      out.push(r.value);
      i++;
    }
  }

  /** Iterate all entries (for SAVE, KEYS, DEBUG DIGEST). */
  entries(): IterableIterator<Entry> {
    return this.dict.values();
  }

  /**
   * One step of the active expire cycle: look at up to `sample` keys with a TTL
   * (round robin over the expires set) and delete the expired ones. Returns
   * [sampled, expired].
   */
  activeExpireStep(sample: number): [number, number] {
    if (this.expires.size === 0) return [0, 0];
    const now = this.host.now();
    let sampled = 0;
    let expired = 0;
    let ttlSum = 0;
    let ttlCount = 0;
    if (this.expireIter === null) this.expireIter = this.expires.values();
    const victims: string[] = [];
    while (sampled < sample) {
      const r = this.expireIter.next();
      if (r.done) {
        this.expireIter = this.expires.values();
        if (sampled === 0 || this.expires.size === 0) break;
        break;
      }
      const e = r.value;
      sampled++;
      if (e.expireAt <= now) victims.push(e.key);
      else {
        ttlSum += e.expireAt - now;
        ttlCount++;
      }
    }
    for (const k of victims) {
      const e = this.dict.get(k);
      if (e && e.expireAt >= 0 && e.expireAt <= now) {
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
