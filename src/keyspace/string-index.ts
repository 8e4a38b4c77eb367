/**
 * A string -> slot index over dense slots: the one hash index of the
 * keyspace (KeyTable: key -> slot) and of the big aggregates (hash fields,
 * set members, sorted-set members). The owner keeps what belongs to a string
 * (a value, a score, access bits) in its own columns indexed by the same slot
 * numbers, paged the same way (SlotColumns tells it when a page comes, grows,
 * goes, and when a slot moves).
 *
 * Lookup is open addressing in Int32Arrays: two ints a cell, slot+1 (0 =
 * empty) and the string's hash (probes compare it before the strings; growing
 * and backward-shift deletion need no rehashing); linear probing. The index is
 * split in 2^shardBits tables so that growing one rehashes a fraction of the
 * strings (the keyspace uses 256, an aggregate 16).
 *
 * Slots are dense (0..size-1): removing a string moves the LAST slot into
 * the hole, so a walk from the top slot down (SCAN's cursor) never misses a
 * string present for the whole walk, and a random slot is a random string.
 * While pinned (a point-in-time walk of the keyspace) removals leave holes
 * and nothing moves; the last unpin refills the holes from the tail.
 */

import { randomBytes } from 'node:crypto';

/** log2 of a page's slots: 8192 pointers = 64 KB, below V8's large-object size. */
export const PAGE_BITS = 13;
/** Slots in a full page. */
export const PAGE = 1 << PAGE_BITS;
/** Slot -> offset in its page. */
export const PAGE_MASK = PAGE - 1;
/** The first page's first capacity (it doubles up to PAGE). */
const FIRST_PAGE = 16;
const MIN_TABLE = 8;
/** Strings at which an index started with fewer shards splits into its full count. */
export const RESHARD_AT = 1 << 15;

/**
 * A per-process seed mixed into every hash: tables are probed linearly, so
 * strings crafted to collide under a fixed hash would make them quadratic
 * (Redis seeds its siphash the same way).
 */
const SEED = randomBytes(4).readInt32LE(0);

/** FNV-1a step over k[from, to), two chars per step (latin1 codes are < 256; wider ones still mix in). */
function fnv(h: number, k: string, from: number, to: number): number {
  let i = from;
  for (; i + 1 < to; i += 2) h = Math.imul(h ^ (k.charCodeAt(i) | (k.charCodeAt(i + 1) << 16)), 0x01000193);
  if (i < to) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * FNV-1a (32 bit, seeded per process) over the char codes, with a final mix
 * so every bit depends on every input char. Strings up to 256 chars are
 * hashed whole; longer ones hash their first and last 64 chars, 64 chars
 * sampled evenly from the middle, and the length.
 */
export function keyHash(k: string): number {
  return rangeHash(k, 0, k.length);
}

/** The hashes' final mix (murmur3's fmix32): every bit of the result depends on every bit of h. */
function finalMix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** keyHash of k.slice(from, to), without the slice. */
function rangeHash(k: string, from: number, to: number): number {
  const n = to - from;
  let h = 0x811c9dc5 ^ SEED;
  if (n <= 256) h = fnv(h, k, from, to);
  else {
    h = fnv(h, k, from, from + 64);
    h = fnv(h, k, to - 64, to);
    const step = Math.floor((n - 128) / 64);
    for (let i = from + 64; i < to - 64; i += step) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ n, 0x01000193);
  }
  return finalMix(h);
}

/** keyHash of the latin1 string of bytes b[from, to), for to - from <= 256 (longer ones are hashed in samples). */
export function bytesHash(b: Uint8Array, from: number, to: number): number {
  // fnv() over the bytes: the same two chars a step
  let h = 0x811c9dc5 ^ SEED;
  let i = from;
  for (; i + 1 < to; i += 2) h = Math.imul(h ^ (b[i] | (b[i + 1] << 16)), 0x01000193);
  if (i < to) h = Math.imul(h ^ b[i], 0x01000193);
  return finalMix(h);
}

/** The longest string bytesHash hashes as keyHash does. */
export const BYTES_HASH_MAX = 256;

/**
 * What a warm-up (StringIndex.warm) last read, kept so that the loads are
 * not optimized away.
 */
let warmSink = 0;
/** StringIndex.warm calls made (tests check that a path warms). */
let warmCalls = 0;

/** How many StringIndex.warm calls this process made. */
export function warmCount(): number {
  return warmCalls;
}

/**
 * A key and its value in one flat string (a paired index's entry): the key's
 * length (one char below 255, else 255 and four little-endian chars), the
 * key, the value. One V8 string header instead of two, and no value column:
 * a big hash's field and value cost a string and an index cell, where two
 * strings and two pointers cost about twice the headers Redis's sds need.
 */
export function pairOf(key: string, value: string): string {
  const n = key.length;
  const len = n < 255 ? String.fromCharCode(n) : String.fromCharCode(255, n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24);
  // short concatenations are flat already; join writes a longer one flat (a rope would keep three strings)
  return len.length + n + value.length < 13 ? len + key + value : [len, key, value].join('');
}

/** The length of pairOf(key, value) for a key and a value of these lengths. */
export function pairLength(keyLength: number, valueLength: number): number {
  return (keyLength < 255 ? 1 : 5) + keyLength + valueLength;
}

/** Where an entry's key starts. */
function pairKeyStart(e: string): number {
  return e.charCodeAt(0) === 255 ? 5 : 1;
}

/** The length of an entry's key. */
function pairKeyLength(e: string): number {
  const c = e.charCodeAt(0);
  return c !== 255 ? c : (e.charCodeAt(1) | (e.charCodeAt(2) << 8) | (e.charCodeAt(3) << 16)) + e.charCodeAt(4) * 16777216;
}

/** An entry's key. */
export function pairKey(e: string): string {
  const k = pairKeyStart(e);
  return e.slice(k, k + pairKeyLength(e));
}

/** An entry's value. */
export function pairValue(e: string): string {
  return e.slice(pairKeyStart(e) + pairKeyLength(e));
}

/** Whether entry e's key is `key`. */
function pairKeyIs(e: string, key: string): boolean {
  const n = key.length;
  const c = e.charCodeAt(0);
  if (c === 255) return pairKeyLength(e) === n && e.startsWith(key, 5);
  // (the cell's hash matched: a confirmation; a slice and V8's string compare beat a char loop)
  return c === n && e.slice(1, 1 + n) === key;
}

/** keyHash of entry e's key. */
function pairKeyHash(e: string): number {
  const k = pairKeyStart(e);
  return rangeHash(e, k, k + pairKeyLength(e));
}

/** StringIndex.warm's hashes. */
const WARM_HASHES = new Int32Array(64);

/** What an owner of per-slot columns hears from its StringIndex. */
export interface SlotColumns {
  /** Page p now holds n slots: a new last page (p = the old page count) or page 0 grown (keep its entries). */
  resizePage(p: number, n: number): void;
  /** The last page is gone. */
  dropPage(): void;
  /**
   * Slot `from`'s entries move to the hole at `to`; `from` becomes free (drop
   * what it references). Both slots read as the moving string meanwhile.
   */
  moveSlot(from: number, to: number): void;
}

/** SlotColumns.resizePage for a column of plain-array pages: page p becomes n entries of `fill`, old entries kept. */
export function resizeArrayPage<T>(pages: T[][], p: number, n: number, fill: T): void {
  const page = new Array<T>(n).fill(fill);
  if (p < pages.length) {
    const old = pages[p];
    for (let i = 0; i < old.length; i++) page[i] = old[i];
    pages[p] = page;
  } else pages.push(page);
}

/** SlotColumns.resizePage for a column of typed-array pages. */
export function resizeTypedPage<A extends Float64Array | Int32Array | Uint32Array | Uint8Array>(pages: A[], p: number, n: number, make: (n: number) => A): void {
  const page = make(n);
  if (p < pages.length) {
    page.set(pages[p]);
    pages[p] = page;
  } else pages.push(page);
}

/** The string -> slot index (see the file comment). */
export class StringIndex {
  private shardBits: number;
  private shardMask: number;
  private readonly maxShardBits: number;
  /** Per shard an Int32Array of cells (slot+1, hash); null until the shard's first string. */
  private index: Array<Int32Array | null>;
  /** strings per shard (a plain array: a typed array costs ~250 bytes of objects, too much for a small set) */
  private used: number[];
  private keyPages: Array<Array<string | null>> = [];
  /** capacity of the first page */
  private cap0 = 0;
  /** slots in use, holes included */
  private top = 0;
  private live = 0;
  private holes = 0;
  private pins = 0;
  /** ints in the index tables (for bytes()) */
  private cellInts = 0;
  /**
   * The last string found or inserted and its slot (null: none): a command
   * looks its key up, writes it and has it re-costed, three finds of the same
   * string. Forgotten whenever slots move (removals, unpin, clear).
   */
  private lastKey: string | null = null;
  private lastSlot = -1;

  /**
   * `cols` hears about pages and moves (null: the index alone, as a set uses
   * it). The index is split in 2^shardBits tables; with `startBits` below it
   * starts as 2^startBits tables (a small aggregate pays for one small table,
   * not sixteen) and splits into 2^shardBits at its first growth past RESHARD_AT strings.
   */
  constructor(
    private readonly cols: SlotColumns | null,
    shardBits = 4,
    startBits = 0,
    /** the slots hold pairOf(key, value) entries (insert's `entry`, setEntry) instead of the keys */
    private readonly paired = false,
  ) {
    this.maxShardBits = shardBits;
    this.shardBits = Math.min(startBits, shardBits);
    this.shardMask = (1 << this.shardBits) - 1;
    this.index = new Array<Int32Array | null>(1 << this.shardBits).fill(null);
    this.used = new Array<number>(1 << this.shardBits).fill(0);
  }

  /** Number of strings. */
  get size(): number {
    return this.live;
  }

  /** One past the highest slot in use (holes included): walks go over [0, end). */
  get end(): number {
    return this.top;
  }

  /** The slot of a string, -1 when absent. */
  find(key: string): number {
    if (key === this.lastKey) return this.lastSlot;
    const h = keyHash(key) | 0;
    const t = this.index[h & this.shardMask];
    if (t === null) return -1;
    const m = (t.length >>> 1) - 1;
    let i = (h >>> this.shardBits) & m;
    for (;;) {
      const c: number = t[2 * i];
      if (c === 0) return -1;
      if (t[2 * i + 1] === h) {
        const s = c - 1;
        const e = this.keyPages[s >>> PAGE_BITS][s & PAGE_MASK];
        if (e === key || (this.paired && e !== null && pairKeyIs(e, key))) {
          this.lastKey = key;
          this.lastSlot = s;
          return s;
        }
      }
      i = (i + 1) & m;
    }
  }

  /**
   * Bring into the cache what find() will read for each of n strings given
   * as byte ranges buf[starts[j], ends[j]) (the keys of the commands a
   * pipelining client sent together, RequestParser.peekArgs): their index
   * cells, their slots' entries and the strings there. Each of those is a
   * cache miss in a big index, and find() pays them one after another; here
   * the loads of all n strings are issued together, a phase at a time, so
   * the CPU waits for them at once. slots[j] gets the slot of string j (-1:
   * absent or too long; a repeat of the bytes before it gets their slot,
   * loaded once), for the owner to warm its own columns. Changes nothing.
   */
  warm(buf: Uint8Array, starts: Int32Array, ends: Int32Array, n: number, slots: Int32Array): void {
    const hashes = WARM_HASHES;
    let prevStart = -1;
    let prevLen = -1;
    // phase 1: hashes (no memory)
    for (let j = 0; j < n; j++) {
      const a = starts[j];
      const len = ends[j] - a;
      const long = len > BYTES_HASH_MAX;
      let repeat = false;
      if (!long && len === prevLen) {
        repeat = true;
        for (let i = 0; repeat && i < len; i++) repeat = buf[a + i] === buf[prevStart + i];
      }
      prevStart = a;
      prevLen = len;
      // -2: a repeat (the slot of the one before), -3: not looked up
      slots[j] = long ? -3 : repeat ? -2 : 0;
      if (!long && !repeat) hashes[j] = bytesHash(buf, a, ends[j]) | 0;
    }
    // phase 2: the index cells (one miss each, all in flight together)
    const bits = this.shardBits;
    const mask = this.shardMask;
    for (let j = 0; j < n; j++) {
      if (slots[j] < 0) {
        slots[j] = slots[j] === -2 ? slots[j - 1] : -1;
        continue;
      }
      const h = hashes[j];
      const t = this.index[h & mask];
      let s = -1;
      if (t !== null) {
        const m = (t.length >>> 1) - 1;
        for (let i = (h >>> bits) & m, k = 0; k < 64; i = (i + 1) & m, k++) {
          const c = t[2 * i];
          if (c === 0) break;
          if (t[2 * i + 1] === h) {
            s = c - 1;
            break;
          }
        }
      }
      slots[j] = s;
    }
    // phase 3: the slots' entries and their strings' headers
    let acc = 0;
    for (let j = 0; j < n; j++) {
      const s = slots[j];
      if (s < 0 || (j > 0 && slots[j - 1] === s)) continue;
      const e = this.keyPages[s >>> PAGE_BITS][s & PAGE_MASK];
      if (e !== null) acc += e.length;
    }
    warmSink = acc;
    warmCalls++;
  }

  /** The string at a slot (null for a hole); a paired index's entry there (pairKey, pairValue). */
  keyAt(s: number): string | null {
    return this.keyPages[s >>> PAGE_BITS][s & PAGE_MASK];
  }

  /** A paired index: the entry at slot s becomes e (the same key, another value). */
  setEntry(s: number, e: string): void {
    this.keyPages[s >>> PAGE_BITS][s & PAGE_MASK] = e;
  }

  /**
   * Add a string known to be absent; returns its slot (the owner then fills
   * its columns there). A paired index stores `entry` (pairOf(key, value)).
   */
  insert(key: string, entry: string = key): number {
    const h = keyHash(key);
    const t = this.roomFor(h);
    const m = (t.length >>> 1) - 1;
    let i = (h >>> this.shardBits) & m;
    while (t[2 * i] !== 0) i = (i + 1) & m;
    return this.place(entry, h, t, i);
  }

  /** keyHash of the key at slot s. */
  private hashAt(s: number): number {
    const e = this.keyPages[s >>> PAGE_BITS][s & PAGE_MASK]!;
    return this.paired ? pairKeyHash(e) : keyHash(e);
  }

  /** The index table of hash h's shard with room for one more string (resharded or grown first if need be). */
  private roomFor(h: number): Int32Array {
    let sh = h & this.shardMask;
    let t = this.index[sh];
    if (t === null || (this.used[sh] + 1) * 8 > t.length * 3) {
      if (this.shardBits < this.maxShardBits && this.live >= RESHARD_AT) {
        this.reshard(this.maxShardBits);
        sh = h & this.shardMask;
        t = this.index[sh];
      }
      if (t === null || (this.used[sh] + 1) * 8 > t.length * 3) t = this.grow(sh);
    }
    return t;
  }

  /** Give key a new slot and put it in the empty cell i of table t (its shard's): the slot. */
  private place(key: string, h: number, t: Int32Array, i: number): number {
    const s = this.top++;
    // (a paired index's `key` is the entry: not what find() is given)
    this.lastKey = this.paired ? null : key;
    this.lastSlot = s;
    if (s >>> PAGE_BITS === this.keyPages.length) this.addPage();
    else if (s === this.cap0 && s < PAGE) this.growFirstPage();
    this.keyPages[s >>> PAGE_BITS][s & PAGE_MASK] = key;
    t[2 * i] = s + 1;
    t[2 * i + 1] = h;
    this.used[h & this.shardMask]++;
    this.live++;
    return s;
  }

  /**
   * find() and, when absent, insert() in one probe (loaders, SET): the
   * string's slot; `added` says whether it was inserted. Not for a paired index.
   */
  findOrInsert(key: string): number {
    if (key === this.lastKey) {
      this.added = false;
      return this.lastSlot;
    }
    const h = keyHash(key);
    const t = this.roomFor(h);
    const hs = h | 0;
    const m = (t.length >>> 1) - 1;
    let i = (h >>> this.shardBits) & m;
    for (;;) {
      const c: number = t[2 * i];
      if (c === 0) break;
      if (t[2 * i + 1] === hs) {
        const s = c - 1;
        if (this.keyPages[s >>> PAGE_BITS][s & PAGE_MASK] === key) {
          this.added = false;
          this.lastKey = key;
          this.lastSlot = s;
          return s;
        }
      }
      i = (i + 1) & m;
    }
    this.added = true;
    return this.place(key, h, t, i);
  }

  /** Whether the last findOrInsert() inserted. */
  added = false;

  /**
   * Remove the string at slot s. Unless pinned, the last slot moves into s
   * (cols.moveSlot(last, s)); the owner clears its own entries at s first.
   */
  removeAt(s: number): void {
    this.lastKey = null;
    this.unindex(s);
    this.keyPages[s >>> PAGE_BITS][s & PAGE_MASK] = null;
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
    this.lastKey = null;
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

  /** Remove everything (the owner drops its pages itself). The pin count survives. */
  clear(): void {
    this.lastKey = null;
    this.index.fill(null);
    this.used.fill(0);
    this.keyPages = [];
    this.cellInts = 0;
    this.cap0 = 0;
    this.top = 0;
    this.live = 0;
    this.holes = 0;
  }

  /**
   * A random live slot, -1 when empty. Tries random slots (holes only exist
   * while pinned), then falls back to a scan from a random start.
   */
  randomSlot(rnd: () => number = Math.random): number {
    if (this.live === 0) return -1;
    const n = this.top;
    if (this.holes === 0) return Math.floor(rnd() * n);
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

  /** Strings in the largest index shard (the largest single rehash; for tests and DEBUG). */
  largestShard(): number {
    let max = 0;
    for (let i = 0; i < this.used.length; i++) if (this.used[i] > max) max = this.used[i];
    return max;
  }

  /** Slots the pages hold (what each parallel column of the owner holds too). */
  get capacity(): number {
    const n = this.keyPages.length;
    return n === 0 ? 0 : (n - 1) * PAGE + this.keyPages[0].length;
  }

  /**
   * Heap bytes of the index and the key column as allocated (tables and
   * pages with their slack, ~250 bytes of objects per typed array);
   * the strings themselves are not counted. For an aggregate's MEMORY USAGE:
   * the keyspace's own table is costed per key instead (BYTES_PER_STRING).
   */
  bytes(): number {
    let tables = 0;
    for (let i = 0; i < this.index.length; i++) if (this.index[i] !== null) tables++;
    return 4 * this.cellInts + 250 * tables + 8 * this.capacity + 32 * this.keyPages.length + 16 * this.index.length + 350;
  }

  /**
   * Marginal bytes a string costs in the index and its key column: a cell
   * pair at the average load (~0.56, between 3/8 and 3/4) and a pointer.
   * Slack of a half-filled page or table is not counted (see KeyTable.bytesPerKey).
   */
  static readonly BYTES_PER_STRING = 14 + 8;

  // -- internals -------------------------------------------------------------

  private addPage(): void {
    const first = this.keyPages.length === 0;
    const n = first ? FIRST_PAGE : PAGE;
    if (first) this.cap0 = n;
    this.keyPages.push(new Array<string | null>(n).fill(null));
    this.cols?.resizePage(this.keyPages.length - 1, n);
  }

  /** Double the first page (up to PAGE). */
  private growFirstPage(): void {
    const n = Math.min(PAGE, this.cap0 * 2);
    const keys = new Array<string | null>(n).fill(null);
    const k0 = this.keyPages[0];
    for (let i = 0; i < this.cap0; i++) keys[i] = k0[i];
    this.keyPages[0] = keys;
    this.cap0 = n;
    this.cols?.resizePage(0, n);
  }

  /** Move the last slot into the hole at s (or just drop trailing slots). */
  private fillFromTail(s: number): void {
    const last = this.top - 1;
    if (s !== last) {
      const key = this.keyAt(last)!;
      const h = this.hashAt(last);
      const t = this.index[h & this.shardMask]!;
      const m = (t.length >>> 1) - 1;
      let i = (h >>> this.shardBits) & m;
      while (t[2 * i] !== last + 1) i = (i + 1) & m;
      t[2 * i] = s + 1;
      this.keyPages[s >>> PAGE_BITS][s & PAGE_MASK] = key;
      // the owner may still read the string at `last` while it moves its entries
      this.cols?.moveSlot(last, s);
      this.keyPages[last >>> PAGE_BITS][last & PAGE_MASK] = null;
    }
    this.top = last;
    // trailing holes (left by a pin) go too
    while (this.top > 0 && this.holes > 0 && this.keyAt(this.top - 1) === null) {
      this.top--;
      this.holes--;
    }
    // give back whole pages no longer used (keep one)
    while (this.keyPages.length > 1 && (this.keyPages.length - 1) << PAGE_BITS >= this.top + PAGE) {
      this.keyPages.pop();
      this.cols?.dropPage();
    }
  }

  /** Remove the cell of the string at slot s from the index, backward-shifting the cluster after it. */
  private unindex(s: number): void {
    const bits = this.shardBits;
    const h = this.hashAt(s);
    const sh = h & this.shardMask;
    const t = this.index[sh]!;
    const m = (t.length >>> 1) - 1;
    let i = (h >>> bits) & m;
    while (t[2 * i] !== s + 1) i = (i + 1) & m;
    t[2 * i] = 0;
    let j = i;
    for (;;) {
      j = (j + 1) & m;
      const c = t[2 * j];
      if (c === 0) break;
      const home = (t[2 * j + 1] >>> bits) & m;
      // move the cell at j back into the hole at i unless its home lies cyclically in (i, j]
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        t[2 * i] = c;
        t[2 * i + 1] = t[2 * j + 1];
        t[2 * j] = 0;
        i = j;
      }
    }
    this.used[sh]--;
    if (this.used[sh] === 0) {
      this.index[sh] = null;
      this.cellInts -= t.length;
    }
    else if (t.length > 2 * MIN_TABLE && this.used[sh] * 16 < t.length) this.rebuild(sh, t.length >>> 2);
  }

  /** Split the index into 2^bits shards (cells keep their hash: no string is rehashed). */
  private reshard(bits: number): void {
    const old = this.index;
    const n = 1 << bits;
    const mask = n - 1;
    const used = new Array<number>(n).fill(0);
    for (const t of old) {
      if (t === null) continue;
      for (let k = 0; k < t.length; k += 2) if (t[k] !== 0) used[t[k + 1] & mask]++;
    }
    const index = new Array<Int32Array | null>(n).fill(null);
    let ints = 0;
    for (let sh = 0; sh < n; sh++) {
      if (used[sh] === 0) continue;
      let cells = MIN_TABLE;
      while (used[sh] * 8 > cells * 2 * 3) cells *= 2;
      index[sh] = new Int32Array(2 * cells);
      ints += 2 * cells;
    }
    for (const t of old) {
      if (t === null) continue;
      for (let k = 0; k < t.length; k += 2) {
        const c = t[k];
        if (c === 0) continue;
        const h = t[k + 1];
        const nt = index[h & mask]!;
        const m = (nt.length >>> 1) - 1;
        let i = (h >>> bits) & m;
        while (nt[2 * i] !== 0) i = (i + 1) & m;
        nt[2 * i] = c;
        nt[2 * i + 1] = h;
      }
    }
    this.index = index;
    this.used = used;
    this.shardBits = bits;
    this.shardMask = mask;
    this.cellInts = ints;
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
    const bits = this.shardBits;
    if (old !== null) {
      for (let k = 0; k < old.length; k += 2) {
        const c = old[k];
        if (c === 0) continue;
        const h = old[k + 1];
        let i = (h >>> bits) & m;
        while (t[2 * i] !== 0) i = (i + 1) & m;
        t[2 * i] = c;
        t[2 * i + 1] = h;
      }
    }
    this.index[sh] = t;
    this.cellInts += t.length - (old === null ? 0 : old.length);
    return t;
  }
}
