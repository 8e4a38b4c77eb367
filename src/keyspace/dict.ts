/**
 * A sharded string-keyed dictionary: the Map subset the keyspace uses, spread
 * over a fixed number of small Maps. V8 grows a Map by rehashing it in one
 * step (a 2^20-entry Map allocates ~56 MB and stalls for 100+ ms) and caps a
 * Map at 2^24 entries; with the keys spread over SHARDS Maps every rehash is
 * SHARDS times smaller and the cap is SHARDS times larger.
 *
 * Iteration goes shard by shard, each in its Map's insertion order, with the
 * live-iterator semantics of a Map: deleting keys (visited or not) is safe,
 * keys added to shards not yet reached (or to the current shard) are visited,
 * keys added to shards already passed are not. An iterator may be kept across
 * event-loop turns (the active expire cycle, snapshots).
 */

/** log2 of the number of shards. */
export const SHARD_BITS = 10;
/** Number of shards (a power of two). */
export const SHARDS = 1 << SHARD_BITS;
const MASK = SHARDS - 1;

/** FNV-1a step over k[from, to), two chars per step (latin1 codes are < 256; wider ones still mix in). */
function fnv(h: number, k: string, from: number, to: number): number {
  let i = from;
  for (; i + 1 < to; i += 2) h = Math.imul(h ^ (k.charCodeAt(i) | (k.charCodeAt(i + 1) << 16)), 0x01000193);
  if (i < to) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * FNV-1a (32 bit) over the char codes, with a final mix so the low bits used
 * for the shard index depend on every input char. Keys up to 256 chars are
 * hashed whole; longer ones hash their first and last 64 chars, 64 chars
 * sampled evenly from the middle, and the length.
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
  return h >>> 0;
}

/** The shard index of a key. */
export function shardOf(k: string): number {
  return keyHash(k) & MASK;
}

const KEYS = 0;
const VALUES = 1;
const ENTRIES = 2;

/** A live iterator over a KeyDict (keys, values or entries). */
export class KeyDictIterator<V, R> implements IterableIterator<R> {
  /** index of the shard being walked (-1 before the first, SHARDS when done) */
  shard = -1;
  private inner: Iterator<unknown> | null = null;

  constructor(
    private readonly shards: Array<Map<string, V> | null>,
    private readonly mode: number,
  ) {}

  next(): IteratorResult<R> {
    for (;;) {
      const it = this.inner;
      if (it !== null) {
        const r = it.next();
        if (r.done !== true) return r as IteratorResult<R>;
        this.inner = null;
      }
      const shards = this.shards;
      let i = this.shard + 1;
      while (i < SHARDS && shards[i] === null) i++;
      if (i >= SHARDS) {
        this.shard = SHARDS;
        return { done: true, value: undefined };
      }
      this.shard = i;
      const m = shards[i]!;
      this.inner = this.mode === VALUES ? m.values() : this.mode === KEYS ? m.keys() : m.entries();
    }
  }

  [Symbol.iterator](): this {
    return this;
  }
}

export class KeyDict<V> {
  /** the shards, created on first use */
  private readonly shards: Array<Map<string, V> | null> = new Array<Map<string, V> | null>(SHARDS).fill(null);
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    const m = this.shards[keyHash(key) & MASK];
    return m === null ? undefined : m.get(key);
  }

  has(key: string): boolean {
    const m = this.shards[keyHash(key) & MASK];
    return m !== null && m.has(key);
  }

  set(key: string, value: V): this {
    const i = keyHash(key) & MASK;
    let m = this.shards[i];
    if (m === null) this.shards[i] = m = new Map<string, V>();
    const before = m.size;
    m.set(key, value);
    this.count += m.size - before;
    return this;
  }

  delete(key: string): boolean {
    const m = this.shards[keyHash(key) & MASK];
    if (m === null || !m.delete(key)) return false;
    this.count--;
    return true;
  }

  /** Remove everything (live iterators end, as a Map's do). */
  clear(): void {
    if (this.count === 0) return;
    const shards = this.shards;
    for (let i = 0; i < SHARDS; i++) {
      const m = shards[i];
      if (m !== null && m.size > 0) m.clear();
    }
    this.count = 0;
  }

  keys(): KeyDictIterator<V, string> {
    return new KeyDictIterator<V, string>(this.shards, KEYS);
  }

  values(): KeyDictIterator<V, V> {
    return new KeyDictIterator<V, V>(this.shards, VALUES);
  }

  entries(): KeyDictIterator<V, [string, V]> {
    return new KeyDictIterator<V, [string, V]>(this.shards, ENTRIES);
  }

  [Symbol.iterator](): KeyDictIterator<V, [string, V]> {
    return this.entries();
  }

  forEach(cb: (value: V, key: string, dict: this) => void): void {
    for (const [k, v] of this.entries()) cb(v, k, this);
  }

  /** Entries in the fullest shard (the largest single rehash; for tests and DEBUG). */
  largestShard(): number {
    let max = 0;
    for (const m of this.shards) if (m !== null && m.size > max) max = m.size;
    return max;
  }

  /** The shard index of a key (for walks that resume by position, see snapshot.ts). */
  shardOf(key: string): number {
    return keyHash(key) & MASK;
  }
}
