/**
 * The Redis set value: O(1) add/remove/membership, O(1) random member
 * (SRANDMEMBER/SPOP) and a SCAN cursor that never misses a member present for
 * the whole scan. Dense array + Map member -> index; removals swap the last
 * member into the hole.
 *
 * Encoding, as Redis 7.0 reports it: "intset" while every member is a
 * canonical int64 and the count is <= set-max-intset-entries, otherwise
 * "hashtable" (sticky; 7.0 has no listpack sets). An intset iterates in
 * ascending numeric order (SMEMBERS of {3,1,2} is 1 2 3 in Redis), so this
 * class does too.
 */

import { randomIndex, sampleDistinct } from './random';

/** set-max-intset-entries. */
export interface SetLimits {
  readonly maxIntsetEntries: number;
}

/** Redis 7.0's default set-max-intset-entries (512). */
export const DEFAULT_SET_LIMITS: SetLimits = { maxIntsetEntries: 512 };

const INT64_MAX = '9223372036854775807';
const INT64_MIN_ABS = '9223372036854775808';

/**
 * True when `s` is what Redis's string2ll accepts: a canonical base-10 int64
 * (no '+', no leading zeros, no "-0", no blanks, within range). Such members
 * are the ones an intset can hold.
 */
export function isIntsetMember(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  if (n === 1) return s.charCodeAt(0) >= 48 && s.charCodeAt(0) <= 57;
  let i = 0;
  const neg = s.charCodeAt(0) === 45;
  if (neg) i = 1;
  const first = s.charCodeAt(i);
  if (first < 49 || first > 57) return false;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return false;
  }
  const digits = n - i;
  if (digits < 19) return true;
  if (digits > 19) return false;
  const mag = i === 0 ? s : s.slice(1);
  return mag <= (neg ? INT64_MIN_ABS : INT64_MAX);
}

/** Numeric comparison of two canonical int64 strings. */
function compareIntStrings(a: string, b: string): number {
  const an = a.charCodeAt(0) === 45;
  const bn = b.charCodeAt(0) === 45;
  if (an !== bn) return an ? -1 : 1;
  let r: number;
  if (a.length !== b.length) r = a.length < b.length ? -1 : 1;
  else r = a < b ? -1 : a > b ? 1 : 0;
  return an ? -r : r;
}

/** A Redis set (SADD/SREM/SISMEMBER/SPOP/SRANDMEMBER/SSCAN...). */
export class RSet implements Iterable<string> {
  /** Redis type name, as TYPE reports it. */
  readonly type = 'set' as const;
  private idx = new Map<string, number>();
  private items: string[] = [];
  private intset = true;
  /** Sorted copy of `items` while intset-encoded; null when stale. */
  private sorted: string[] | null = null;

  /** Builds a set from members (as SINTERSTORE/SUNIONSTORE/an RDB load do). */
  static from(members: Iterable<string>, limits: SetLimits = DEFAULT_SET_LIMITS): RSet {
    const s = new RSet();
    for (const m of members) s.add(m, limits);
    return s;
  }

  /** Number of members (SCARD). */
  get size(): number {
    return this.items.length;
  }

  /** OBJECT ENCODING: "intset" or (sticky) "hashtable". */
  encoding(): 'intset' | 'hashtable' {
    return this.intset ? 'intset' : 'hashtable';
  }

  /**
   * Recomputes the encoding from scratch (RDB load, DEBUG RELOAD, and the
   * "new set of the remaining members" SPOP strategy): intset iff all members
   * are integers and they fit set-max-intset-entries.
   */
  resetEncoding(limits: SetLimits = DEFAULT_SET_LIMITS): void {
    this.sorted = null;
    if (this.items.length > limits.maxIntsetEntries) {
      this.intset = false;
      return;
    }
    for (let i = 0; i < this.items.length; i++) {
      if (!isIntsetMember(this.items[i])) {
        this.intset = false;
        return;
      }
    }
    this.intset = true;
  }

  /** SISMEMBER. */
  has(member: string): boolean {
    return this.idx.has(member);
  }

  /** SADD of one member; true when it was not there yet. */
  add(member: string, limits: SetLimits = DEFAULT_SET_LIMITS): boolean {
    if (this.idx.has(member)) return false;
    this.idx.set(member, this.items.length);
    this.items.push(member);
    if (this.intset) {
      this.sorted = null;
      if (this.items.length > limits.maxIntsetEntries || !isIntsetMember(member)) this.intset = false;
    }
    return true;
  }

  /** SREM of one member; true when it was there. */
  remove(member: string): boolean {
    const i = this.idx.get(member);
    if (i === undefined) return false;
    this.removeAt(i);
    return true;
  }

  private removeAt(i: number): void {
    const items = this.items;
    const last = items.length - 1;
    this.idx.delete(items[i]);
    if (i !== last) {
      items[i] = items[last];
      this.idx.set(items[i], i);
    }
    items.pop();
    this.sorted = null;
  }

  /** Members in iteration order (SMEMBERS): ascending numbers while intset. A fresh array. */
  members(): string[] {
    return this.ordered().slice();
  }

  /** Iteration order without copying (do not mutate the result). */
  private ordered(): string[] {
    if (!this.intset) return this.items;
    if (this.sorted === null) this.sorted = this.items.slice().sort(compareIntStrings);
    return this.sorted;
  }

  /** Iterates members (ascending numbers while intset). */
  *[Symbol.iterator](): Iterator<string> {
    const arr = this.ordered();
    for (let i = 0; i < arr.length; i++) yield arr[i];
  }

  /** Calls `fn` for every member in iteration order. */
  forEach(fn: (member: string) => void): void {
    const arr = this.ordered();
    for (let i = 0; i < arr.length; i++) fn(arr[i]);
  }

  /** One random member (SRANDMEMBER key), undefined when empty. */
  randomMember(): string | undefined {
    const n = this.items.length;
    return n === 0 ? undefined : this.items[randomIndex(n)];
  }

  /**
   * SRANDMEMBER key count: count > 0 gives min(count, size) distinct members
   * (the whole set when count >= size), count < 0 gives |count| members drawn
   * with repetition, 0 gives nothing.
   */
  randomMembers(count: number): string[] {
    const n = this.items.length;
    if (n === 0 || count === 0) return [];
    if (count < 0) {
      const k = -count;
      const out = new Array<string>(k);
      for (let i = 0; i < k; i++) out[i] = this.items[randomIndex(n)];
      return out;
    }
    if (count >= n) return this.members();
    const picks = sampleDistinct(n, count);
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) out[i] = this.items[picks[i]];
    return out;
  }

  /** SPOP key: removes and returns one random member. */
  popOne(): string | undefined {
    const n = this.items.length;
    if (n === 0) return undefined;
    const i = randomIndex(n);
    const m = this.items[i];
    this.removeAt(i);
    return m;
  }

  /**
   * SPOP key count: removes and returns min(count, size) random members
   * (count >= 0; the caller deletes the key when the set is left empty).
   * Like Redis 7.0, when the members left would be few (remaining * 5 <= count)
   * the survivors form a new set whose encoding is recomputed: a hashtable set
   * can come back as an intset.
   */
  pop(count: number, limits: SetLimits = DEFAULT_SET_LIMITS): string[] {
    const n = this.items.length;
    if (count <= 0 || n === 0) return [];
    if (count >= n) {
      const all = this.members();
      this.idx.clear();
      this.items = [];
      this.sorted = null;
      return all;
    }
    const remaining = n - count;
    if (remaining * 5 > count) {
      const out = new Array<string>(count);
      for (let k = 0; k < count; k++) out[k] = this.popOne() as string;
      return out;
    }
    // Keep `remaining` random survivors, return the rest.
    const keepIdx = sampleDistinct(n, remaining);
    const keep = new Set<number>(keepIdx);
    const out: string[] = [];
    for (let i = 0; i < n; i++) if (!keep.has(i)) out.push(this.items[i]);
    const survivors = keepIdx.map((i) => this.items[i]);
    this.idx.clear();
    this.items = [];
    this.sorted = null;
    this.intset = true;
    for (let i = 0; i < survivors.length; i++) {
      this.idx.set(survivors[i], i);
      this.items.push(survivors[i]);
    }
    this.resetEncoding(limits);
    return out;
  }

  /**
   * SSCAN step: appends members to `out`, returns the next cursor (0 = done).
   * An intset is returned whole (sorted) in one step, as Redis does; otherwise
   * see RHash.scan for the cursor's meaning and guarantee.
   */
  scan(cursor: number, count: number, out: string[]): number {
    const n = this.items.length;
    if (this.intset) {
      const arr = this.ordered();
      for (let i = 0; i < arr.length; i++) out.push(arr[i]);
      return 0;
    }
    let c = cursor === 0 || cursor > n ? n : cursor;
    let k = count > 0 ? count : 1;
    while (c > 0 && k > 0) {
      c--;
      k--;
      out.push(this.items[c]);
    }
    return c;
  }
}

/** A missing key behaves as an empty set in set algebra. */
export type SetOperand = RSet | null | undefined;

function sizeOf(s: SetOperand): number {
  return s ? s.size : 0;
}

/**
 * SINTER: members present in every set, in the iteration order of the
 * smallest set (as Redis iterates it). Empty when any operand is missing/empty.
 */
export function setIntersect(sets: readonly SetOperand[]): string[] {
  return intersectInto(sets, Infinity);
}

/** SINTERCARD numkeys key... [LIMIT limit]: cardinality of the intersection, stopping at `limit` (0 = no limit). */
export function setIntersectCard(sets: readonly SetOperand[], limit = 0): number {
  return intersectInto(sets, limit > 0 ? limit : Infinity).length;
}

function intersectInto(sets: readonly SetOperand[], limit: number): string[] {
  const out: string[] = [];
  if (sets.length === 0) return out;
  for (const s of sets) if (sizeOf(s) === 0) return out;
  const sorted = (sets as RSet[]).slice().sort((a, b) => a.size - b.size);
  const first = sorted[0];
  const rest = sorted.slice(1);
  for (const m of first) {
    let inAll = true;
    for (let j = 0; j < rest.length; j++) {
      if (rest[j] !== first && !rest[j].has(m)) {
        inAll = false;
        break;
      }
    }
    if (inAll) {
      out.push(m);
      if (out.length >= limit) break;
    }
  }
  return out;
}

/**
 * SUNION / SUNIONSTORE: a new set holding every member, built like Redis
 * builds it (so an all-integer small result is an intset and replies sorted).
 */
export function setUnion(sets: readonly SetOperand[], limits: SetLimits = DEFAULT_SET_LIMITS): RSet {
  const out = new RSet();
  for (const s of sets) if (s) for (const m of s) out.add(m, limits);
  return out;
}

/** SDIFF / SDIFFSTORE: members of the first set that are in none of the others, as a new set. */
export function setDiff(sets: readonly SetOperand[], limits: SetLimits = DEFAULT_SET_LIMITS): RSet {
  const out = new RSet();
  const first = sets[0];
  if (!first) return out;
  const others: RSet[] = [];
  for (let j = 1; j < sets.length; j++) {
    const s = sets[j];
    if (s && s.size > 0) others.push(s);
  }
  for (const m of first) {
    let found = false;
    for (let j = 0; j < others.length; j++) {
      if (others[j].has(m)) {
        found = true;
        break;
      }
    }
    if (!found) out.add(m, limits);
  }
  return out;
}
