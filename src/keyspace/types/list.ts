/**
 * The Redis list value: a growable ring buffer of latin1 strings with O(1)
 * push/pop at both ends and O(1) positional access.
 */

const MIN_CAPACITY = 8;

/** Which side of the pivot LINSERT puts the new element. */
export type InsertWhere = 'before' | 'after';

/**
 * Normalises Redis LRANGE/LTRIM-style inclusive indexes against `len`.
 * Returns [start, stop] (0 <= start <= stop < len) or null for an empty range.
 */
export function normalizeRange(start: number, stop: number, len: number): [number, number] | null {
  if (start < 0) start = len + start;
  if (stop < 0) stop = len + stop;
  if (start < 0) start = 0;
  if (start > stop || start >= len) return null;
  if (stop >= len) stop = len - 1;
  return [start, stop];
}

/** A Redis list (LPUSH/RPUSH/LPOP/RPOP/LINDEX/LSET/LINSERT/LREM/LTRIM/LPOS/LRANGE). */
export class RList implements Iterable<string> {
  /** Redis type name, as TYPE reports it. */
  readonly type = 'list' as const;
  private buf: string[];
  private head = 0;
  private len = 0;
  private mask: number;

  constructor(items?: Iterable<string>) {
    this.buf = new Array<string>(MIN_CAPACITY).fill('');
    this.mask = MIN_CAPACITY - 1;
    if (items !== undefined) for (const v of items) this.pushBack(v);
  }

  /** Number of elements (LLEN). */
  get length(): number {
    return this.len;
  }

  /**
   * OBJECT ENCODING. Redis 7.0 always reports "quicklist" for lists (a list
   * made of one small listpack node included); the "listpack" list encoding
   * only arrived in 7.2. The argument (list-max-listpack-size) is accepted for
   * forward compatibility and ignored.
   */
  encoding(_listMaxListpackSize?: number): 'listpack' | 'quicklist' {
    return 'quicklist';
  }

  private grow(): void {
    const old = this.buf;
    const cap = old.length;
    const nb = new Array<string>(cap * 2).fill('');
    for (let i = 0; i < this.len; i++) nb[i] = old[(this.head + i) & this.mask];
    this.buf = nb;
    this.head = 0;
    this.mask = cap * 2 - 1;
  }

  private maybeShrink(): void {
    const cap = this.buf.length;
    if (cap <= MIN_CAPACITY || this.len > cap >>> 2) return;
    let ncap = cap;
    while (ncap > MIN_CAPACITY && this.len <= ncap >>> 2) ncap >>>= 1;
    const nb = new Array<string>(ncap).fill('');
    for (let i = 0; i < this.len; i++) nb[i] = this.buf[(this.head + i) & this.mask];
    this.buf = nb;
    this.head = 0;
    this.mask = ncap - 1;
  }

  /** Appends at the tail (RPUSH). */
  pushBack(v: string): void {
    if (this.len === this.buf.length) this.grow();
    this.buf[(this.head + this.len) & this.mask] = v;
    this.len++;
  }

  /** Prepends at the head (LPUSH). */
  pushFront(v: string): void {
    if (this.len === this.buf.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = v;
    this.len++;
  }

  /** Removes and returns the head element (LPOP), undefined when empty. */
  popFront(): string | undefined {
    if (this.len === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = '';
    this.head = (this.head + 1) & this.mask;
    this.len--;
    if (this.len <= this.buf.length >>> 2) this.maybeShrink();
    return v;
  }

  /** Removes and returns the tail element (RPOP), undefined when empty. */
  popBack(): string | undefined {
    if (this.len === 0) return undefined;
    const p = (this.head + this.len - 1) & this.mask;
    const v = this.buf[p];
    this.buf[p] = '';
    this.len--;
    if (this.len <= this.buf.length >>> 2) this.maybeShrink();
    return v;
  }

  /** The element at `i` (negative counts from the tail, -1 = last), LINDEX. */
  index(i: number): string | undefined {
    if (i < 0) i += this.len;
    if (i < 0 || i >= this.len) return undefined;
    return this.buf[(this.head + i) & this.mask];
  }

  /** LSET: replaces the element at `i`; false when out of range ("ERR index out of range"). */
  set(i: number, v: string): boolean {
    if (i < 0) i += this.len;
    if (i < 0 || i >= this.len) return false;
    this.buf[(this.head + i) & this.mask] = v;
    return true;
  }

  /** LRANGE key start stop: inclusive range with Redis's index normalisation. */
  range(start: number, stop: number): string[] {
    const r = normalizeRange(start, stop, this.len);
    if (r === null) return [];
    const n = r[1] - r[0] + 1;
    const out = new Array<string>(n);
    const base = this.head + r[0];
    for (let k = 0; k < n; k++) out[k] = this.buf[(base + k) & this.mask];
    return out;
  }

  /**
   * LINSERT key BEFORE|AFTER pivot element: inserts next to the first element
   * equal to `pivot` (from the head). Returns the new length, or -1 when the
   * pivot is not found.
   */
  insert(pivot: string, where: InsertWhere, v: string): number {
    let at = -1;
    for (let i = 0; i < this.len; i++) {
      if (this.buf[(this.head + i) & this.mask] === pivot) {
        at = i;
        break;
      }
    }
    if (at < 0) return -1;
    this.insertAt(where === 'before' ? at : at + 1, v);
    return this.len;
  }

  /** Inserts `v` so that it ends up at logical index `p` (0 <= p <= length). */
  insertAt(p: number, v: string): void {
    if (p <= 0) return this.pushFront(v);
    if (p >= this.len) return this.pushBack(v);
    if (this.len === this.buf.length) this.grow();
    const buf = this.buf;
    const mask = this.mask;
    if (p < this.len >>> 1) {
      // Shift the first p elements one slot towards the head.
      this.head = (this.head - 1) & mask;
      const h = this.head;
      for (let i = 0; i < p; i++) buf[(h + i) & mask] = buf[(h + i + 1) & mask];
      buf[(h + p) & mask] = v;
    } else {
      const h = this.head;
      for (let i = this.len; i > p; i--) buf[(h + i) & mask] = buf[(h + i - 1) & mask];
      buf[(h + p) & mask] = v;
    }
    this.len++;
  }

  /**
   * LREM key count element: count > 0 removes the first `count` matches from
   * the head, count < 0 the first |count| from the tail, 0 removes all.
   * Returns the number removed.
   */
  remove(count: number, value: string): number {
    const buf = this.buf;
    const mask = this.mask;
    const h = this.head;
    const n = this.len;
    let removed = 0;
    if (count >= 0) {
      const limit = count === 0 ? Infinity : count;
      let w = 0;
      for (let r = 0; r < n; r++) {
        const e = buf[(h + r) & mask];
        if (removed < limit && e === value) {
          removed++;
          continue;
        }
        if (w !== r) buf[(h + w) & mask] = e;
        w++;
      }
      for (let k = w; k < n; k++) buf[(h + k) & mask] = '';
    } else {
      const limit = -count;
      let w = n - 1;
      for (let r = n - 1; r >= 0; r--) {
        const e = buf[(h + r) & mask];
        if (removed < limit && e === value) {
          removed++;
          continue;
        }
        if (w !== r) buf[(h + w) & mask] = e;
        w--;
      }
      for (let k = 0; k <= w; k++) buf[(h + k) & mask] = '';
      this.head = (h + removed) & mask;
    }
    this.len = n - removed;
    if (removed > 0) this.maybeShrink();
    return removed;
  }

  /**
   * LTRIM key start stop: keeps only the normalised inclusive range (the list
   * becomes empty when the range is empty; the caller deletes the key then).
   */
  trim(start: number, stop: number): void {
    const n = this.len;
    const r = normalizeRange(start, stop, n);
    let ltrim: number;
    let rtrim: number;
    if (r === null) {
      ltrim = n;
      rtrim = 0;
    } else {
      ltrim = r[0];
      rtrim = n - r[1] - 1;
    }
    const buf = this.buf;
    const mask = this.mask;
    for (let k = 0; k < ltrim; k++) buf[(this.head + k) & mask] = '';
    for (let k = n - rtrim; k < n; k++) buf[(this.head + k) & mask] = '';
    this.head = (this.head + ltrim) & mask;
    this.len = n - ltrim - rtrim;
    this.maybeShrink();
  }

  /**
   * LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]: indexes
   * (from the head) of matches. `rank` (non-zero) picks the direction and how
   * many matches to skip (rank 2 = start from the second match, -1 = scan from
   * the tail); `count` 0 = all matches; `maxlen` 0 = compare every element,
   * otherwise at most `maxlen` elements are compared. The caller returns the
   * first index (or nil) when COUNT was not given.
   */
  pos(value: string, rank: number, count: number, maxlen: number): number[] {
    const out: number[] = [];
    const n = this.len;
    const fromHead = rank > 0;
    const skip = fromHead ? rank : -rank;
    const limit = maxlen > 0 && maxlen < n ? maxlen : n;
    let matches = 0;
    for (let k = 0; k < limit; k++) {
      const idx = fromHead ? k : n - 1 - k;
      if (this.buf[(this.head + idx) & this.mask] === value) {
        matches++;
        if (matches >= skip) {
          out.push(idx);
          if (count > 0 && out.length >= count) break;
        }
      }
    }
    return out;
  }

  /** Removes every element. */
  clear(): void {
    this.buf = new Array<string>(MIN_CAPACITY).fill('');
    this.mask = MIN_CAPACITY - 1;
    this.head = 0;
    this.len = 0;
  }

  /** All elements head to tail. */
  toArray(): string[] {
    const out = new Array<string>(this.len);
    for (let i = 0; i < this.len; i++) out[i] = this.buf[(this.head + i) & this.mask];
    return out;
  }

  /** Iterates head to tail. */
  *[Symbol.iterator](): Iterator<string> {
    for (let i = 0; i < this.len; i++) yield this.buf[(this.head + i) & this.mask];
  }
}
