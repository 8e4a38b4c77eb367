/**
 * Sorted-set vocabulary shared by both encodings (zset-listpack.ts and
 * zset-table.ts): entries, limits, score and lex ranges and their tests.
 */

import { parseScoreBound } from './float';

/** A member with its score, in sorted order. */
export interface ZEntry {
  readonly member: string;
  readonly score: number;
}

/** zset-max-listpack-entries / zset-max-listpack-value. */
export interface ZSetLimits {
  readonly maxListpackEntries: number;
  readonly maxListpackValue: number;
}

/** Redis 7.0 defaults: zset-max-listpack-entries 128, zset-max-listpack-value 64. */
export const DEFAULT_ZSET_LIMITS: ZSetLimits = { maxListpackEntries: 128, maxListpackValue: 64 };

/** A score interval as zslParseRange produces it ('(' = exclusive). */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** One end of a lex interval: `[a` {a, false, 0}, `(a` {a, true, 0}, `-` {.., inf -1}, `+` {.., inf 1}. */
export interface LexBound {
  value: string;
  exclusive: boolean;
  inf: -1 | 0 | 1;
}

/** A lex interval (ZRANGEBYLEX, ZLEXCOUNT, ZREMRANGEBYLEX). */
export interface LexRange {
  min: LexBound;
  max: LexBound;
}

/** What ZADD did to one member. */
export type ZAddResult = 'added' | 'updated' | 'unchanged';

/**
 * ZRANGEBYSCORE/ZCOUNT/... min and max parsing (zslParseRange); null means
 * "ERR min or max is not a float".
 */
export function parseScoreRange(min: string, max: string): ScoreRange | null {
  const a = parseScoreBound(min);
  if (a === null) return null;
  const b = parseScoreBound(max);
  if (b === null) return null;
  return { min: a.value, max: b.value, minex: a.exclusive, maxex: b.exclusive };
}

/**
 * One lex bound as zslParseLexRangeItem reads it: "-", "+", "(value",
 * "[value"; null means "ERR min or max not valid string range item".
 */
export function parseLexBound(s: string): LexBound | null {
  const c = s.charCodeAt(0);
  if (c === 43 /* + */ || c === 45 /* - */) {
    // C-string check: the byte after the sign must be the terminator.
    if (s.length > 1 && s.charCodeAt(1) !== 0) return null;
    return { value: '', exclusive: true, inf: c === 43 ? 1 : -1 };
  }
  if (c === 40 /* ( */) return { value: s.slice(1), exclusive: true, inf: 0 };
  if (c === 91 /* [ */) return { value: s.slice(1), exclusive: false, inf: 0 };
  return null;
}

/** Both lex bounds (zslParseLexRange); null when either is invalid. */
export function parseLexRange(min: string, max: string): LexRange | null {
  const a = parseLexBound(min);
  if (a === null) return null;
  const b = parseLexBound(max);
  if (b === null) return null;
  return { min: a, max: b };
}

/** v >= min (or > for an exclusive min). */
export function scoreGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}

/** v <= max (or < for an exclusive max). */
export function scoreLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

/** sdscmplex: -inf < any string < +inf; equal infinities compare equal. */
export function cmpLex(a: LexBound, b: LexBound): number {
  if (a.inf !== 0 && a.inf === b.inf) return 0;
  if (a.inf === -1 || b.inf === 1) return -1;
  if (a.inf === 1 || b.inf === -1) return 1;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/** v is at or above the lex min bound. */
export function lexGteMin(v: string, b: LexBound): boolean {
  if (b.inf !== 0) return b.inf < 0;
  return b.exclusive ? v > b.value : v >= b.value;
}

/** v is at or below the lex max bound. */
export function lexLteMax(v: string, b: LexBound): boolean {
  if (b.inf !== 0) return b.inf > 0;
  return b.exclusive ? v < b.value : v <= b.value;
}

/** No score can be in the range. */
export function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}

/** No string can be in the range. */
export function lexRangeEmpty(r: LexRange): boolean {
  const c = cmpLex(r.min, r.max);
  return c > 0 || (c === 0 && (r.min.exclusive || r.max.exclusive));
}

