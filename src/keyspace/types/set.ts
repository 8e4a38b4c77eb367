/**
 * The Redis set value, in Redis 7.0's two encodings:
 *
 * - "intset" while every member is a canonical int64 and the count is <=
 *   set-max-intset-entries: one latin1 string holding exactly Redis's intset
 *   bytes (src/keyspace/intset.ts), binary-searched; it iterates in ascending
 *   numeric order (SMEMBERS of {3,1,2} is 1 2 3 in Redis), and RDB/DUMP
 *   write it as a copy of its bytes.
 * - "hashtable" otherwise (one-way while the value lives, as in Redis; 7.0
 *   has no listpack sets): a dense array of members + a Map member -> index,
 *   for O(1) add/remove/membership, O(1) random member (SRANDMEMBER/SPOP) and
 *   a SCAN cursor that never misses a member present for the whole scan;
 *   removals swap the last member into the hole. That table is a
 *   StringIndex (string-index.ts): members in paged slots, an Int32Array index.
 *
 * The object has one own field (the intset string or the table) and its
 * `type` lives on the prototype, so a small set costs a 32-byte object plus
 * its intset string.
 */

import { randomIndex, sampleDistinct } from './random';
import { StringIndex } from '../string-index';
import {
  EMPTY_INTSET,
  intsetAdd,
  intsetFind,
  intsetFrom,
  intsetGet,
  intsetLen,
  intsetMembers,
  intsetRemoveAt,
  isIntsetMember,
} from '../intset';

export { isIntsetMember } from '../intset';

/** set-max-intset-entries. */
export interface SetLimits {
  readonly maxIntsetEntries: number;
}

/** Redis 7.0's default set-max-intset-entries (512). */
export const DEFAULT_SET_LIMITS: SetLimits = { maxIntsetEntries: 512 };

/**
 * The hashtable encoding: the members in a StringIndex (member -> dense slot,
 * removal moves the last slot into the hole), nothing else per member.
 */
class SetTable extends StringIndex {
  constructor() {
    super(null, 4);
  }

  /** The member at slot i (0 <= i < size). */
  at(i: number): string {
    return this.keyAt(i) as string;
  }

  /** Adds a member; false when present. */
  add(member: string): boolean {
    if (this.find(member) >= 0) return false;
    this.insert(member);
    return true;
  }

  /** The members in slot order. */
  toArray(): string[] {
    const n = this.size;
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = this.keyAt(i) as string;
    return out;
  }
}

/** A Redis set (SADD/SREM/SISMEMBER/SPOP/SRANDMEMBER/SSCAN...). */
export class RSet implements Iterable<string> {
  /** Redis type name, as TYPE reports it (on the prototype: no per-value cost). */
  declare readonly type: 'set';
  /** the intset bytes, or the hashtable */
  private d: string | SetTable = EMPTY_INTSET;

  /** Builds a set from members (as SINTERSTORE/SUNIONSTORE/an RDB load do). */
  static from(members: Iterable<string>, limits: SetLimits = DEFAULT_SET_LIMITS): RSet {
    const s = new RSet();
    for (const m of members) s.add(m, limits);
    return s;
  }

  /**
   * A set over intset bytes that are already valid (intsetValidate), as an
   * RDB/RESTORE load makes it: kept as they are, converted to a hashtable
   * when longer than set-max-intset-entries (rdbLoadObject does the same).
   */
  static fromIntset(bytes: string, limits: SetLimits = DEFAULT_SET_LIMITS): RSet {
    const s = new RSet();
    s.d = bytes;
    if (intsetLen(bytes) > limits.maxIntsetEntries) s.toTable();
    return s;
  }

  /** Number of members (SCARD). */
  get size(): number {
    const d = this.d;
    return typeof d === 'string' ? intsetLen(d) : d.size;
  }

  /** Heap bytes of the hashtable outside its strings (0 while intset-encoded). */
  tableBytes(): number {
    const d = this.d;
    return typeof d === 'string' ? 0 : d.bytes();
  }

  /** The hashtable encoding's member index, null while an intset (Database.warm). */
  memberIndex(): StringIndex | null {
    return typeof this.d === 'string' ? null : this.d;
  }

  /** OBJECT ENCODING: "intset" or (sticky) "hashtable". */
  encoding(): 'intset' | 'hashtable' {
    return typeof this.d === 'string' ? 'intset' : 'hashtable';
  }

  /** The intset bytes (a latin1 string) while intset-encoded, else null: what RDB/DUMP write as they are. */
  intsetBytes(): string | null {
    return typeof this.d === 'string' ? this.d : null;
  }

  /** A copy keeping the encoding (COPY, snapshots): the intset string is shared, it is immutable. */
  clone(): RSet {
    const s = new RSet();
    const d = this.d;
    if (typeof d === 'string') s.d = d;
    else {
      const t = new SetTable();
      for (let i = 0; i < d.size; i++) t.insert(d.at(i));
      s.d = t;
    }
    return s;
  }

  /** Converts to the hashtable encoding (setTypeConvert), members in ascending order. */
  private toTable(): SetTable {
    const d = this.d;
    if (typeof d !== 'string') return d;
    const t = new SetTable();
    const n = intsetLen(d);
    for (let i = 0; i < n; i++) t.insert(intsetGet(d, i));
    this.d = t;
    return t;
  }

  /**
   * Recomputes the encoding from scratch (RDB load, DEBUG RELOAD, and the
   * "new set of the remaining members" SPOP strategy): intset iff all members
   * are integers and they fit set-max-intset-entries.
   */
  resetEncoding(limits: SetLimits = DEFAULT_SET_LIMITS): void {
    const d = this.d;
    if (typeof d === 'string') {
      if (intsetLen(d) > limits.maxIntsetEntries) this.toTable();
      return;
    }
    if (d.size > limits.maxIntsetEntries) return;
    const bytes = intsetFrom(d.toArray());
    if (bytes !== null) this.d = bytes;
  }

  /** SISMEMBER. */
  has(member: string): boolean {
    const d = this.d;
    return typeof d === 'string' ? intsetFind(d, member) >= 0 : d.find(member) >= 0;
  }

  /** SADD of one member; true when it was not there yet. */
  add(member: string, limits: SetLimits = DEFAULT_SET_LIMITS): boolean {
    const d = this.d;
    if (typeof d === 'string') {
      if (isIntsetMember(member)) {
        const next = intsetAdd(d, member);
        if (next === null) return false;
        this.d = next;
        if (intsetLen(next) > limits.maxIntsetEntries) this.toTable();
        return true;
      }
      return this.toTable().add(member);
    }
    return d.add(member);
  }

  /** SREM of one member; true when it was there. */
  remove(member: string): boolean {
    const d = this.d;
    if (typeof d === 'string') {
      const i = intsetFind(d, member);
      if (i < 0) return false;
      this.d = intsetRemoveAt(d, i);
      return true;
    }
    const i = d.find(member);
    if (i < 0) return false;
    d.removeAt(i);
    return true;
  }

  /** The member at position i of the encoding's own order. */
  private at(i: number): string {
    const d = this.d;
    return typeof d === 'string' ? intsetGet(d, i) : d.at(i);
  }

  /** Members in iteration order (SMEMBERS): ascending numbers while intset. A fresh array. */
  members(): string[] {
    const d = this.d;
    return typeof d === 'string' ? intsetMembers(d) : d.toArray();
  }

  /** Iterates members (ascending numbers while intset). */
  *[Symbol.iterator](): Iterator<string> {
    const d = this.d;
    if (typeof d === 'string') {
      const n = intsetLen(d);
      for (let i = 0; i < n; i++) yield intsetGet(d, i);
    } else {
      for (let i = 0; i < d.size; i++) yield d.at(i);
    }
  }

  /** Calls `fn` for every member in iteration order. */
  forEach(fn: (member: string) => void): void {
    const d = this.d;
    if (typeof d === 'string') {
      const n = intsetLen(d);
      for (let i = 0; i < n; i++) fn(intsetGet(d, i));
    } else {
      const n = d.size;
      for (let i = 0; i < n; i++) fn(d.at(i));
    }
  }

  /** One random member (SRANDMEMBER key), undefined when empty. */
  randomMember(): string | undefined {
    const n = this.size;
    return n === 0 ? undefined : this.at(randomIndex(n));
  }

  /**
   * SRANDMEMBER key count: count > 0 gives min(count, size) distinct members
   * (the whole set when count >= size), count < 0 gives |count| members drawn
   * with repetition, 0 gives nothing.
   */
  randomMembers(count: number): string[] {
    const n = this.size;
    if (n === 0 || count === 0) return [];
    if (count < 0) {
      const k = -count;
      const out = new Array<string>(k);
      for (let i = 0; i < k; i++) out[i] = this.at(randomIndex(n));
      return out;
    }
    if (count >= n) return this.members();
    const picks = sampleDistinct(n, count);
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) out[i] = this.at(picks[i]);
    return out;
  }

  /** SPOP key: removes and returns one random member. */
  popOne(): string | undefined {
    const n = this.size;
    if (n === 0) return undefined;
    const i = randomIndex(n);
    const d = this.d;
    if (typeof d === 'string') {
      const m = intsetGet(d, i);
      this.d = intsetRemoveAt(d, i);
      return m;
    }
    const m = d.at(i);
    d.removeAt(i);
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
    const n = this.size;
    if (count <= 0 || n === 0) return [];
    if (count >= n) {
      const all = this.members();
      this.d = EMPTY_INTSET;
      return all;
    }
    const remaining = n - count;
    if (remaining * 5 > count) {
      const out = new Array<string>(count);
      for (let k = 0; k < count; k++) out[k] = this.popOne() as string;
      return out;
    }
    // Keep `remaining` random survivors, return the rest.
    const all = this.members();
    const keepIdx = sampleDistinct(n, remaining);
    const keep = new Set<number>(keepIdx);
    const out: string[] = [];
    for (let i = 0; i < n; i++) if (!keep.has(i)) out.push(all[i]);
    const t = new SetTable();
    for (let i = 0; i < keepIdx.length; i++) t.insert(all[keepIdx[i]]);
    this.d = t;
    this.resetEncoding(limits);
    return out;
  }

  /**
   * SSCAN step: appends members to `out`, returns the next cursor (0 = done).
   * An intset is returned whole (sorted) in one step, as Redis does; otherwise
   * see RHash.scan for the cursor's meaning and guarantee.
   */
  scan(cursor: number, count: number, out: string[]): number {
    const d = this.d;
    if (typeof d === 'string') {
      const n = intsetLen(d);
      for (let i = 0; i < n; i++) out.push(intsetGet(d, i));
      return 0;
    }
    const n = d.size;
    let c = cursor === 0 || cursor > n ? n : cursor;
    let k = count > 0 ? count : 1;
    while (c > 0 && k > 0) {
      c--;
      k--;
      out.push(d.at(c));
    }
    return c;
  }
}
Object.defineProperty(RSet.prototype, 'type', { value: 'set', writable: false, enumerable: false, configurable: false });

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
