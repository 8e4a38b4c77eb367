/**
 * The skiplist encoding of a sorted set: Redis's skiplist with spans
 * (t_zset.c: max level 32, p = 0.25) ordered by (score, member bytes), plus a
 * Map member -> node for O(1) ZSCORE, plus a dense node array for O(1) random
 * members and a SCAN cursor that never misses a member present for the whole
 * scan. RZSet (zset.ts) holds one once a sorted set outgrows its listpack.
 *
 * Latin1 strings compare by code unit, which is byte order, so `<` on members
 * is Redis's memcmp-then-length order.
 *
 * Entries handed out (ZEntry) are the live nodes: read them before the next
 * write to the same sorted set.
 */

import { randomIndex, sampleDistinct } from './random';
import {
  type ZEntry,
  type ScoreRange,
  type LexRange,
  type ZAddResult,
  scoreGteMin,
  scoreLteMax,
  lexGteMin,
  lexLteMax,
  scoreRangeEmpty,
  lexRangeEmpty,
} from './zset-range';

const MAXLEVEL = 32;
const P = 0.25;

/**
 * A skiplist node. Levels 0-3 (99.6% of all links) live in the object itself so
 * a traversal step costs one pointer chase, like Redis's inline level array;
 * higher levels spill into two small arrays.
 */
class ZNode implements ZEntry {
  member: string;
  score: number;
  backward: ZNode | null = null;
  /** Number of levels. */
  readonly lvl: number;
  /** Index in the dense node array. */
  pos = -1;
  f0: ZNode | null = null;
  f1: ZNode | null = null;
  f2: ZNode | null = null;
  f3: ZNode | null = null;
  s0 = 0;
  s1 = 0;
  s2 = 0;
  s3 = 0;
  /** Forward links of levels >= 4. */
  upF: (ZNode | null)[] | null = null;
  /** Spans of levels >= 4. */
  upS: number[] | null = null;

  constructor(member: string, score: number, level: number) {
    this.member = member;
    this.score = score;
    this.lvl = level;
    if (level > 4) {
      const nx: (ZNode | null)[] = [];
      const sp: number[] = [];
      for (let i = 4; i < level; i++) {
        nx.push(null);
        sp.push(0);
      }
      this.upF = nx;
      this.upS = sp;
    }
  }
}

function getF(x: ZNode, i: number): ZNode | null {
  switch (i) {
    case 0:
      return x.f0;
    case 1:
      return x.f1;
    case 2:
      return x.f2;
    case 3:
      return x.f3;
    default:
      return (x.upF as (ZNode | null)[])[i - 4];
  }
}

function setF(x: ZNode, i: number, v: ZNode | null): void {
  switch (i) {
    case 0:
      x.f0 = v;
      break;
    case 1:
      x.f1 = v;
      break;
    case 2:
      x.f2 = v;
      break;
    case 3:
      x.f3 = v;
      break;
    default:
      (x.upF as (ZNode | null)[])[i - 4] = v;
  }
}

function getS(x: ZNode, i: number): number {
  switch (i) {
    case 0:
      return x.s0;
    case 1:
      return x.s1;
    case 2:
      return x.s2;
    case 3:
      return x.s3;
    default:
      return (x.upS as number[])[i - 4];
  }
}

function setS(x: ZNode, i: number, v: number): void {
  switch (i) {
    case 0:
      x.s0 = v;
      break;
    case 1:
      x.s1 = v;
      break;
    case 2:
      x.s2 = v;
      break;
    case 3:
      x.s3 = v;
      break;
    default:
      (x.upS as number[])[i - 4] = v;
  }
}

function randomLevel(): number {
  let level = 1;
  while (level < MAXLEVEL && Math.random() < P) level++;
  return level;
}

// Scratch arrays shared by all sorted sets (single-threaded, never re-entered).
const update: ZNode[] = new Array<ZNode>(MAXLEVEL);
const rankv: number[] = new Array<number>(MAXLEVEL).fill(0);

/** A Redis sorted set (ZADD, ZRANGE, ZRANK, ZCOUNT, ZREM..., ZPOP..., ZRANDMEMBER, ZSCAN...). */
export class ZSkipList implements Iterable<ZEntry> {
  private readonly header = new ZNode('', -Infinity, MAXLEVEL);
  private tail: ZNode | null = null;
  private level = 1;
  private dict = new Map<string, ZNode>();
  private nodes: ZNode[] = [];

  /** Number of members (ZCARD). */
  get size(): number {
    return this.nodes.length;
  }

  /** ZSCORE: the member's score, undefined when absent. */
  score(member: string): number | undefined {
    const n = this.dict.get(member);
    return n === undefined ? undefined : n.score;
  }

  /** True when the member is present. */
  has(member: string): boolean {
    return this.dict.has(member);
  }

  /**
   * ZADD of one member (no flags: the caller applies NX/XX/GT/LT/INCR/CH using
   * score()). Adds or moves the member; 'unchanged' when the score is equal.
   * `score` must not be NaN.
   */
  add(member: string, score: number): ZAddResult {
    const node = this.dict.get(member);
    if (node !== undefined) {
      if (node.score === score) return 'unchanged';
      this.updateScore(node, score);
      return 'updated';
    }
    const x = new ZNode(member, score, randomLevel());
    this.insertNode(x);
    this.dict.set(member, x);
    x.pos = this.nodes.length;
    this.nodes.push(x);
    return 'added';
  }

  /** ZREM of one member; true when it was present. */
  remove(member: string): boolean {
    const x = this.dict.get(member);
    if (x === undefined) return false;
    this.findUpdate(x.score, x.member);
    this.unlink(x);
    this.forget(x);
    return true;
  }

  // --- skiplist internals -------------------------------------------------

  /** Fills `update` with the last node before (score, member) on every level. */
  private findUpdate(score: number, member: string): void {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = getF(x, i);
      while (nx !== null && (nx.score < score || (nx.score === score && nx.member < member))) {
        x = nx;
        nx = getF(x, i);
      }
      update[i] = x;
    }
  }

  /** zslInsert with an existing, unlinked node. */
  private insertNode(x: ZNode): void {
    const score = x.score;
    const member = x.member;
    const header = this.header;
    let n = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let r = i === this.level - 1 ? 0 : rankv[i + 1];
      let nx = getF(n, i);
      while (nx !== null && (nx.score < score || (nx.score === score && nx.member < member))) {
        r += getS(n, i);
        n = nx;
        nx = getF(n, i);
      }
      rankv[i] = r;
      update[i] = n;
    }
    const lvl = x.lvl;
    const len = this.nodes.length - (x.pos >= 0 ? 1 : 0);
    if (lvl > this.level) {
      for (let i = this.level; i < lvl; i++) {
        rankv[i] = 0;
        update[i] = header;
        setS(header, i, len);
      }
      this.level = lvl;
    }
    const r0 = rankv[0];
    for (let i = 0; i < lvl; i++) {
      const u = update[i];
      setF(x, i, getF(u, i));
      setF(u, i, x);
      setS(x, i, getS(u, i) - (r0 - rankv[i]));
      setS(u, i, r0 - rankv[i] + 1);
    }
    for (let i = lvl; i < this.level; i++) {
      const u = update[i];
      setS(u, i, getS(u, i) + 1);
    }
    x.backward = update[0] === header ? null : update[0];
    const f = x.f0;
    if (f !== null) f.backward = x;
    else this.tail = x;
  }

  /** zslDeleteNode: unlinks `x` using the `update` path already computed. */
  private unlink(x: ZNode): void {
    for (let i = 0; i < this.level; i++) {
      const u = update[i];
      if (getF(u, i) === x) {
        setS(u, i, getS(u, i) + getS(x, i) - 1);
        setF(u, i, getF(x, i));
      } else {
        setS(u, i, getS(u, i) - 1);
      }
    }
    const f = x.f0;
    if (f !== null) f.backward = x.backward;
    else this.tail = x.backward;
    const header = this.header;
    while (this.level > 1 && getF(header, this.level - 1) === null) this.level--;
  }

  /** Drops an unlinked node from the dict and the dense array. */
  private forget(x: ZNode): void {
    this.dict.delete(x.member);
    const nodes = this.nodes;
    const last = nodes.length - 1;
    const i = x.pos;
    if (i !== last) {
      const m = nodes[last];
      nodes[i] = m;
      m.pos = i;
    }
    nodes.pop();
    x.pos = -1;
  }

  /** zslUpdateScore: in place when the order is kept, otherwise unlink + reinsert. */
  private updateScore(x: ZNode, score: number): void {
    const b = x.backward;
    const f = x.f0;
    if ((b === null || b.score < score) && (f === null || f.score > score)) {
      x.score = score;
      return;
    }
    this.findUpdate(x.score, x.member);
    this.unlink(x);
    x.score = score;
    for (let i = 0; i < x.lvl; i++) {
      setF(x, i, null);
      setS(x, i, 0);
    }
    x.backward = null;
    this.insertNode(x);
  }

  /** 1-based rank of a present node. */
  private rankOf(x: ZNode): number {
    const score = x.score;
    const member = x.member;
    let n = this.header;
    let rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = getF(n, i);
      while (nx !== null && (nx.score < score || (nx.score === score && nx.member <= member))) {
        rank += getS(n, i);
        n = nx;
        nx = getF(n, i);
      }
      if (n === x) return rank;
    }
    return 0;
  }

  /** zslGetElementByRank (1-based); null when out of range. */
  private nodeAt(rank: number): ZNode | null {
    if (rank < 1 || rank > this.nodes.length) return null;
    let n = this.header;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = getF(n, i);
      while (nx !== null && traversed + getS(n, i) <= rank) {
        traversed += getS(n, i);
        n = nx;
        nx = getF(n, i);
      }
      if (traversed === rank) return n;
    }
    return null;
  }

  /** Number of nodes whose score fails the min side (all come first). */
  private countBelowScore(r: ScoreRange): number {
    let n = this.header;
    let rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = getF(n, i);
      while (nx !== null && !scoreGteMin(nx.score, r)) {
        rank += getS(n, i);
        n = nx;
        nx = getF(n, i);
      }
    }
    return rank;
  }

  /** Number of nodes whose score passes the max side (a prefix). */
  private countUpToScore(r: ScoreRange): number {
    let n = this.header;
    let rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = getF(n, i);
      while (nx !== null && scoreLteMax(nx.score, r)) {
        rank += getS(n, i);
        n = nx;
        nx = getF(n, i);
      }
    }
    return rank;
  }

  /** zslIsInLexRange: non-empty range that overlaps [first, last] member. */
  private lexInRange(r: LexRange): boolean {
    const first = this.header.f0;
    const last = this.tail;
    if (first === null || last === null || lexRangeEmpty(r)) return false;
    return lexGteMin(last.member, r.min) && lexLteMax(first.member, r.max);
  }

  /** Rank (1-based) of the first node at or after the lex min, or 0 (zslNthInLexRange). */
  private firstLexRank(r: LexRange): number {
    if (!this.lexInRange(r)) return 0;
    let n = this.header;
    let rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = getF(n, i);
      while (nx !== null && !lexGteMin(nx.member, r.min)) {
        rank += getS(n, i);
        n = nx;
        nx = getF(n, i);
      }
    }
    const f = n.f0;
    if (f === null || !lexLteMax(f.member, r.max)) return 0;
    return rank + 1;
  }

  /** Rank (1-based) of the last node at or before the lex max, or 0. */
  private lastLexRank(r: LexRange): number {
    if (!this.lexInRange(r)) return 0;
    let n = this.header;
    let rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = getF(n, i);
      while (nx !== null && lexLteMax(nx.member, r.max)) {
        rank += getS(n, i);
        n = nx;
        nx = getF(n, i);
      }
    }
    if (rank === 0 || !lexGteMin(n.member, r.min)) return 0;
    return rank;
  }

  // --- queries -----------------------------------------------------------

  /** ZRANK / ZREVRANK: 0-based rank, undefined when absent. */
  rank(member: string, reverse = false): number | undefined {
    const x = this.dict.get(member);
    if (x === undefined) return undefined;
    const r = this.rankOf(x) - 1;
    return reverse ? this.nodes.length - 1 - r : r;
  }

  /** The entry at 0-based rank (negative counts from the end), undefined when out of range. */
  getByRank(rank: number, reverse = false): ZEntry | undefined {
    const len = this.nodes.length;
    if (rank < 0) rank += len;
    if (rank < 0 || rank >= len) return undefined;
    const n = this.nodeAt(reverse ? len - rank : rank + 1);
    return n === null ? undefined : n;
  }

  /**
   * ZRANGE key start stop [REV] (by index): inclusive, with Redis's index
   * normalisation; `reverse` counts ranks from the highest score.
   */
  rangeByRank(start: number, stop: number, reverse = false): ZEntry[] {
    const len = this.nodes.length;
    if (start < 0) start += len;
    if (stop < 0) stop += len;
    if (start < 0) start = 0;
    if (start > stop || start >= len) return [];
    if (stop >= len) stop = len - 1;
    const cnt = stop - start + 1;
    const out = new Array<ZEntry>(cnt);
    let x: ZNode | null;
    if (reverse) {
      x = start === 0 ? this.tail : this.nodeAt(len - start);
      for (let k = 0; k < cnt && x !== null; k++, x = x.backward) out[k] = x;
    } else {
      x = start === 0 ? this.header.f0 : this.nodeAt(start + 1);
      for (let k = 0; k < cnt && x !== null; k++, x = x.f0) out[k] = x;
    }
    return out;
  }

  /**
   * ZRANGEBYSCORE / ZREVRANGEBYSCORE / ZRANGE BYSCORE [REV] [LIMIT offset count]:
   * entries in the score range, skipping `offset` (negative = nothing
   * returned), at most `count` (negative = no limit). Reverse walks from max.
   */
  rangeByScore(range: ScoreRange, offset = 0, count = -1, reverse = false): ZEntry[] {
    const out: ZEntry[] = [];
    if (offset < 0 || count === 0 || this.nodes.length === 0 || scoreRangeEmpty(range)) return out;
    const lo = this.countBelowScore(range); // ranks lo+1 .. hi are in range
    const hi = this.countUpToScore(range);
    if (hi <= lo) return out;
    const avail = hi - lo - offset;
    if (avail <= 0) return out;
    const n = count < 0 || count > avail ? avail : count;
    let x = this.nodeAt(reverse ? hi - offset : lo + 1 + offset);
    for (let k = 0; k < n && x !== null; k++) {
      out.push(x);
      x = reverse ? x.backward : x.f0;
    }
    return out;
  }

  /** ZCOUNT key min max, in O(log n). */
  countInScoreRange(range: ScoreRange): number {
    if (this.nodes.length === 0 || scoreRangeEmpty(range)) return 0;
    const d = this.countUpToScore(range) - this.countBelowScore(range);
    return d > 0 ? d : 0;
  }

  /**
   * ZRANGEBYLEX / ZREVRANGEBYLEX / ZRANGE BYLEX [REV] [LIMIT offset count]
   * (meaningful when all scores are equal, as in Redis).
   */
  rangeByLex(range: LexRange, offset = 0, count = -1, reverse = false): ZEntry[] {
    const out: ZEntry[] = [];
    if (offset < 0 || count === 0) return out;
    const start = reverse ? this.lastLexRank(range) : this.firstLexRank(range);
    if (start === 0) return out;
    const s = reverse ? start - offset : start + offset;
    let x = s >= 1 && s <= this.nodes.length ? this.nodeAt(s) : null;
    let left = count < 0 ? Infinity : count;
    while (x !== null && left > 0) {
      if (reverse ? !lexGteMin(x.member, range.min) : !lexLteMax(x.member, range.max)) break;
      out.push(x);
      left--;
      x = reverse ? x.backward : x.f0;
    }
    return out;
  }

  /** ZLEXCOUNT key min max, in O(log n). */
  countInLexRange(range: LexRange): number {
    const a = this.firstLexRank(range);
    if (a === 0) return 0;
    const b = this.lastLexRank(range);
    return b >= a ? b - a + 1 : 0;
  }

  // --- range deletions ---------------------------------------------------

  /** Deletes the run of nodes starting at rank `first` (1-based) while `keep` is true; returns the count. */
  private deleteRun(first: number, max: number, inRange: (x: ZNode) => boolean): number {
    if (first < 1 || first > this.nodes.length || max <= 0) return 0;
    const start = this.nodeAt(first);
    if (start === null) return 0;
    this.findUpdate(start.score, start.member);
    let x: ZNode | null = start;
    let removed = 0;
    while (x !== null && removed < max && inRange(x)) {
      const nx: ZNode | null = x.f0;
      this.unlink(x);
      this.forget(x);
      removed++;
      x = nx;
    }
    return removed;
  }

  /** ZREMRANGEBYSCORE key min max: returns the number removed. */
  deleteRangeByScore(range: ScoreRange): number {
    if (this.nodes.length === 0 || scoreRangeEmpty(range)) return 0;
    const lo = this.countBelowScore(range);
    const hi = this.countUpToScore(range);
    if (hi <= lo) return 0;
    return this.deleteRun(lo + 1, hi - lo, () => true);
  }

  /** ZREMRANGEBYLEX key min max: returns the number removed. */
  deleteRangeByLex(range: LexRange): number {
    const first = this.firstLexRank(range);
    if (first === 0) return 0;
    return this.deleteRun(first, Infinity, (x) => lexLteMax(x.member, range.max));
  }

  /** ZREMRANGEBYRANK key start stop (0-based, Redis index normalisation): returns the number removed. */
  deleteRangeByRank(start: number, stop: number): number {
    const len = this.nodes.length;
    if (start < 0) start += len;
    if (stop < 0) stop += len;
    if (start < 0) start = 0;
    if (start > stop || start >= len) return 0;
    if (stop >= len) stop = len - 1;
    return this.deleteRun(start + 1, stop - start + 1, () => true);
  }

  /** ZPOPMIN key [count]: removes and returns up to `count` lowest entries, lowest first. */
  popMin(count = 1): ZEntry[] {
    const out: ZEntry[] = [];
    const header = this.header;
    while (count-- > 0) {
      const x = header.f0;
      if (x === null) break;
      for (let i = 0; i < this.level; i++) update[i] = header;
      this.unlink(x);
      this.forget(x);
      out.push(x);
    }
    return out;
  }

  /** ZPOPMAX key [count]: removes and returns up to `count` highest entries, highest first. */
  popMax(count = 1): ZEntry[] {
    const out: ZEntry[] = [];
    while (count-- > 0) {
      const x = this.tail;
      if (x === null) break;
      this.findUpdate(x.score, x.member);
      this.unlink(x);
      this.forget(x);
      out.push(x);
    }
    return out;
  }

  /** Lowest entry, undefined when empty. */
  first(): ZEntry | undefined {
    return this.header.f0 ?? undefined;
  }

  /** Highest entry, undefined when empty. */
  last(): ZEntry | undefined {
    return this.tail ?? undefined;
  }

  // --- random / scan / iteration ------------------------------------------

  /**
   * ZRANDMEMBER key count [WITHSCORES]: count > 0 gives min(count, size)
   * distinct entries (all of them, in order, when count >= size), count < 0
   * gives |count| entries drawn with repetition, 0 gives nothing.
   */
  randomMembers(count: number): ZEntry[] {
    const n = this.nodes.length;
    if (n === 0 || count === 0) return [];
    if (count < 0) {
      const k = -count;
      const out = new Array<ZEntry>(k);
      for (let i = 0; i < k; i++) out[i] = this.nodes[randomIndex(n)];
      return out;
    }
    if (count >= n) return this.toArray();
    const picks = sampleDistinct(n, count);
    const out = new Array<ZEntry>(count);
    for (let i = 0; i < count; i++) out[i] = this.nodes[picks[i]];
    return out;
  }

  /** ZRANDMEMBER key: one random entry, undefined when empty. */
  randomMember(): ZEntry | undefined {
    const n = this.nodes.length;
    return n === 0 ? undefined : this.nodes[randomIndex(n)];
  }

  /**
   * ZSCAN step: appends entries to `out`, returns the next cursor (0 = done).
   * See RHash.scan for the cursor's meaning and guarantee.
   */
  scan(cursor: number, count: number, out: ZEntry[]): number {
    const n = this.nodes.length;
    let c = cursor === 0 || cursor > n ? n : cursor;
    let k = count > 0 ? count : 1;
    while (c > 0 && k > 0) {
      c--;
      k--;
      out.push(this.nodes[c]);
    }
    return c;
  }

  /** All entries in order. */
  toArray(): ZEntry[] {
    const out = new Array<ZEntry>(this.nodes.length);
    let k = 0;
    for (let x = this.header.f0; x !== null; x = x.f0) out[k++] = x;
    return out;
  }

  /** Iterates entries lowest to highest. */
  *[Symbol.iterator](): Iterator<ZEntry> {
    for (let x = this.header.f0; x !== null; x = x.f0) yield x;
  }

  /** Iterates entries highest to lowest. */
  *reversed(): IterableIterator<ZEntry> {
    for (let x = this.tail; x !== null; x = x.backward) yield x;
  }

  /** Self-check of the skiplist invariants (spans, order, backward links, dict); throws on corruption. For tests. */
  verify(): void {
    const h = this.header;
    const len = this.nodes.length;
    // level 0: order, backward, count
    let cnt = 0;
    let prev: ZNode | null = null;
    for (let x = h.f0; x !== null; x = x.f0) {
      cnt++;
      if (x.backward !== prev) throw new Error('bad backward');
      if (prev !== null && !(prev.score < x.score || (prev.score === x.score && prev.member < x.member)))
        throw new Error('bad order');
      if (this.dict.get(x.member) !== x) throw new Error('dict mismatch');
      if (this.nodes[x.pos] !== x) throw new Error('pos mismatch');
      prev = x;
    }
    if (prev !== this.tail) throw new Error('bad tail');
    if (cnt !== len || this.dict.size !== len) throw new Error('bad length');
    // spans: walk each level, accumulate spans, compare with level-0 ranks
    const rankOf = new Map<ZNode, number>();
    let r = 0;
    for (let x = h.f0; x !== null; x = x.f0) rankOf.set(x, ++r);
    for (let i = 0; i < MAXLEVEL; i++) {
      let x: ZNode = h;
      let rank = 0;
      if (i >= this.level) {
        if (getF(h, i) !== null) throw new Error('level above this.level in use');
        continue;
      }
      while (true) {
        const nx: ZNode | null = getF(x, i);
        if (nx === null) {
          // The last node of a level spans the rest of the list.
          if (rank + getS(x, i) !== len) throw new Error(`bad tail span at level ${i}`);
          break;
        }
        rank += getS(x, i);
        if (rankOf.get(nx) !== rank) throw new Error(`bad span at level ${i}`);
        x = nx;
      }
    }
    if (this.level > 1 && getF(h, this.level - 1) === null) throw new Error('level not trimmed');
  }
}
