/**
 * The listpack encoding of a sorted set (t_zset.c's zzl* functions): one
 * latin1 string of Redis's listpack bytes holding member, score, member,
 * score... sorted by (score, member bytes). A score is stored as Redis's
 * zzlInsertAt stores it: an integral score within +-2^62 as an integer entry
 * (so -0 becomes 0), any other as its d2string text ("1.5", "inf").
 *
 * Every function takes the listpack and returns a result or a new listpack;
 * positions are the codec's byte offsets (of a member entry unless said).
 */

import { d2string } from '../../util/number-format';
import { strtod } from './float';
import {
  LP_EMPTY,
  LpBuilder,
  lpCompare,
  lpDeleteAt,
  lpFind,
  lpFirst,
  lpGet,
  lpGetInt,
  lpGetLength,
  lpInsertAt,
  lpIsInt,
  lpLast,
  lpLength,
  lpNext,
  lpPrev,
  lpSeek,
  lpSkip,
} from '../listpack';
import {
  type LexRange,
  type ScoreRange,
  type ZEntry,
  lexGteMin,
  lexLteMax,
  lexRangeEmpty,
  scoreGteMin,
  scoreLteMax,
  scoreRangeEmpty,
} from './zset-range';

export { LP_EMPTY as ZZL_EMPTY };

/** double2ll's range: (double)(LLONG_MAX / 2). */
const LL_HALF = 4611686018427387904;

/** The text a score is stored as (canonical integers become integer entries in lpWrite). */
export function zzlScoreText(score: number): string {
  if (Number.isInteger(score) && score >= -LL_HALF && score <= LL_HALF) {
    return Number.isSafeInteger(score) ? String(score === 0 ? 0 : score) : BigInt(score).toString();
  }
  return d2string(score);
}

/**
 * zzlStrtod: a score held as text, as Redis reads it back: C's strtod on at
 * most its first 127 bytes, whatever follows ignored, 0 when nothing parses
 * (a corrupt payload can hold any text there; Redis's deep sanitization does
 * not look at scores).
 */
export function zzlStrtod(text: string): number {
  const s = text.length > 127 ? text.slice(0, 127) : text;
  // what d2string writes ("1.5", "-2.5e-07", "1e+17") is a JS number literal: parse it natively
  let plain = s.length > 0;
  for (let i = 0; i < s.length && plain; i++) {
    const c = s.charCodeAt(i);
    plain = (c >= 48 && c <= 57) || c === 46 || c === 101 || c === 45 || c === 43;
  }
  if (plain) {
    const v = +s;
    if (v === v) return v;
  }
  return strtod(s).value;
}

/** zzlGetScore: the score entry at sp. */
export function zzlScore(lp: string, sp: number): number {
  if (lpIsInt(lp, sp)) return Number(lpGetInt(lp, sp));
  return zzlStrtod(lpGet(lp, sp));
}

/** Number of members. */
export function zzlLength(lp: string): number {
  return lpLength(lp) >>> 1;
}

/** The entry (member, score) whose member is at p. */
export function zzlEntry(lp: string, p: number): ZEntry {
  return { member: lpGet(lp, p), score: zzlScore(lp, lpSkip(lp, p)) };
}

/** Position of the member, -1 when absent (zzlFind). */
export function zzlFind(lp: string, member: string): number {
  return lpFind(lp, member, 1);
}

/** zzlInsert: the member added at its place by (score, member); the member must be absent. */
export function zzlInsert(lp: string, member: string, score: number): string {
  const items = [member, zzlScoreText(score)];
  for (let p = lpFirst(lp); p >= 0; ) {
    const sp = lpSkip(lp, p);
    const s = zzlScore(lp, sp);
    if (s > score || (s === score && lpCompare(lp, p, member) > 0)) return lpInsertAt(lp, p, items);
    p = lpNext(lp, sp);
  }
  return lpInsertAt(lp, lp.length - 1, items);
}

/** zzlDelete of the member at p (and its score). */
export function zzlDelete(lp: string, p: number): string {
  return lpDeleteAt(lp, p, 2);
}

/** n members (and their scores) deleted from the member at p on. */
export function zzlDeleteRange(lp: string, p: number, n: number): string {
  return lpDeleteAt(lp, p, 2 * n);
}

/** 0-based rank of the member at p. */
export function zzlRankOf(lp: string, p: number): number {
  let r = 0;
  for (let q = lpFirst(lp); q >= 0 && q < p; q = lpNext(lp, lpSkip(lp, q))) r++;
  return r;
}

/** Position of the member of 0-based rank r (negative: from the end), -1 out of range. */
export function zzlSeekRank(lp: string, r: number): number {
  return r >= 0 ? lpSeek(lp, 2 * r) : lpSeek(lp, 2 * r);
}

/** Member position before the one at p, -1 at the start. */
export function zzlPrev(lp: string, p: number): number {
  const sp = lpPrev(lp, p);
  return sp < 0 ? -1 : lpPrev(lp, sp);
}

/** Member position after the one at p, -1 at the end. */
export function zzlNext(lp: string, p: number): number {
  return lpNext(lp, lpSkip(lp, p));
}

/** Position of the last member, -1 when empty. */
export function zzlLast(lp: string): number {
  const sp = lpLast(lp);
  return sp < 0 ? -1 : lpPrev(lp, sp);
}

/** ZRANGE by index on the listpack (indexes already normalised: 0 <= start <= stop < length). */
export function zzlRangeByRank(lp: string, start: number, cnt: number, reverse: boolean): ZEntry[] {
  const out = new Array<ZEntry>(cnt);
  if (reverse) {
    let p = zzlSeekRank(lp, -1 - start);
    for (let k = 0; k < cnt && p >= 0; k++, p = zzlPrev(lp, p)) out[k] = zzlEntry(lp, p);
  } else {
    let p = zzlSeekRank(lp, start);
    for (let k = 0; k < cnt && p >= 0; k++, p = zzlNext(lp, p)) out[k] = zzlEntry(lp, p);
  }
  return out;
}

/** [position of the first member in range, how many are in range] by score; [-1, 0] for none. */
export function zzlScoreSpan(lp: string, r: ScoreRange): [number, number] {
  if (scoreRangeEmpty(r)) return [-1, 0];
  let first = -1;
  let n = 0;
  for (let p = lpFirst(lp); p >= 0; ) {
    const sp = lpSkip(lp, p);
    const s = zzlScore(lp, sp);
    if (first < 0) {
      if (scoreGteMin(s, r)) {
        if (!scoreLteMax(s, r)) break;
        first = p;
        n = 1;
      }
    } else if (scoreLteMax(s, r)) n++;
    else break;
    p = lpNext(lp, sp);
  }
  return [first, n];
}

/** ZRANGEBYSCORE & co on the listpack (offset >= 0, count < 0 = all). */
export function zzlRangeByScore(lp: string, r: ScoreRange, offset: number, count: number, reverse: boolean): ZEntry[] {
  const out: ZEntry[] = [];
  const [first, n] = zzlScoreSpan(lp, r);
  if (first < 0) return out;
  const avail = n - offset;
  if (avail <= 0) return out;
  const take = count < 0 || count > avail ? avail : count;
  let p = first;
  if (reverse) for (let k = n - 1 - offset; k > 0; k--) p = zzlNext(lp, p);
  else for (let k = offset; k > 0; k--) p = zzlNext(lp, p);
  for (let k = 0; k < take && p >= 0; k++) {
    out.push(zzlEntry(lp, p));
    p = reverse ? zzlPrev(lp, p) : zzlNext(lp, p);
  }
  return out;
}

/** zzlIsInLexRange: a non-empty range overlapping [first member, last member]. */
function lexInRange(lp: string, r: LexRange): boolean {
  if (lexRangeEmpty(r)) return false;
  const f = lpFirst(lp);
  if (f < 0) return false;
  return lexGteMin(lpGet(lp, zzlLast(lp)), r.min) && lexLteMax(lpGet(lp, f), r.max);
}

/** zzlFirstInLexRange: position of the first member at or after min when it is within max, else -1. */
export function zzlFirstInLex(lp: string, r: LexRange): number {
  if (!lexInRange(lp, r)) return -1;
  for (let p = lpFirst(lp); p >= 0; p = zzlNext(lp, p)) {
    const m = lpGet(lp, p);
    if (lexGteMin(m, r.min)) return lexLteMax(m, r.max) ? p : -1;
  }
  return -1;
}

/** zzlLastInLexRange: position of the last member at or before max when it is within min, else -1. */
export function zzlLastInLex(lp: string, r: LexRange): number {
  if (!lexInRange(lp, r)) return -1;
  for (let p = zzlLast(lp); p >= 0; p = zzlPrev(lp, p)) {
    const m = lpGet(lp, p);
    if (lexLteMax(m, r.max)) return lexGteMin(m, r.min) ? p : -1;
  }
  return -1;
}

/** ZRANGEBYLEX & co on the listpack (offset >= 0, count < 0 = all), walking as genericZrangebylexCommand does. */
export function zzlRangeByLex(lp: string, r: LexRange, offset: number, count: number, reverse: boolean): ZEntry[] {
  const out: ZEntry[] = [];
  let p = reverse ? zzlLastInLex(lp, r) : zzlFirstInLex(lp, r);
  for (let k = offset; k > 0 && p >= 0; k--) p = reverse ? zzlPrev(lp, p) : zzlNext(lp, p);
  let left = count < 0 ? Infinity : count;
  while (p >= 0 && left > 0) {
    const m = lpGet(lp, p);
    if (reverse ? !lexGteMin(m, r.min) : !lexLteMax(m, r.max)) break;
    out.push({ member: m, score: zzlScore(lp, lpSkip(lp, p)) });
    left--;
    p = reverse ? zzlPrev(lp, p) : zzlNext(lp, p);
  }
  return out;
}

/** ZLEXCOUNT on the listpack. */
export function zzlCountInLex(lp: string, r: LexRange): number {
  let n = 0;
  for (let p = zzlFirstInLex(lp, r); p >= 0; p = zzlNext(lp, p)) {
    if (!lexLteMax(lpGet(lp, p), r.max)) break;
    n++;
  }
  return n;
}

/** All entries in order. */
export function zzlToArray(lp: string): ZEntry[] {
  const out: ZEntry[] = [];
  for (let p = lpFirst(lp); p >= 0; p = zzlNext(lp, p)) out.push(zzlEntry(lp, p));
  return out;
}

/** Longest member (for the zset-max-listpack-value check). */
export function zzlMaxMemberLength(lp: string): number {
  let max = 0;
  for (let p = lpFirst(lp); p >= 0; p = zzlNext(lp, p)) {
    const l = lpGetLength(lp, p);
    if (l > max) max = l;
  }
  return max;
}

const builder = new LpBuilder(1024);

/** A listpack of entries already sorted by (score, member) with distinct members. */
export function zzlFromSorted(entries: Iterable<ZEntry>): string {
  const b = builder.reset();
  for (const e of entries) b.add(e.member).add(zzlScoreText(e.score));
  return b.toString();
}
