/**
 * The big encoding of a sorted set (OBJECT ENCODING "skiplist", as Redis
 * names it): what Redis keeps in a dict + skiplist, as columns.
 *
 * - the members in a StringIndex (member -> dense slot: O(1) ZSCORE, O(1)
 *   random member, a SCAN cursor over slots that never misses a member
 *   present for the whole scan);
 * - the scores in a paged Float64Array column at the same slots;
 * - the order: a list of sorted chunks of slot numbers (Int32Arrays of up
 *   to CHUNK), ordered by (score, member bytes), with a Fenwick tree over
 *   the chunk lengths so a rank is found in O(log n) (ZRANK, ZRANGE by
 *   index, LIMIT offsets). A member is located in the order by binary search
 *   on (score, member), first over the chunks' last elements, then inside one
 *   chunk; inserting shifts at most one chunk.
 *
 * A member costs its string, an index cell pair, a pointer, 8 bytes of score
 * and ~5.5 bytes of order (a 4-byte slot at ~3/4 fill), against ~160 bytes of
 * skiplist node objects before.
 *
 * Latin1 strings compare by code unit, which is byte order, so `<` on members
 * is Redis's memcmp-then-length order.
 */

import { randomIndex, sampleDistinct } from './random';
import { PAGE_BITS, PAGE_MASK, StringIndex, resizeTypedPage, type SlotColumns } from '../string-index';
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

/** Slots in a full chunk (split in halves when full). */
export const CHUNK = 256;
/** A chunk this short merges with a neighbour when both fit in half a chunk. */
const MERGE_BELOW = CHUNK >>> 3;

/** An entry handed out: a copy, not a view (safe across writes). */
function entry(member: string, score: number): ZEntry {
  return { member, score };
}

/** A sorted set as member index + score column + chunked order (see the file comment). */
export class ZTable implements SlotColumns, Iterable<ZEntry> {
  private readonly ix = new StringIndex(this, 4);
  private scores: Float64Array[] = [];
  /** sorted chunks of slot numbers; none is empty */
  private chunks: Int32Array[] = [];
  private lens: number[] = [];
  /** Fenwick tree (1-based) over lens */
  private fw = new Int32Array(1);
  /** result of locate()/seek(): chunk and position */
  private c = 0;
  private i = 0;

  /** The member index (Database.warm reads ahead in it). */
  get index(): StringIndex {
    return this.ix;
  }

  /** Number of members (ZCARD). */
  get size(): number {
    return this.ix.size;
  }

  // --- columns ---------------------------------------------------------------

  private scoreAt(s: number): number {
    return this.scores[s >>> PAGE_BITS][s & PAGE_MASK];
  }

  private memberAt(s: number): string {
    return this.ix.keyAt(s) as string;
  }

  /** @internal SlotColumns */
  resizePage(p: number, n: number): void {
    resizeTypedPage(this.scores, p, n, (k) => new Float64Array(k));
  }

  /** @internal SlotColumns */
  dropPage(): void {
    this.scores.pop();
  }

  /** @internal SlotColumns: the index moved the last slot's member into `to`; its score and order entry follow. */
  moveSlot(from: number, to: number): void {
    const score = this.scoreAt(from);
    this.scores[to >>> PAGE_BITS][to & PAGE_MASK] = score;
    this.locate(score, this.memberAt(to));
    this.chunks[this.c][this.i] = to;
  }

  // --- the order ---------------------------------------------------------------

  /** The order entry at slot s sorts before (score, member). */
  private before(s: number, score: number, member: string): boolean {
    const v = this.scoreAt(s);
    return v < score || (v === score && this.memberAt(s) < member);
  }

  /** Sets c, i to the first position not before (score, member) (c = last chunk, i = its length when all are). */
  private locate(score: number, member: string): void {
    const chunks = this.chunks;
    const lens = this.lens;
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.before(chunks[mid][lens[mid] - 1], score, member)) lo = mid + 1;
      else hi = mid;
    }
    const ch = chunks[lo];
    let a = 0;
    let b = lens[lo];
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (this.before(ch[mid], score, member)) a = mid + 1;
      else b = mid;
    }
    this.c = lo;
    this.i = a;
  }

  /** Number of leading entries for which `pred` holds (pred true on a prefix of the order). */
  private countPrefix(pred: (s: number) => boolean): number {
    const chunks = this.chunks;
    const lens = this.lens;
    const nc = chunks.length;
    if (nc === 0) return 0;
    let lo = 0;
    let hi = nc;
    // first chunk whose last entry fails
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pred(chunks[mid][lens[mid] - 1])) lo = mid + 1;
      else hi = mid;
    }
    if (lo === nc) return this.ix.size;
    const ch = chunks[lo];
    let a = 0;
    let b = lens[lo];
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (pred(ch[mid])) a = mid + 1;
      else b = mid;
    }
    return this.prefix(lo) + a;
  }

  /** Entries in chunks [0, c). */
  private prefix(c: number): number {
    const fw = this.fw;
    let sum = 0;
    for (let k = c; k > 0; k -= k & -k) sum += fw[k];
    return sum;
  }

  private fwAdd(c: number, d: number): void {
    const fw = this.fw;
    const n = this.chunks.length;
    for (let k = c + 1; k <= n; k += k & -k) fw[k] += d;
  }

  /** Rebuild the Fenwick tree after chunks came or went. */
  private rebuild(): void {
    const n = this.chunks.length;
    if (this.fw.length < n + 1 || this.fw.length > 4 * (n + 1)) this.fw = new Int32Array(2 * n + 2);
    const fw = this.fw;
    fw.fill(0);
    for (let k = 1; k <= n; k++) {
      fw[k] += this.lens[k - 1];
      const up = k + (k & -k);
      if (up <= n) fw[up] += fw[k];
    }
  }

  /** Sets c, i to the entry of 0-based rank r (0 <= r < size). */
  private seek(r: number): void {
    const fw = this.fw;
    const n = this.chunks.length;
    let pos = 0;
    let rem = r;
    let step = 1;
    while (step * 2 <= n) step *= 2;
    for (; step > 0; step >>>= 1) {
      if (pos + step <= n && fw[pos + step] <= rem) {
        pos += step;
        rem -= fw[pos];
      }
    }
    this.c = pos;
    this.i = rem;
  }

  /** Slot at 0-based rank r (0 <= r < size). */
  private slotAtRank(r: number): number {
    this.seek(r);
    return this.chunks[this.c][this.i];
  }

  /** Put slot s (its score and member already in the columns) in the order. */
  private link(s: number, score: number, member: string): void {
    if (this.chunks.length === 0) {
      const ch = new Int32Array(CHUNK);
      ch[0] = s;
      this.chunks.push(ch);
      this.lens.push(1);
      this.rebuild();
      return;
    }
    this.locate(score, member);
    let c = this.c;
    let i = this.i;
    if (this.lens[c] === CHUNK) {
      const half = CHUNK >>> 1;
      const upper = new Int32Array(CHUNK);
      upper.set(this.chunks[c].subarray(half, CHUNK));
      this.chunks.splice(c + 1, 0, upper);
      this.lens[c] = half;
      this.lens.splice(c + 1, 0, CHUNK - half);
      this.rebuild();
      if (i > half) {
        c++;
        i -= half;
      }
    }
    const ch = this.chunks[c];
    const len = this.lens[c];
    if (i < len) ch.copyWithin(i + 1, i, len);
    ch[i] = s;
    this.lens[c] = len + 1;
    this.fwAdd(c, 1);
  }

  /** Take the entry at chunk c, position i out of the order. */
  private unlinkAt(c: number, i: number): void {
    const ch = this.chunks[c];
    const len = this.lens[c] - 1;
    if (i < len) ch.copyWithin(i, i + 1, len + 1);
    this.lens[c] = len;
    if (len === 0) {
      this.chunks.splice(c, 1);
      this.lens.splice(c, 1);
      this.rebuild();
      return;
    }
    if (len < MERGE_BELOW) {
      // merge into the left neighbour, or take the right one in
      const left = c > 0 && this.lens[c - 1] + len <= CHUNK >>> 1 ? c - 1 : -1;
      const right = left < 0 && c + 1 < this.chunks.length && this.lens[c + 1] + len <= CHUNK >>> 1 ? c + 1 : -1;
      const into = left >= 0 ? left : right >= 0 ? c : -1;
      if (into >= 0) {
        const from = into + 1;
        this.chunks[into].set(this.chunks[from].subarray(0, this.lens[from]), this.lens[into]);
        this.lens[into] += this.lens[from];
        this.chunks.splice(from, 1);
        this.lens.splice(from, 1);
        this.rebuild();
        return;
      }
    }
    this.fwAdd(c, -1);
  }

  /** Remove slot s (located at c, i in the order) from everything. */
  private removeSlot(s: number, c: number, i: number): void {
    this.unlinkAt(c, i);
    this.ix.removeAt(s);
  }

  // --- writes ------------------------------------------------------------------

  /**
   * ZADD of one member (no flags: the caller applies NX/XX/GT/LT/INCR/CH using
   * score()). Adds or moves the member; 'unchanged' when the score is equal.
   * `score` must not be NaN.
   */
  add(member: string, score: number): ZAddResult {
    let s = this.ix.find(member);
    if (s >= 0) {
      const old = this.scoreAt(s);
      if (old === score) return 'unchanged';
      this.locate(old, member);
      const c = this.c;
      const i = this.i;
      const ch = this.chunks[c];
      // in place when the neighbours keep it in order (zslUpdateScore)
      const prev = i > 0 ? ch[i - 1] : c > 0 ? this.chunks[c - 1][this.lens[c - 1] - 1] : -1;
      const next = i + 1 < this.lens[c] ? ch[i + 1] : c + 1 < this.chunks.length ? this.chunks[c + 1][0] : -1;
      this.scores[s >>> PAGE_BITS][s & PAGE_MASK] = score;
      if ((prev < 0 || this.scoreAt(prev) < score) && (next < 0 || this.scoreAt(next) > score)) return 'updated';
      this.unlinkAt(c, i);
      this.link(s, score, member);
      return 'updated';
    }
    s = this.ix.insert(member);
    this.scores[s >>> PAGE_BITS][s & PAGE_MASK] = score;
    this.link(s, score, member);
    return 'added';
  }

  /** ZREM of one member; true when it was present. */
  remove(member: string): boolean {
    const s = this.ix.find(member);
    if (s < 0) return false;
    this.locate(this.scoreAt(s), member);
    this.removeSlot(s, this.c, this.i);
    return true;
  }

  // --- reads -------------------------------------------------------------------

  /** ZSCORE: the member's score, undefined when absent. */
  score(member: string): number | undefined {
    const s = this.ix.find(member);
    return s < 0 ? undefined : this.scoreAt(s);
  }

  /** True when the member is present. */
  has(member: string): boolean {
    return this.ix.find(member) >= 0;
  }

  private entryOf(s: number): ZEntry {
    return entry(this.memberAt(s), this.scoreAt(s));
  }

  /** ZRANK / ZREVRANK: 0-based rank, undefined when absent. */
  rank(member: string, reverse = false): number | undefined {
    const s = this.ix.find(member);
    if (s < 0) return undefined;
    this.locate(this.scoreAt(s), member);
    const r = this.prefix(this.c) + this.i;
    return reverse ? this.ix.size - 1 - r : r;
  }

  /** The entry at 0-based rank (negative counts from the end), undefined when out of range. */
  getByRank(rank: number, reverse = false): ZEntry | undefined {
    const len = this.ix.size;
    if (rank < 0) rank += len;
    if (rank < 0 || rank >= len) return undefined;
    return this.entryOf(this.slotAtRank(reverse ? len - 1 - rank : rank));
  }

  /** Up to `n` entries from 0-based rank r walking up (or down with `reverse`), appended to out. */
  private walk(r: number, n: number, reverse: boolean, out: ZEntry[], keep?: (s: number) => boolean): void {
    if (r < 0 || r >= this.ix.size || n <= 0) return;
    this.seek(r);
    let c = this.c;
    let i = this.i;
    const chunks = this.chunks;
    const lens = this.lens;
    for (let k = 0; k < n; k++) {
      const s = chunks[c][i];
      if (keep !== undefined && !keep(s)) return;
      out.push(this.entryOf(s));
      if (reverse) {
        if (--i < 0) {
          if (--c < 0) return;
          i = lens[c] - 1;
        }
      } else if (++i === lens[c]) {
        if (++c === chunks.length) return;
        i = 0;
      }
    }
  }

  /**
   * ZRANGE key start stop [REV] (by index): inclusive, with Redis's index
   * normalisation; `reverse` counts ranks from the highest score.
   */
  rangeByRank(start: number, stop: number, reverse = false): ZEntry[] {
    const len = this.ix.size;
    if (start < 0) start += len;
    if (stop < 0) stop += len;
    if (start < 0) start = 0;
    if (start > stop || start >= len) return [];
    if (stop >= len) stop = len - 1;
    const out: ZEntry[] = [];
    this.walk(reverse ? len - 1 - start : start, stop - start + 1, reverse, out);
    return out;
  }

  /** Number of entries whose score fails the min side (all come first). */
  private countBelowScore(r: ScoreRange): number {
    return this.countPrefix((s) => !scoreGteMin(this.scoreAt(s), r));
  }

  /** Number of entries whose score passes the max side (a prefix). */
  private countUpToScore(r: ScoreRange): number {
    return this.countPrefix((s) => scoreLteMax(this.scoreAt(s), r));
  }

  /**
   * ZRANGEBYSCORE / ZREVRANGEBYSCORE / ZRANGE BYSCORE [REV] [LIMIT offset count]:
   * entries in the score range, skipping `offset` (negative = nothing
   * returned), at most `count` (negative = no limit). Reverse walks from max.
   */
  rangeByScore(range: ScoreRange, offset = 0, count = -1, reverse = false): ZEntry[] {
    const out: ZEntry[] = [];
    if (offset < 0 || count === 0 || this.ix.size === 0 || scoreRangeEmpty(range)) return out;
    const lo = this.countBelowScore(range); // ranks lo .. hi-1 are in range
    const hi = this.countUpToScore(range);
    const avail = hi - lo - offset;
    if (avail <= 0) return out;
    const n = count < 0 || count > avail ? avail : count;
    this.walk(reverse ? hi - 1 - offset : lo + offset, n, reverse, out);
    return out;
  }

  /** ZCOUNT key min max, in O(log n). */
  countInScoreRange(range: ScoreRange): number {
    if (this.ix.size === 0 || scoreRangeEmpty(range)) return 0;
    const d = this.countUpToScore(range) - this.countBelowScore(range);
    return d > 0 ? d : 0;
  }

  /** zslIsInLexRange: non-empty range that overlaps [first, last] member. */
  private lexInRange(r: LexRange): boolean {
    const n = this.ix.size;
    if (n === 0 || lexRangeEmpty(r)) return false;
    return lexGteMin(this.memberAt(this.slotAtRank(n - 1)), r.min) && lexLteMax(this.memberAt(this.slotAtRank(0)), r.max);
  }

  /** Rank (1-based) of the first entry at or after the lex min, or 0 (zslNthInLexRange). */
  private firstLexRank(r: LexRange): number {
    if (!this.lexInRange(r)) return 0;
    const rank = this.countPrefix((s) => !lexGteMin(this.memberAt(s), r.min));
    if (rank >= this.ix.size || !lexLteMax(this.memberAt(this.slotAtRank(rank)), r.max)) return 0;
    return rank + 1;
  }

  /** Rank (1-based) of the last entry at or before the lex max, or 0. */
  private lastLexRank(r: LexRange): number {
    if (!this.lexInRange(r)) return 0;
    const rank = this.countPrefix((s) => lexLteMax(this.memberAt(s), r.max));
    if (rank === 0 || !lexGteMin(this.memberAt(this.slotAtRank(rank - 1)), r.min)) return 0;
    return rank;
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
    if (s < 1 || s > this.ix.size) return out;
    const inside = reverse ? (x: number) => lexGteMin(this.memberAt(x), range.min) : (x: number) => lexLteMax(this.memberAt(x), range.max);
    this.walk(s - 1, count < 0 ? this.ix.size : count, reverse, out, inside);
    return out;
  }

  /** ZLEXCOUNT key min max, in O(log n). */
  countInLexRange(range: LexRange): number {
    const a = this.firstLexRank(range);
    if (a === 0) return 0;
    const b = this.lastLexRank(range);
    return b >= a ? b - a + 1 : 0;
  }

  // --- range deletions -----------------------------------------------------------

  /** Deletes up to `max` entries from 0-based rank `first` on while `inRange` holds; returns the count. */
  private deleteRun(first: number, max: number, inRange: (s: number) => boolean): number {
    let removed = 0;
    while (removed < max && first < this.ix.size) {
      this.seek(first);
      const s = this.chunks[this.c][this.i];
      if (!inRange(s)) break;
      this.removeSlot(s, this.c, this.i);
      removed++;
    }
    return removed;
  }

  /** ZREMRANGEBYSCORE key min max: returns the number removed. */
  deleteRangeByScore(range: ScoreRange): number {
    if (this.ix.size === 0 || scoreRangeEmpty(range)) return 0;
    const lo = this.countBelowScore(range);
    const hi = this.countUpToScore(range);
    if (hi <= lo) return 0;
    return this.deleteRun(lo, hi - lo, () => true);
  }

  /** ZREMRANGEBYLEX key min max: returns the number removed. */
  deleteRangeByLex(range: LexRange): number {
    const first = this.firstLexRank(range);
    if (first === 0) return 0;
    return this.deleteRun(first - 1, Infinity, (s) => lexLteMax(this.memberAt(s), range.max));
  }

  /** ZREMRANGEBYRANK key start stop (0-based, Redis index normalisation): returns the number removed. */
  deleteRangeByRank(start: number, stop: number): number {
    const len = this.ix.size;
    if (start < 0) start += len;
    if (stop < 0) stop += len;
    if (start < 0) start = 0;
    if (start > stop || start >= len) return 0;
    if (stop >= len) stop = len - 1;
    return this.deleteRun(start, stop - start + 1, () => true);
  }

  /** ZPOPMIN key [count]: removes and returns up to `count` lowest entries, lowest first. */
  popMin(count = 1): ZEntry[] {
    const out: ZEntry[] = [];
    while (count-- > 0 && this.ix.size > 0) {
      const s = this.chunks[0][0];
      out.push(this.entryOf(s));
      this.removeSlot(s, 0, 0);
    }
    return out;
  }

  /** ZPOPMAX key [count]: removes and returns up to `count` highest entries, highest first. */
  popMax(count = 1): ZEntry[] {
    const out: ZEntry[] = [];
    while (count-- > 0 && this.ix.size > 0) {
      const c = this.chunks.length - 1;
      const i = this.lens[c] - 1;
      const s = this.chunks[c][i];
      out.push(this.entryOf(s));
      this.removeSlot(s, c, i);
    }
    return out;
  }

  /** Lowest entry, undefined when empty. */
  first(): ZEntry | undefined {
    return this.ix.size === 0 ? undefined : this.entryOf(this.chunks[0][0]);
  }

  /** Highest entry, undefined when empty. */
  last(): ZEntry | undefined {
    const c = this.chunks.length - 1;
    return c < 0 ? undefined : this.entryOf(this.chunks[c][this.lens[c] - 1]);
  }

  // --- random / scan / iteration -------------------------------------------------

  /**
   * ZRANDMEMBER key count [WITHSCORES]: count > 0 gives min(count, size)
   * distinct entries (all of them, in order, when count >= size), count < 0
   * gives |count| entries drawn with repetition, 0 gives nothing.
   */
  randomMembers(count: number): ZEntry[] {
    const n = this.ix.size;
    if (n === 0 || count === 0) return [];
    if (count < 0) {
      const k = -count;
      const out = new Array<ZEntry>(k);
      for (let i = 0; i < k; i++) out[i] = this.entryOf(randomIndex(n));
      return out;
    }
    if (count >= n) return this.toArray();
    const picks = sampleDistinct(n, count);
    const out = new Array<ZEntry>(count);
    for (let i = 0; i < count; i++) out[i] = this.entryOf(picks[i]);
    return out;
  }

  /** ZRANDMEMBER key: one random entry, undefined when empty. */
  randomMember(): ZEntry | undefined {
    const n = this.ix.size;
    return n === 0 ? undefined : this.entryOf(randomIndex(n));
  }

  /**
   * ZSCAN step: appends entries to `out`, returns the next cursor (0 = done).
   * See RHash.scan for the cursor's meaning and guarantee.
   */
  scan(cursor: number, count: number, out: ZEntry[]): number {
    const n = this.ix.size;
    let c = cursor === 0 || cursor > n ? n : cursor;
    let k = count > 0 ? count : 1;
    while (c > 0 && k > 0) {
      c--;
      k--;
      out.push(this.entryOf(c));
    }
    return c;
  }

  /** All entries in order. */
  toArray(): ZEntry[] {
    const out = new Array<ZEntry>(this.ix.size);
    let k = 0;
    for (let c = 0; c < this.chunks.length; c++) {
      const ch = this.chunks[c];
      for (let i = 0; i < this.lens[c]; i++) out[k++] = this.entryOf(ch[i]);
    }
    return out;
  }

  /** Iterates entries lowest to highest. */
  *[Symbol.iterator](): Iterator<ZEntry> {
    for (let c = 0; c < this.chunks.length; c++) {
      for (let i = 0; i < this.lens[c]; i++) yield this.entryOf(this.chunks[c][i]);
    }
  }

  /** Iterates entries highest to lowest. */
  *reversed(): IterableIterator<ZEntry> {
    for (let c = this.chunks.length - 1; c >= 0; c--) {
      for (let i = this.lens[c] - 1; i >= 0; i--) yield this.entryOf(this.chunks[c][i]);
    }
  }

  /** Heap bytes outside the member strings: index, key and score columns, the chunks (~250 bytes of objects each), the Fenwick tree. */
  bytes(): number {
    const nc = this.chunks.length;
    return 96 + this.ix.bytes() + 8 * this.ix.capacity + 32 * this.scores.length + nc * (4 * CHUNK + 250 + 16) + 4 * this.fw.length;
  }

  /** Self-check: order strictly increasing, every slot once, chunk lengths and the Fenwick tree agree; throws on corruption. For tests. */
  verify(): void {
    const n = this.ix.size;
    const seen = new Uint8Array(n);
    let total = 0;
    let prev = -1;
    for (let c = 0; c < this.chunks.length; c++) {
      const len = this.lens[c];
      if (len <= 0 || len > CHUNK) throw new Error(`bad chunk length ${len}`);
      if (this.prefix(c) !== total) throw new Error('bad fenwick prefix');
      for (let i = 0; i < len; i++) {
        const s = this.chunks[c][i];
        if (s < 0 || s >= n || seen[s] !== 0) throw new Error(`bad slot ${s}`);
        seen[s] = 1;
        if (prev >= 0 && !this.before(prev, this.scoreAt(s), this.memberAt(s))) throw new Error('bad order');
        if (this.ix.find(this.memberAt(s)) !== s) throw new Error('index mismatch');
        prev = s;
      }
      total += len;
    }
    if (total !== n || this.ix.end !== n) throw new Error('bad length');
  }
}
