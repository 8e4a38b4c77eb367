/**
 * The Redis sorted set. While small (Redis's listpack encoding) it is one
 * latin1 string of Redis's listpack bytes, member, score... sorted by
 * (score, member) (zset-listpack.ts); past zset-max-listpack-entries /
 * zset-max-listpack-value it converts for good, as Redis does, to the
 * "skiplist" encoding: a member index, a score column and a chunked order
 * (zset-table.ts). The wrapper holds one field, so a small sorted set costs
 * an object header, one slot and its listpack bytes.
 *
 * Entries handed out (ZEntry) are copies: they stay valid after writes.
 */

import { randomIndex, sampleDistinct } from './random';
import { lpFirst, lpGet, lpSkip, lpToOwnedArray } from '../listpack';
import { ZTable } from './zset-table';
import type { StringIndex } from '../string-index';
import {
  DEFAULT_ZSET_LIMITS,
  type LexRange,
  type ScoreRange,
  type ZAddResult,
  type ZEntry,
  type ZSetLimits,
} from './zset-range';
import {
  ZZL_EMPTY,
  zzlCountInLex,
  zzlDelete,
  zzlDeleteRange,
  zzlEntry,
  zzlFind,
  zzlFirstInLex,
  zzlFromSorted,
  zzlInsert,
  zzlLast,
  zzlLength,
  zzlMaxMemberLength,
  zzlNext,
  zzlRangeByLex,
  zzlRangeByRank,
  zzlRangeByScore,
  zzlRankOf,
  zzlScore,
  zzlScoreSpan,
  zzlSeekRank,
  zzlToArray,
} from './zset-listpack';

export {
  DEFAULT_ZSET_LIMITS,
  parseLexBound,
  parseLexRange,
  parseScoreRange,
  type LexBound,
  type LexRange,
  type ScoreRange,
  type ZAddResult,
  type ZEntry,
  type ZSetLimits,
} from './zset-range';

/** Redis's index normalisation of [start, stop] over len: [start, count], count 0 when empty. */
function normRange(start: number, stop: number, len: number): [number, number] {
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  if (start < 0) start = 0;
  if (start > stop || start >= len) return [0, 0];
  if (stop >= len) stop = len - 1;
  return [start, stop - start + 1];
}

/** A Redis sorted set (ZADD/ZRANGE/ZPOPMIN...). */
export class RZSet implements Iterable<ZEntry> {
  /** The listpack string while compact, else the skiplist. */
  private p: string | ZTable = ZZL_EMPTY;

  /** Builds a sorted set from entries with the encoding zsetConvertToListpackIfNeeded would give. */
  static from(entries: Iterable<ZEntry>, limits: ZSetLimits = DEFAULT_ZSET_LIMITS): RZSet {
    const z = new RZSet();
    const sl = new ZTable();
    for (const e of entries) sl.add(e.member, e.score);
    z.p = sl;
    z.resetEncoding(limits);
    return z;
  }

  /**
   * ZADD without flags on a new key in one go, from member -> score (each
   * member's last score), when the members fit the listpack limits (the
   * caller checks): the listpack is built once instead of once per member.
   * Scores must not be NaN.
   */
  static listpackFromScores(scores: ReadonlyMap<string, number>): RZSet {
    const entries: ZEntry[] = [];
    for (const [member, score] of scores) entries.push({ member, score });
    entries.sort((x, y) => (x.score !== y.score ? (x.score < y.score ? -1 : 1) : x.member < y.member ? -1 : x.member > y.member ? 1 : 0));
    const z = new RZSet();
    z.p = zzlFromSorted(entries);
    return z;
  }

  /**
   * A sorted set holding a listpack of member, score... (sorted, validated) as
   * loaded from an RDB file or a DUMP payload; converted only when it has
   * more than zset-max-listpack-entries members, as rdbLoadObject does.
   */
  static fromListpack(lp: string, limits: ZSetLimits = DEFAULT_ZSET_LIMITS): RZSet {
    const z = new RZSet();
    z.p = lp;
    if (zzlLength(lp) > limits.maxListpackEntries) z.convert();
    return z;
  }

  /** Redis type name, as TYPE reports it (on the prototype: no per-value field). */
  get type(): 'zset' {
    return 'zset';
  }

  /** The listpack bytes while listpack-encoded (what RDB/DUMP write as is), else null. */
  listpack(): string | null {
    return typeof this.p === 'string' ? this.p : null;
  }

  /** COPY: a deep copy with the same encoding (a listpack string is immutable: shared). */
  clone(): RZSet {
    const z = new RZSet();
    const p = this.p;
    if (typeof p === 'string') z.p = p;
    else {
      const sl = new ZTable();
      for (const e of p) sl.add(e.member, e.score);
      z.p = sl;
    }
    return z;
  }

  /** Number of members (ZCARD). */
  get length(): number {
    const p = this.p;
    return typeof p === 'string' ? zzlLength(p) : p.size;
  }

  /** Number of members (ZCARD). */
  get size(): number {
    return this.length;
  }

  /** Heap bytes of the big encoding outside its member strings (0 while listpack-encoded). */
  tableBytes(): number {
    const p = this.p;
    return typeof p === 'string' ? 0 : p.bytes();
  }

  /** The skiplist encoding's member index, null while a listpack (Database.warm). */
  memberIndex(): StringIndex | null {
    return typeof this.p === 'string' ? null : this.p.index;
  }

  /** OBJECT ENCODING: "listpack" until a write exceeded the limits, then "skiplist" for good. */
  encoding(): 'listpack' | 'skiplist' {
    return typeof this.p === 'string' ? 'listpack' : 'skiplist';
  }

  /** zsetConvert to the skiplist. */
  private convert(): ZTable {
    const p = this.p;
    if (typeof p !== 'string') return p;
    const sl = new ZTable();
    // member strings of their own: substrings of the listpack would keep it alive
    const owned = lpToOwnedArray(p);
    let i = 0;
    for (const e of zzlToArray(p)) {
      sl.add(owned[i], e.score);
      i += 2;
    }
    this.p = sl;
    return sl;
  }

  /**
   * Recomputes the encoding (RDB load, ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE/
   * ZRANGESTORE results): listpack iff count and member lengths fit.
   */
  resetEncoding(limits: ZSetLimits = DEFAULT_ZSET_LIMITS): void {
    const p = this.p;
    if (typeof p === 'string') {
      if (zzlLength(p) > limits.maxListpackEntries || zzlMaxMemberLength(p) > limits.maxListpackValue) this.convert();
      return;
    }
    if (p.size > limits.maxListpackEntries) return;
    for (const e of p) if (e.member.length > limits.maxListpackValue) return;
    this.p = zzlFromSorted(p);
  }

  /** ZSCORE: the member's score, undefined when absent. */
  score(member: string): number | undefined {
    const p = this.p;
    if (typeof p !== 'string') return p.score(member);
    const at = zzlFind(p, member);
    return at < 0 ? undefined : zzlScore(p, lpSkip(p, at));
  }

  /** True when the member is present. */
  has(member: string): boolean {
    const p = this.p;
    return typeof p === 'string' ? zzlFind(p, member) >= 0 : p.has(member);
  }

  /**
   * ZADD of one member (no flags: the caller applies NX/XX/GT/LT/INCR/CH using
   * score()). Adds or moves the member; 'unchanged' when the score is equal.
   * A new member converts the listpack when it would exceed the limits
   * (zsetAdd). `score` must not be NaN.
   */
  add(member: string, score: number, limits: ZSetLimits = DEFAULT_ZSET_LIMITS): ZAddResult {
    const p = this.p;
    if (typeof p !== 'string') return p.add(member, score);
    const at = zzlFind(p, member);
    if (at >= 0) {
      const cur = zzlScore(p, lpSkip(p, at));
      if (cur === score) return 'unchanged';
      this.p = zzlInsert(zzlDelete(p, at), member, score);
      return 'updated';
    }
    if (zzlLength(p) + 1 > limits.maxListpackEntries || member.length > limits.maxListpackValue) {
      return this.convert().add(member, score);
    }
    this.p = zzlInsert(p, member, score);
    return 'added';
  }

  /** ZREM of one member; true when it was present. */
  remove(member: string): boolean {
    const p = this.p;
    if (typeof p !== 'string') return p.remove(member);
    const at = zzlFind(p, member);
    if (at < 0) return false;
    this.p = zzlDelete(p, at);
    return true;
  }

  /** ZRANK / ZREVRANK: 0-based rank, undefined when absent. */
  rank(member: string, reverse = false): number | undefined {
    const p = this.p;
    if (typeof p !== 'string') return p.rank(member, reverse);
    const at = zzlFind(p, member);
    if (at < 0) return undefined;
    const r = zzlRankOf(p, at);
    return reverse ? zzlLength(p) - 1 - r : r;
  }

  /** The entry at 0-based rank (negative counts from the end), undefined when out of range. */
  getByRank(rank: number, reverse = false): ZEntry | undefined {
    const p = this.p;
    if (typeof p !== 'string') return p.getByRank(rank, reverse);
    const len = zzlLength(p);
    if (rank < 0) rank += len;
    if (rank < 0 || rank >= len) return undefined;
    return zzlEntry(p, zzlSeekRank(p, reverse ? len - 1 - rank : rank));
  }

  /** ZRANGE key start stop [REV] (by index), with Redis's index normalisation. */
  rangeByRank(start: number, stop: number, reverse = false): ZEntry[] {
    const p = this.p;
    if (typeof p !== 'string') return p.rangeByRank(start, stop, reverse);
    const [s, cnt] = normRange(start, stop, zzlLength(p));
    return cnt === 0 ? [] : zzlRangeByRank(p, s, cnt, reverse);
  }

  /**
   * ZRANGEBYSCORE / ZREVRANGEBYSCORE / ZRANGE BYSCORE [REV] [LIMIT offset count]:
   * entries in the score range, skipping `offset` (negative = nothing
   * returned), at most `count` (negative = no limit). Reverse walks from max.
   */
  rangeByScore(range: ScoreRange, offset = 0, count = -1, reverse = false): ZEntry[] {
    const p = this.p;
    if (typeof p !== 'string') return p.rangeByScore(range, offset, count, reverse);
    if (offset < 0 || count === 0) return [];
    return zzlRangeByScore(p, range, offset, count, reverse);
  }

  /** ZCOUNT key min max. */
  countInScoreRange(range: ScoreRange): number {
    const p = this.p;
    return typeof p === 'string' ? zzlScoreSpan(p, range)[1] : p.countInScoreRange(range);
  }

  /** ZRANGEBYLEX / ZREVRANGEBYLEX / ZRANGE BYLEX [REV] [LIMIT offset count]. */
  rangeByLex(range: LexRange, offset = 0, count = -1, reverse = false): ZEntry[] {
    const p = this.p;
    if (typeof p !== 'string') return p.rangeByLex(range, offset, count, reverse);
    if (offset < 0 || count === 0) return [];
    return zzlRangeByLex(p, range, offset, count, reverse);
  }

  /** ZLEXCOUNT key min max. */
  countInLexRange(range: LexRange): number {
    const p = this.p;
    return typeof p === 'string' ? zzlCountInLex(p, range) : p.countInLexRange(range);
  }

  /** ZREMRANGEBYSCORE key min max: returns the number removed. */
  deleteRangeByScore(range: ScoreRange): number {
    const p = this.p;
    if (typeof p !== 'string') return p.deleteRangeByScore(range);
    const [first, n] = zzlScoreSpan(p, range);
    if (n > 0) this.p = zzlDeleteRange(p, first, n);
    return n;
  }

  /** ZREMRANGEBYLEX key min max: returns the number removed. */
  deleteRangeByLex(range: LexRange): number {
    const p = this.p;
    if (typeof p !== 'string') return p.deleteRangeByLex(range);
    const n = zzlCountInLex(p, range);
    if (n > 0) this.p = zzlDeleteRange(p, zzlFirstInLex(p, range), n);
    return n;
  }

  /** ZREMRANGEBYRANK key start stop (0-based, Redis index normalisation): returns the number removed. */
  deleteRangeByRank(start: number, stop: number): number {
    const p = this.p;
    if (typeof p !== 'string') return p.deleteRangeByRank(start, stop);
    const [s, cnt] = normRange(start, stop, zzlLength(p));
    if (cnt > 0) this.p = zzlDeleteRange(p, zzlSeekRank(p, s), cnt);
    return cnt;
  }

  /** ZPOPMIN key [count]: removes and returns up to `count` lowest entries, lowest first. */
  popMin(count = 1): ZEntry[] {
    const p = this.p;
    if (typeof p !== 'string') return p.popMin(count);
    const n = Math.min(count, zzlLength(p));
    if (n <= 0) return [];
    const out = zzlRangeByRank(p, 0, n, false);
    this.p = zzlDeleteRange(p, lpFirst(p), n);
    return out;
  }

  /** ZPOPMAX key [count]: removes and returns up to `count` highest entries, highest first. */
  popMax(count = 1): ZEntry[] {
    const p = this.p;
    if (typeof p !== 'string') return p.popMax(count);
    const len = zzlLength(p);
    const n = Math.min(count, len);
    if (n <= 0) return [];
    const out = zzlRangeByRank(p, 0, n, true);
    this.p = zzlDeleteRange(p, zzlSeekRank(p, len - n), n);
    return out;
  }

  /** Lowest entry, undefined when empty. */
  first(): ZEntry | undefined {
    const p = this.p;
    if (typeof p !== 'string') return p.first();
    const f = lpFirst(p);
    return f < 0 ? undefined : zzlEntry(p, f);
  }

  /** Highest entry, undefined when empty. */
  last(): ZEntry | undefined {
    const p = this.p;
    if (typeof p !== 'string') return p.last();
    const l = zzlLast(p);
    return l < 0 ? undefined : zzlEntry(p, l);
  }

  /**
   * ZRANDMEMBER key count [WITHSCORES]: count > 0 gives min(count, size)
   * distinct entries (all of them, in order, when count >= size), count < 0
   * gives |count| entries drawn with repetition, 0 gives nothing.
   */
  randomMembers(count: number): ZEntry[] {
    const p = this.p;
    if (typeof p !== 'string') return p.randomMembers(count);
    const all = zzlToArray(p);
    const n = all.length;
    if (n === 0 || count === 0) return [];
    if (count < 0) {
      const out = new Array<ZEntry>(-count);
      for (let i = 0; i < out.length; i++) out[i] = all[randomIndex(n)];
      return out;
    }
    if (count >= n) return all;
    const picks = sampleDistinct(n, count);
    const out = new Array<ZEntry>(count);
    for (let i = 0; i < count; i++) out[i] = all[picks[i]];
    return out;
  }

  /** ZRANDMEMBER key: one random entry, undefined when empty. */
  randomMember(): ZEntry | undefined {
    const p = this.p;
    if (typeof p !== 'string') return p.randomMember();
    const n = zzlLength(p);
    return n === 0 ? undefined : zzlEntry(p, zzlSeekRank(p, randomIndex(n)));
  }

  /**
   * ZSCAN step: appends entries to `out`, returns the next cursor (0 = done).
   * A listpack-encoded set is returned whole, in order, as Redis does;
   * otherwise see RHash.scan for the cursor's meaning and guarantee.
   */
  scan(cursor: number, count: number, out: ZEntry[]): number {
    const p = this.p;
    if (typeof p !== 'string') return p.scan(cursor, count, out);
    for (let q = lpFirst(p); q >= 0; q = zzlNext(p, q)) out.push(zzlEntry(p, q));
    return 0;
  }

  /** All entries in order. */
  toArray(): ZEntry[] {
    const p = this.p;
    return typeof p === 'string' ? zzlToArray(p) : p.toArray();
  }

  /** Iterates entries lowest to highest. */
  [Symbol.iterator](): Iterator<ZEntry> {
    const p = this.p;
    return typeof p === 'string' ? zzlToArray(p)[Symbol.iterator]() : p[Symbol.iterator]();
  }

  /** Iterates entries highest to lowest. */
  reversed(): IterableIterator<ZEntry> {
    const p = this.p;
    return typeof p === 'string' ? zzlToArray(p).reverse()[Symbol.iterator]() : p.reversed();
  }

  /** Self-check of the invariants (listpack order and distinct members, or the skiplist's); throws on corruption. For tests. */
  verify(): void {
    const p = this.p;
    if (typeof p !== 'string') return p.verify();
    const seen = new Set<string>();
    let prev: ZEntry | null = null;
    for (let q = lpFirst(p); q >= 0; q = zzlNext(p, q)) {
      const e = zzlEntry(p, q);
      if (lpGet(p, q) !== e.member) throw new Error('bad member');
      if (prev !== null && !(prev.score < e.score || (prev.score === e.score && prev.member < e.member))) {
        throw new Error('bad order');
      }
      seen.add(e.member);
      prev = e;
    }
    if (seen.size !== zzlLength(p)) throw new Error('bad length');
  }
}
