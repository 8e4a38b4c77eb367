/**
 * The keyspace of one database as columns: a key is a slot number, and what
 * Redis keeps in a dictEntry + robj (the key, the value, the LRU/LFU bits, the
 * expire time, the encoding) lives in paged columns indexed by slot. Lookup is
 * an open-addressing hash index (linear probing, backward-shift deletion)
 * whose cells hold slot numbers in Int32Arrays.
 *
 * Why not a `Map<string, Entry>`: per key that cost an Entry object (~104
 * bytes with its boxed access time) plus a Map entry (~30 bytes), ~208 bytes
 * with a 10-byte key and value against Redis's ~105; it also capped a Map at
 * 2^24 keys and made the garbage collector trace millions of objects. Here a
 * key costs its two strings, two pointers, 4 + 1 + 1 + 4 bytes of columns and
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

/** log2 of the number of index shards. */
export const SHARD_BITS = 8;
/** Number of index shards (a power of two). */
export const SHARDS = 1 << SHARD_BITS;
const SHARD_MASK = SHARDS - 1;
const MIN_TABLE = 8;

/** log2 of a column page's entries: 8192 pointers = 64 KB, below V8's large-object size. */
const PAGE_BITS = 13;
const PAGE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE - 1;
/** the first page's first capacity */
const FIRST_PAGE = 16;

/** FNV-1a step over k[from, to), two chars per step (latin1 codes are < 256; wider ones still mix in). */
function fnv(h: number, k: string, from: number, to: number): number {
  let i = from;
  for (; i + 1 < to; i += 2) h = Math.imul(h ^ (k.charCodeAt(i) | (k.charCodeAt(i + 1) << 16)), 0x01000193);
  if (i < to) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * FNV-1a (32 bit) over the char codes, with a final mix so every bit depends
 * on every input char. Keys up to 256 chars are hashed whole; longer ones hash
 * their first and last 64 chars, 64 chars sampled evenly from the middle, and
 * the length.
 */
export function keyHash(k: string): number {
  const n = k.length;
  let h = 0x811c9dc5;
  if (n <= 256) h = fnv(h, k, 0, n);
  else {
    h = fnv(h, k, 0, 64);
    h = fnv(h, k, n - 64, n);
    const step = Math.floor((n - 128) / 64);
    for (let i = 64; i < n - 64; i += step) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ n, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The index shard of a key. */
export function shardOf(k: string): number {
  return keyHash(k) & SHARD_MASK;
}

/** `mem` column cap: larger costs are kept in a side map. */
const MEM_CAP = 0xffffffff;

/** The columns of a KeyTable. V is the value type (DbValue for a Database). */
export class KeyTable<V> {
  /**
   * The index: per shard an Int32Array of cells, two ints each: slot+1 (0 =
   * empty cell) and the key's hash (probes compare it before the strings;
   * growing and backward-shift deletion need no rehashing). Null until the
   * shard's first key.
   */
  private readonly index: Array<Int32Array | null> = new Array<Int32Array | null>(SHARDS).fill(null);
  private readonly used = new Int32Array(SHARDS);
  private keyPages: Array<Array<string | null>> = [];
  private valPages: Array<Array<V | undefined>> = [];
  /** last access, unix seconds (OBJECT IDLETIME, LRU) */
  private lruPages: Uint32Array[] = [];
  /** LFU counter (OBJECT FREQ) */
  private lfuPages: Uint8Array[] = [];
  /** free bits for the value's owner (strings: a forced OBJECT ENCODING); reset by set() */
  private flagPages: Uint8Array[] = [];
  /** the key's cost in bytes (memory-size.ts), see mem()/setMem() */
  private memPages: Uint32Array[] = [];
  private bigMem: Map<number, number> | null = null;
  /** absolute expire time in ms, 0 = none; null until the first TTL */
  private expPages: Float64Array[] | null = null;
  /** capacity of the first page: it starts small and doubles up to PAGE (a db of a few keys costs a few hundred bytes) */
  private cap0 = 0;
  /** slots in use, holes included */
  private top = 0;
  private live = 0;
  private holes = 0;
  private volatileCount = 0;
  private pins = 0;

  /** Number of keys. */
  get size(): number {
    return this.live;
  }

  /** Number of keys with a TTL. */
  get volatileSize(): number {
    return this.volatileCount;
  }

  /** One past the highest slot in use (holes included): walks go over [0, end). */
  get end(): number {
    return this.top;
  }

  /** The slot of a key, -1 when absent. */
  find(key: string): number {
    const h = keyHash(key) | 0;
    const t = this.index[h & SHARD_MASK];
    if (t === null) return -1;
    const m = (t.length >>> 1) - 1;
    let i = (h >>> SHARD_BITS) & m;
    for (;;) {
      const c: number = t[2 * i];
      if (c === 0) return -1;
      if (t[2 * i + 1] === h) {
        const s = c - 1;
        if (this.keyPages[s >>> PAGE_BITS][s & PAGE_MASK] === key) return s;
      }
      i = (i + 1) & m;
    }
  }

  /** Key at a slot (null for a hole). */
  keyAt(s: number): string | null {
    return this.keyPages[s >>> PAGE_BITS][s & PAGE_MASK];
  }

  /** Value at a slot (undefined for a hole). */
  valueAt(s: number): V | undefined {
    return this.valPages[s >>> PAGE_BITS][s & PAGE_MASK];
  }

  setValueAt(s: number, v: V): void {
    this.valPages[s >>> PAGE_BITS][s & PAGE_MASK] = v;
    this.flagPages[s >>> PAGE_BITS][s & PAGE_MASK] = 0;
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
      this.expPages = this.keyPages.map((p) => new Float64Array(p.length));
    }
    const page = this.expPages[s >>> PAGE_BITS];
    const was = page[s & PAGE_MASK] !== 0;
    // 0 means "none": an expire time of 0 ms (1970) is stored as the smallest positive double, still long past
    page[s & PAGE_MASK] = at < 0 ? 0 : at === 0 ? Number.MIN_VALUE : at;
    if (was && at < 0) this.volatileCount--;
    else if (!was && at >= 0) this.volatileCount++;
  }

  lru(s: number): number {
    return this.lruPages[s >>> PAGE_BITS][s & PAGE_MASK];
  }

  setLru(s: number, seconds: number): void {
    this.lruPages[s >>> PAGE_BITS][s & PAGE_MASK] = seconds;
  }

  lfu(s: number): number {
    return this.lfuPages[s >>> PAGE_BITS][s & PAGE_MASK];
  }

  setLfu(s: number, counter: number): void {
    this.lfuPages[s >>> PAGE_BITS][s & PAGE_MASK] = counter;
  }

  flags(s: number): number {
    return this.flagPages[s >>> PAGE_BITS][s & PAGE_MASK];
  }

  setFlags(s: number, f: number): void {
    this.flagPages[s >>> PAGE_BITS][s & PAGE_MASK] = f;
  }

  mem(s: number): number {
    const m = this.memPages[s >>> PAGE_BITS][s & PAGE_MASK];
    return m === MEM_CAP ? this.bigMem!.get(s)! : m;
  }

  setMem(s: number, bytes: number): void {
    const page = this.memPages[s >>> PAGE_BITS];
    if (page[s & PAGE_MASK] === MEM_CAP) this.bigMem!.delete(s);
    if (bytes >= MEM_CAP) {
      (this.bigMem ??= new Map()).set(s, bytes);
      page[s & PAGE_MASK] = MEM_CAP;
    } else page[s & PAGE_MASK] = bytes;
  }

  /**
   * Add a key known to be absent; returns its slot. The new slot's columns are
   * zero (no TTL, flags 0, mem 0) with `lru` = `nowSec` and the LFU counter at `lfu`.
   */
  insert(key: string, value: V, nowSec: number, lfu: number): number {
    const h = keyHash(key);
    const sh = h & SHARD_MASK;
    let t = this.index[sh];
    if (t === null || (this.used[sh] + 1) * 8 > t.length * 3) t = this.grow(sh);
    const s = this.top++;
    if (s >>> PAGE_BITS === this.keyPages.length) this.addPage();
    else if (s === this.cap0 && s < PAGE) this.growFirstPage();
    const p = s >>> PAGE_BITS;
    const o = s & PAGE_MASK;
    this.keyPages[p][o] = key;
    this.valPages[p][o] = value;
    this.lruPages[p][o] = nowSec;
    this.lfuPages[p][o] = lfu;
    this.flagPages[p][o] = 0;
    this.memPages[p][o] = 0;
    if (this.expPages !== null) this.expPages[p][o] = 0;
    const m = (t.length >>> 1) - 1;
    let i = (h >>> SHARD_BITS) & m;
    while (t[2 * i] !== 0) i = (i + 1) & m;
    t[2 * i] = s + 1;
    t[2 * i + 1] = h;
    this.used[sh]++;
    this.live++;
    return s;
  }

  /**
   * set-or-add in one probe (loaders, SET of a new key): the key's slot with
   * its value replaced (flags reset), or a new slot as insert() makes it;
   * `upserted` says which.
   */
  upsert(key: string, value: V, nowSec: number, lfu: number): number {
    const h = keyHash(key) | 0;
    const sh = h & SHARD_MASK;
    let t = this.index[sh];
    if (t === null || (this.used[sh] + 1) * 8 > t.length * 3) t = this.grow(sh);
    const m = (t.length >>> 1) - 1;
    let i = (h >>> SHARD_BITS) & m;
    for (;;) {
      const c: number = t[2 * i];
      if (c === 0) break;
      if (t[2 * i + 1] === h) {
        const s = c - 1;
        const p = s >>> PAGE_BITS;
        const o = s & PAGE_MASK;
        if (this.keyPages[p][o] === key) {
          this.valPages[p][o] = value;
          this.flagPages[p][o] = 0;
          this.upserted = false;
          return s;
        }
      }
      i = (i + 1) & m;
    }
    const s = this.top++;
    if (s >>> PAGE_BITS === this.keyPages.length) this.addPage();
    else if (s === this.cap0 && s < PAGE) this.growFirstPage();
    const p = s >>> PAGE_BITS;
    const o = s & PAGE_MASK;
    this.keyPages[p][o] = key;
    this.valPages[p][o] = value;
    this.lruPages[p][o] = nowSec;
    this.lfuPages[p][o] = lfu;
    this.flagPages[p][o] = 0;
    this.memPages[p][o] = 0;
    if (this.expPages !== null) this.expPages[p][o] = 0;
    t[2 * i] = s + 1;
    t[2 * i + 1] = h;
    this.used[sh]++;
    this.live++;
    this.upserted = true;
    return s;
  }

  /** Whether the last upsert() added the key. */
  upserted = false;

  /** Remove the key at slot s. Unless pinned, the last slot moves into s. */
  removeAt(s: number): void {
    this.unindex(s);
    if (this.expireAt(s) >= 0) this.volatileCount--;
    this.setMem(s, 0);
    this.clearSlot(s);
    this.live--;
    if (this.pins > 0) {
      this.holes++;
      return;
    }
    this.fillFromTail(s);
  }

  /** Pin slots for a point-in-time walk: until unpin(), no slot moves. */
  pin(): void {
    this.pins++;
  }

  /** End a pin; the last one refills the holes left meanwhile. */
  unpin(): void {
    if (this.pins === 0) return;
    if (--this.pins > 0 || this.holes === 0) return;
    let s = this.top - 1;
    while (this.holes > 0 && s >= 0) {
      if (s >= this.top) {
        s = this.top - 1;
        continue;
      }
      if (this.keyAt(s) === null) {
        this.holes--;
        this.fillFromTail(s);
      }
      s--;
    }
  }

  /** Whether a walk pins the slots. */
  get pinned(): boolean {
    return this.pins > 0;
  }

  /**
   * Remove everything. The pin count survives (a walk over the old contents
   * holds its own reference to them: see detach()).
   */
  clear(): void {
    this.index.fill(null);
    this.used.fill(0);
    this.keyPages = [];
    this.valPages = [];
    this.lruPages = [];
    this.lfuPages = [];
    this.flagPages = [];
    this.memPages = [];
    this.bigMem = null;
    this.expPages = null;
    this.cap0 = 0;
    this.top = 0;
    this.live = 0;
    this.holes = 0;
    this.volatileCount = 0;
  }

  /**
   * A random live slot, -1 when empty. Tries random slots (holes only exist
   * while pinned), then falls back to a scan from a random start.
   */
  randomSlot(rnd: () => number = Math.random): number {
    if (this.live === 0) return -1;
    const n = this.top;
    for (let tries = 0; tries < 64; tries++) {
      const s = Math.floor(rnd() * n);
      if (this.keyAt(s) !== null) return s;
    }
    const start = Math.floor(rnd() * n);
    for (let k = 0; k < n; k++) {
      const s = (start + k) % n;
      if (this.keyAt(s) !== null) return s;
    }
    return -1;
  }

  // -- internals -------------------------------------------------------------

  private addPage(): void {
    const n = this.keyPages.length === 0 ? FIRST_PAGE : PAGE;
    if (this.keyPages.length === 0) this.cap0 = n;
    this.keyPages.push(new Array<string | null>(n).fill(null));
    this.valPages.push(new Array<V | undefined>(n).fill(undefined));
    this.lruPages.push(new Uint32Array(n));
    this.lfuPages.push(new Uint8Array(n));
    this.flagPages.push(new Uint8Array(n));
    this.memPages.push(new Uint32Array(n));
    if (this.expPages !== null) this.expPages.push(new Float64Array(n));
  }

  /** Double the first page (up to PAGE). */
  private growFirstPage(): void {
    const n = Math.min(PAGE, this.cap0 * 2);
    const keys = new Array<string | null>(n).fill(null);
    const vals = new Array<V | undefined>(n).fill(undefined);
    const k0 = this.keyPages[0];
    const v0 = this.valPages[0];
    for (let i = 0; i < this.cap0; i++) {
      keys[i] = k0[i];
      vals[i] = v0[i];
    }
    this.keyPages[0] = keys;
    this.valPages[0] = vals;
    const lru = new Uint32Array(n);
    lru.set(this.lruPages[0]);
    this.lruPages[0] = lru;
    const lfu = new Uint8Array(n);
    lfu.set(this.lfuPages[0]);
    this.lfuPages[0] = lfu;
    const flags = new Uint8Array(n);
    flags.set(this.flagPages[0]);
    this.flagPages[0] = flags;
    const mem = new Uint32Array(n);
    mem.set(this.memPages[0]);
    this.memPages[0] = mem;
    if (this.expPages !== null) {
      const exp = new Float64Array(n);
      exp.set(this.expPages[0]);
      this.expPages[0] = exp;
    }
    this.cap0 = n;
  }

  private clearSlot(s: number): void {
    const p = s >>> PAGE_BITS;
    const o = s & PAGE_MASK;
    this.keyPages[p][o] = null;
    this.valPages[p][o] = undefined;
    if (this.expPages !== null) this.expPages[p][o] = 0;
  }

  /** Move the last slot into the hole at s (or just drop trailing slots). */
  private fillFromTail(s: number): void {
    let last = this.top - 1;
    if (s !== last) {
      const key = this.keyAt(last)!;
      const h = keyHash(key);
      const t = this.index[h & SHARD_MASK]!;
      const m = (t.length >>> 1) - 1;
      let i = (h >>> SHARD_BITS) & m;
      while (t[2 * i] !== last + 1) i = (i + 1) & m;
      t[2 * i] = s + 1;
      const p = s >>> PAGE_BITS;
      const o = s & PAGE_MASK;
      const lp = last >>> PAGE_BITS;
      const lo = last & PAGE_MASK;
      this.keyPages[p][o] = key;
      this.valPages[p][o] = this.valPages[lp][lo];
      this.lruPages[p][o] = this.lruPages[lp][lo];
      this.lfuPages[p][o] = this.lfuPages[lp][lo];
      this.flagPages[p][o] = this.flagPages[lp][lo];
      const mem = this.mem(last);
      this.setMem(last, 0);
      this.setMem(s, mem);
      if (this.expPages !== null) this.expPages[p][o] = this.expPages[lp][lo];
      this.clearSlot(last);
    }
    this.top = last;
    // trailing holes (left by a pin) go too
    while (this.top > 0 && this.keyAt(this.top - 1) === null && this.holes > 0) {
      this.top--;
      this.holes--;
    }
    last = this.top;
    // give back whole pages no longer used (keep one)
    while (this.keyPages.length > 1 && (this.keyPages.length - 1) << PAGE_BITS >= last + PAGE) this.dropPage();
  }

  private dropPage(): void {
    this.keyPages.pop();
    this.valPages.pop();
    this.lruPages.pop();
    this.lfuPages.pop();
    this.flagPages.pop();
    this.memPages.pop();
    if (this.expPages !== null) this.expPages.pop();
  }

  /** Remove the cell of the key at slot s from the index, backward-shifting the cluster after it. */
  private unindex(s: number): void {
    const h = keyHash(this.keyAt(s)!);
    const sh = h & SHARD_MASK;
    const t = this.index[sh]!;
    const m = (t.length >>> 1) - 1;
    let i = (h >>> SHARD_BITS) & m;
    while (t[2 * i] !== s + 1) i = (i + 1) & m;
    t[2 * i] = 0;
    let j = i;
    for (;;) {
      j = (j + 1) & m;
      const c = t[2 * j];
      if (c === 0) break;
      const home = (t[2 * j + 1] >>> SHARD_BITS) & m;
      // move the cell at j back into the hole at i unless its home lies cyclically in (i, j]
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        t[2 * i] = c;
        t[2 * i + 1] = t[2 * j + 1];
        t[2 * j] = 0;
        i = j;
      }
    }
    this.used[sh]--;
    if (this.used[sh] === 0) this.index[sh] = null;
    else if (t.length > 2 * MIN_TABLE && this.used[sh] * 16 < t.length) this.rebuild(sh, t.length >>> 2);
  }

  private grow(sh: number): Int32Array {
    const t = this.index[sh];
    return this.rebuild(sh, t === null ? MIN_TABLE : t.length);
  }

  /** Make the shard's table `cells` cells (a power of two) and re-insert its cells. */
  private rebuild(sh: number, cells: number): Int32Array {
    const old = this.index[sh];
    const t = new Int32Array(2 * cells);
    const m = cells - 1;
    if (old !== null) {
      for (let k = 0; k < old.length; k += 2) {
        const c = old[k];
        if (c === 0) continue;
        const h = old[k + 1];
        let i = (h >>> SHARD_BITS) & m;
        while (t[2 * i] !== 0) i = (i + 1) & m;
        t[2 * i] = c;
        t[2 * i + 1] = h;
      }
    }
    this.index[sh] = t;
    return t;
  }

  /** Keys in the largest index shard (the largest single rehash; for tests and DEBUG). */
  largestShard(): number {
    let max = 0;
    for (let i = 0; i < SHARDS; i++) if (this.used[i] > max) max = this.used[i];
    return max;
  }

  /**
   * Bytes of the index and columns per key in use, for used_memory: the
   * marginal cost of a key (an index cell pair at the average load of ~0.56,
   * the column entries). The slack of a half-filled page or table is not
   * counted: evicting keys would not give it back, so counting it would make
   * maxmemory evict far more than needed each time a table doubles.
   */
  bytesPerKey(): number {
    return 14 + 8 + 8 + 4 + 1 + 1 + 4 + (this.expPages !== null ? 8 : 0);
  }

  /** Index and column bytes for the keys in use (see bytesPerKey). */
  usedBytes(): number {
    return this.top * this.bytesPerKey();
  }
}
