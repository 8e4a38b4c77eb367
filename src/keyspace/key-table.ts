/**
 * The keyspace of one database as columns: a key is a slot number, and what
 * Redis keeps in a dictEntry + robj (the key, the value, the LRU/LFU bits, the
 * expire time, the encoding) lives in paged columns indexed by slot. Lookup,
 * the key column, slot moves and pins are a StringIndex (string-index.ts: an
 * open-addressing index in Int32Arrays, the same one the big hashes, sets and
 * sorted sets use); this class adds the other columns (SlotColumns). The
 * access time, LFU counter, flags and cost of a slot share one 8-byte record
 * (`metaPages`): a write that touches all of them (INCR, LPUSH) misses the
 * cache once for them instead of four times, which is what a big keyspace
 * with random keys spends its time on.
 *
 * Why not a `Map<string, Entry>`: per key that cost an Entry object (~104
 * bytes with its boxed access time) plus a Map entry (~30 bytes), ~208 bytes
 * with a 10-byte key and value against Redis's ~105; it also capped a Map at
 * 2^24 keys and made the garbage collector trace millions of objects. Here a
 * key costs its two strings, two pointers, 8 bytes of columns and
 * ~14 bytes of index (8 more for the expire column once a key has a TTL).
 *
 * Slots are dense (0..count-1, deleted ones refilled from the tail) except
 * while the table is pinned by a point-in-time walk (a fork-less snapshot):
 * then deletions leave holes, nothing moves, and the holes are refilled when
 * the last pin goes. Moving only ever takes the LAST slot down into a hole,
 * so a walk from the top slot down (SCAN's cursor) never misses a key present
 * for the whole walk.
 *
 * The index is split in SHARDS tables so that growing one rehashes at most
 * 1/SHARDS of the keys (no long pause at tens of millions of keys).
 */

import { PAGE_BITS, PAGE_MASK, StringIndex, keyHash, resizeArrayPage, resizeTypedPage, type SlotColumns } from './string-index';

export { keyHash } from './string-index';

/** log2 of the number of index shards. */
export const SHARD_BITS = 8;
/** Number of index shards (a power of two). */
export const SHARDS = 1 << SHARD_BITS;
const SHARD_MASK = SHARDS - 1;

/** The index shard of a key. */
export function shardOf(k: string): number {
  return keyHash(k) & SHARD_MASK;
}

/**
 * A slot's record in metaPages: word 2s is the last access (unix seconds),
 * word 2s+1 the cost in bytes (bits 0-19; MEM_CAP there: the cost is in the
 * side map bigMem), the owner's flags (bits 20-23) and the LFU counter (bits 24-31).
 */
const MEM_CAP = 0xfffff;
const FLAGS_SHIFT = 20;
const FLAGS_BITS = 0xf;
const FLAGS_MASK = FLAGS_BITS << FLAGS_SHIFT;
const LFU_SHIFT = 24;

/**
 * The columns of a KeyTable. V is the value type (DbValue for a Database):
 * never a number, which stands for an integer string kept as one (setIntAt).
 */
export class KeyTable<V extends string | object> implements SlotColumns {
  /** key -> slot, and the key column */
  private readonly ix = new StringIndex(this, SHARD_BITS, SHARD_BITS);
  /**
   * Values by slot. A number is an integer kept as Redis keeps an
   * int-encoded string (INCR's counters, KeyTable.setIntAt): no string to
   * allocate, store and later collect for each new count; valueAt() gives
   * it to readers as its decimal text.
   */
  private valPages: Array<Array<V | number | undefined>> = [];
  /**
   * Two words a slot (see MEM_CAP): the last access (OBJECT IDLETIME, LRU),
   * the LFU counter (OBJECT FREQ), four free bits for the value's owner
   * (strings: a forced OBJECT ENCODING; reset by setValueAt) and the key's
   * cost in bytes (memory-size.ts, mem()/setMem()).
   */
  private metaPages: Uint32Array[] = [];
  /** costs of MEM_CAP bytes and more, by slot */
  private bigMem: Map<number, number> | null = null;
  /** absolute expire time in ms, 0 = none; null until the first TTL */
  private expPages: Float64Array[] | null = null;
  private volatileCount = 0;

  /** Number of keys. */
  get size(): number {
    return this.ix.size;
  }

  /** Number of keys whose cost is MEM_CAP (~1 MB) or more: big aggregates (Database.warm). */
  get bigValues(): number {
    return this.bigMem === null ? 0 : this.bigMem.size;
  }

  /** Number of keys with a TTL. */
  get volatileSize(): number {
    return this.volatileCount;
  }

  /** One past the highest slot in use (holes included): walks go over [0, end). */
  get end(): number {
    return this.ix.end;
  }

  /** The slot of a key, -1 when absent. */
  find(key: string): number {
    return this.ix.find(key);
  }

  /**
   * StringIndex.warm for keys given as byte ranges, then each found key's
   * value pointer and record (what a command's lookup reads next); `slots`
   * gets their slots. Changes nothing.
   */
  warm(buf: Uint8Array, starts: Int32Array, ends: Int32Array, n: number, slots: Int32Array): void {
    this.ix.warm(buf, starts, ends, n, slots);
    let acc = 0;
    for (let j = 0; j < n; j++) {
      const s = slots[j];
      if (s < 0 || (j > 0 && slots[j - 1] === s)) continue;
      const p = s >>> PAGE_BITS;
      const o = s & PAGE_MASK;
      const v = this.valPages[p][o];
      acc = (acc + this.metaPages[p][2 * o] + (typeof v === 'string' ? v.length : 0)) | 0;
    }
    // kept, so that the loads are not optimized away
    this.warmed = acc;
  }

  /** what warm() read last */
  private warmed = 0;

  /** Key at a slot (null for a hole). */
  keyAt(s: number): string | null {
    return this.ix.keyAt(s);
  }

  /** Value at a slot (undefined for a hole); an integer kept as a number (setIntAt) as its decimal text. */
  valueAt(s: number): V | undefined {
    const v = this.valPages[s >>> PAGE_BITS][s & PAGE_MASK];
    return typeof v === 'number' ? (String(v) as V) : v;
  }

  /** Value at a slot as kept: an integer set by setIntAt is that number. */
  rawValueAt(s: number): V | number | undefined {
    return this.valPages[s >>> PAGE_BITS][s & PAGE_MASK];
  }

  setValueAt(s: number, v: V): void {
    this.put(s, v);
  }

  /**
   * setValueAt of a string value that is the decimal text of the int32 n,
   * kept as the number (only a V of which a string is one may be kept so).
   */
  setIntAt(s: number, n: number): void {
    this.put(s, n);
  }

  /** A slot's new value, kept as given; the owner's flags (a forced encoding) are reset. */
  private put(s: number, v: V | number): void {
    this.valPages[s >>> PAGE_BITS][s & PAGE_MASK] = v;
    const m = this.metaPages[s >>> PAGE_BITS];
    const i = 2 * (s & PAGE_MASK) + 1;
    m[i] = m[i] & ~FLAGS_MASK;
  }

  /** Expire time (ms) at a slot, -1 when none. */
  expireAt(s: number): number {
    if (this.expPages === null) return -1;
    const t = this.expPages[s >>> PAGE_BITS][s & PAGE_MASK];
    return t === 0 ? -1 : t === Number.MIN_VALUE ? 0 : t;
  }

  /** Set (at >= 0) or clear (at < 0) a slot's expire time. */
  setExpireAt(s: number, at: number): void {
    if (this.expPages === null) {
      if (at < 0) return;
      this.expPages = this.metaPages.map((p) => new Float64Array(p.length >>> 1));
    }
    const page = this.expPages[s >>> PAGE_BITS];
    const was = page[s & PAGE_MASK] !== 0;
    // 0 means "none": an expire time of 0 ms (1970) is stored as the smallest positive double, still long past
    page[s & PAGE_MASK] = at < 0 ? 0 : at === 0 ? Number.MIN_VALUE : at;
    if (was && at < 0) this.volatileCount--;
    else if (!was && at >= 0) this.volatileCount++;
  }

  lru(s: number): number {
    return this.metaPages[s >>> PAGE_BITS][2 * (s & PAGE_MASK)];
  }

  setLru(s: number, seconds: number): void {
    this.metaPages[s >>> PAGE_BITS][2 * (s & PAGE_MASK)] = seconds;
  }

  lfu(s: number): number {
    return this.metaPages[s >>> PAGE_BITS][2 * (s & PAGE_MASK) + 1] >>> LFU_SHIFT;
  }

  setLfu(s: number, counter: number): void {
    const m = this.metaPages[s >>> PAGE_BITS];
    const i = 2 * (s & PAGE_MASK) + 1;
    m[i] = (m[i] & ~(0xff << LFU_SHIFT)) | ((counter & 0xff) << LFU_SHIFT);
  }

  /** The owner's four bits (0..15). */
  flags(s: number): number {
    return (this.metaPages[s >>> PAGE_BITS][2 * (s & PAGE_MASK) + 1] >>> FLAGS_SHIFT) & FLAGS_BITS;
  }

  setFlags(s: number, f: number): void {
    const m = this.metaPages[s >>> PAGE_BITS];
    const i = 2 * (s & PAGE_MASK) + 1;
    m[i] = (m[i] & ~FLAGS_MASK) | ((f & FLAGS_BITS) << FLAGS_SHIFT);
  }

  mem(s: number): number {
    const m = this.metaPages[s >>> PAGE_BITS][2 * (s & PAGE_MASK) + 1] & MEM_CAP;
    return m === MEM_CAP ? this.bigMem!.get(s)! : m;
  }

  setMem(s: number, bytes: number): void {
    const page = this.metaPages[s >>> PAGE_BITS];
    const i = 2 * (s & PAGE_MASK) + 1;
    const w = page[i];
    if ((w & MEM_CAP) === MEM_CAP) this.bigMem!.delete(s);
    let m = bytes;
    if (bytes >= MEM_CAP) {
      (this.bigMem ??= new Map()).set(s, bytes);
      m = MEM_CAP;
    }
    page[i] = (w & ~MEM_CAP) | m;
  }

  /**
   * Add a key known to be absent; returns its slot. The new slot's columns are
   * zero (no TTL, flags 0, mem 0) with `lru` = `nowSec` and the LFU counter at `lfu`.
   */
  insert(key: string, value: V, nowSec: number, lfu: number): number {
    const s = this.ix.insert(key);
    this.initSlot(s, value, nowSec, lfu);
    return s;
  }

  /** A new slot's columns: the value, the access time, the LFU counter; flags, cost and TTL zero. */
  private initSlot(s: number, value: V, nowSec: number, lfu: number): void {
    const p = s >>> PAGE_BITS;
    const o = s & PAGE_MASK;
    this.valPages[p][o] = value;
    const m = this.metaPages[p];
    m[2 * o] = nowSec;
    m[2 * o + 1] = (lfu & 0xff) << LFU_SHIFT;
    if (this.expPages !== null) this.expPages[p][o] = 0;
  }

  /**
   * set-or-add in one probe (loaders, SET of a new key): the key's slot with
   * its value replaced (flags reset), or a new slot as insert() makes it;
   * `upserted` says which.
   */
  upsert(key: string, value: V, nowSec: number, lfu: number): number {
    const s = this.ix.findOrInsert(key);
    if (this.ix.added) this.initSlot(s, value, nowSec, lfu);
    else this.setValueAt(s, value);
    this.upserted = this.ix.added;
    return s;
  }

  /** Whether the last upsert() added the key. */
  upserted = false;

  /** Remove the key at slot s. Unless pinned, the last slot moves into s. */
  removeAt(s: number): void {
    if (this.expireAt(s) >= 0) this.volatileCount--;
    this.setMem(s, 0);
    this.clearSlot(s);
    this.ix.removeAt(s);
  }

  /** Pin slots for a point-in-time walk: until unpin(), no slot moves. */
  pin(): void {
    this.ix.pin();
  }

  /** End a pin; the last one refills the holes left meanwhile. */
  unpin(): void {
    this.ix.unpin();
  }

  /** Whether a walk pins the slots. */
  get pinned(): boolean {
    return this.ix.pinned;
  }

  /**
   * Remove everything. The pin count survives (a walk over the old contents
   * holds its own reference to them: see detach()).
   */
  clear(): void {
    this.ix.clear();
    this.valPages = [];
    this.metaPages = [];
    this.bigMem = null;
    this.expPages = null;
    this.volatileCount = 0;
  }

  /**
   * A random live slot, -1 when empty. Tries random slots (holes only exist
   * while pinned), then falls back to a scan from a random start.
   */
  randomSlot(rnd: () => number = Math.random): number {
    return this.ix.randomSlot(rnd);
  }

  // -- SlotColumns: the index's pages and moves ---------------------------------

  /** @internal */
  resizePage(p: number, n: number): void {
    resizeArrayPage(this.valPages, p, n, undefined);
    resizeTypedPage(this.metaPages, p, 2 * n, (k) => new Uint32Array(k));
    if (this.expPages !== null) resizeTypedPage(this.expPages, p, n, (k) => new Float64Array(k));
  }

  /** @internal */
  dropPage(): void {
    this.valPages.pop();
    this.metaPages.pop();
    if (this.expPages !== null) this.expPages.pop();
  }

  /** @internal */
  moveSlot(last: number, s: number): void {
    const p = s >>> PAGE_BITS;
    const o = s & PAGE_MASK;
    const lp = last >>> PAGE_BITS;
    const lo = last & PAGE_MASK;
    this.valPages[p][o] = this.valPages[lp][lo];
    // the cost moves through setMem (a big one's side-map entry is keyed by slot); s's own is 0 (removeAt)
    const mem = this.mem(last);
    this.setMem(last, 0);
    this.metaPages[p][2 * o] = this.metaPages[lp][2 * lo];
    this.metaPages[p][2 * o + 1] = this.metaPages[lp][2 * lo + 1];
    this.setMem(s, mem);
    if (this.expPages !== null) this.expPages[p][o] = this.expPages[lp][lo];
    this.clearSlot(last);
  }

  private clearSlot(s: number): void {
    const p = s >>> PAGE_BITS;
    const o = s & PAGE_MASK;
    this.valPages[p][o] = undefined;
    if (this.expPages !== null) this.expPages[p][o] = 0;
  }

  /** Keys in the largest index shard (the largest single rehash; for tests and DEBUG). */
  largestShard(): number {
    return this.ix.largestShard();
  }

  /**
   * Bytes of the index and columns per key in use, for used_memory: the
   * marginal cost of a key (an index cell pair at the average load of ~0.56,
   * the column entries). The slack of a half-filled page or table is not
   * counted: evicting keys would not give it back, so counting it would make
   * maxmemory evict far more than needed each time a table doubles.
   */
  bytesPerKey(): number {
    return StringIndex.BYTES_PER_STRING + 8 + 8 + (this.expPages !== null ? 8 : 0);
  }

  /** Index and column bytes for the keys in use (see bytesPerKey). */
  usedBytes(): number {
    return this.ix.end * this.bytesPerKey();
  }
}
