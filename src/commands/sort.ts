/**
 * SORT and SORT_RO (sort.c) over lists, sets and sorted sets: numeric or
 * ALPHA order, ASC/DESC, LIMIT, BY pattern (a pattern without `*` means "do
 * not sort"), GET patterns (`#` for the element, `key*->field` for hash
 * fields) and STORE into a list. Ties and orders follow Redis 7.0: glibc's
 * qsort is a stable merge sort, numeric ties fall back to a binary compare of
 * the elements, and ALPHA compares with strcoll in the C locale.
 */
import { cmd, type CommandSpec } from './spec';
import { RedisError, Err } from '../protocol/errors';
import { lookupRead, isOpt, textOf } from './util';
import { listLimits, longArg } from './collection-util';
import { strtod } from '../keyspace/types/float';
import { RList } from '../keyspace/types/list';
import type { RZSet } from '../keyspace/types/zset';
import type { Client } from '../server/client';

/** One element being sorted (redisSortObject). */
interface SortItem {
  obj: string;
  score: number;
  /** BY value for ALPHA sorts by pattern; null when the key/field is missing */
  cmp: string | null;
}

/** Index of `ch` in the C string view of `s` (bytes up to the first NUL), or -1. */
function cIndexOf(s: string, ch: string, from = 0): number {
  const nul = s.indexOf('\0');
  const i = s.indexOf(ch, from);
  return i < 0 || (nul >= 0 && i > nul) ? -1 : i;
}

/**
 * lookupKeyByPattern: `#` is the element itself; otherwise the first `*` is
 * replaced by the element to name a key, whose string value is returned, or
 * with `->field` after the `*`, that hash field. Missing keys, wrong types
 * and patterns without `*` give null.
 */
function lookupByPattern(c: Client, pattern: string, subst: string): string | null {
  if (pattern.charCodeAt(0) === 35 && (pattern.length === 1 || pattern.charCodeAt(1) === 0)) return subst;
  const p = cIndexOf(pattern, '*');
  if (p < 0) return null;
  const f = cIndexOf(pattern, '->', p + 1);
  let fieldLen = 0;
  let field: string | null = null;
  if (f >= 0 && f + 2 < pattern.length && pattern.charCodeAt(f + 2) !== 0) {
    fieldLen = pattern.length - f - 2;
    field = pattern.slice(f + 2);
  }
  const postfixLen = pattern.length - (p + 1) - (field !== null ? fieldLen + 2 : 0);
  const key = pattern.slice(0, p) + subst + pattern.slice(p + 1, p + 1 + postfixLen);
  const v = lookupRead(c, key);
  if (v === undefined) return null;
  if (field !== null) {
    if (typeof v === 'string' || v.type !== 'hash') return null;
    return v.get(field) ?? null;
  }
  return typeof v === 'string' ? v : v.type === 'string' ? textOf(v) : null;
}

/** compareStringObjects: memcmp of the common prefix, then length. */
function binaryCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** strcoll in the C locale: strcmp, i.e. bytes up to the first NUL. */
function collate(a: string, b: string): number {
  const na = a.indexOf('\0');
  const nb = b.indexOf('\0');
  const ca = na < 0 ? a : a.slice(0, na);
  const cb = nb < 0 ? b : b.slice(0, nb);
  return ca < cb ? -1 : ca > cb ? 1 : 0;
}

/**
 * Parse a BY value (or the element) as strtod does for SORT: leading blanks
 * allowed, the C string must be consumed, no overflow/underflow, not NaN.
 * The empty string is 0. Returns null on a conversion error.
 */
function sortScore(s: string): number | null {
  const r = strtod(s, 0);
  // the C string (up to a NUL) must be consumed; "" converts to 0 like strtod does
  if (r.end !== s.length && s.charCodeAt(r.end) !== 0) return null;
  if (r.erange || r.value !== r.value) return null;
  return r.value;
}

/** Keys of SORT: the sorted key, plus the last STORE destination (sortGetKeys). */
function sortGetKeys(argv: string[]): number[] {
  const keys = [1];
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (isOpt(a, 'limit')) i += 2;
    else if (isOpt(a, 'get') || isOpt(a, 'by')) i += 1;
    else if (isOpt(a, 'store') && i + 1 < argv.length) store = i + 1;
  }
  if (store > 0) keys.push(store);
  return keys;
}

/**
 * Format: SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA] [STORE destination]
 * Format: SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA]
 */
function sortGeneric(c: Client, argv: string[], readonly: boolean): void {
  let desc = false;
  let alpha = false;
  let limitStart = 0;
  let limitCount = -1;
  let dontsort = false;
  let sortby: string | null = null;
  let storeKey: string | null = null;
  const gets: string[] = [];
  for (let j = 2; j < argv.length; j++) {
    const a = argv[j];
    const left = argv.length - j - 1;
    if (isOpt(a, 'asc')) desc = false;
    else if (isOpt(a, 'desc')) desc = true;
    else if (isOpt(a, 'alpha')) alpha = true;
    else if (isOpt(a, 'limit') && left >= 2) {
      limitStart = longArg(argv[j + 1]);
      limitCount = longArg(argv[j + 2]);
      j += 2;
    } else if (!readonly && isOpt(a, 'store') && left >= 1) {
      storeKey = argv[++j];
    } else if (isOpt(a, 'by') && left >= 1) {
      sortby = argv[++j];
      // a BY pattern without '*' is constant: nothing to sort by
      if (cIndexOf(sortby, '*') < 0) dontsort = true;
    } else if (isOpt(a, 'get') && left >= 1) {
      gets.push(argv[++j]);
    } else {
      throw new RedisError(Err.syntax);
    }
  }

  const v = lookupRead(c, argv[1]);
  if (v !== undefined && (typeof v === 'string' || (v.type !== 'list' && v.type !== 'set' && v.type !== 'zset'))) {
    throw new RedisError(Err.wrongType);
  }
  // A set has no order of its own: sorting it into a key must be deterministic.
  if (dontsort && v !== undefined && typeof v !== 'string' && v.type === 'set' && storeKey !== null) {
    dontsort = false;
    alpha = true;
    sortby = null;
  }
  // Redis converts a listpack sorted set to a skiplist before sorting it (even SORT_RO).
  if (v !== undefined && typeof v !== 'string' && v.type === 'zset') {
    v.resetEncoding({ maxListpackEntries: -1, maxListpackValue: 0 });
  }

  let vectorLen = v === undefined || typeof v === 'string' ? 0 : v.type === 'list' ? v.length : v.size;
  let start = limitStart < 0 ? 0 : limitStart;
  let end = limitCount < 0 ? vectorLen - 1 : start + limitCount - 1;
  if (start >= vectorLen) {
    start = vectorLen - 1;
    end = vectorLen - 2;
  }
  if (end >= vectorLen) end = vectorLen - 1;

  let vector: SortItem[] = [];
  const item = (obj: string): SortItem => ({ obj, score: 0, cmp: null });
  if (v !== undefined && typeof v !== 'string') {
    const ordered = v.type === 'list' || v.type === 'zset';
    if (ordered && dontsort && (start !== 0 || end !== vectorLen - 1)) vectorLen = end - start + 1;
    if (v.type === 'list') {
      if (dontsort) {
        if (end >= start) {
          const len = v.length;
          const part: string[] = [];
          v.forRange(desc ? len - start - vectorLen : start, vectorLen, (x) => part.push(x));
          if (desc) part.reverse();
          for (let k = 0; k < vectorLen; k++) vector.push(item(part[k]));
          end -= start;
          start = 0;
        }
      } else {
        for (const e of v) vector.push(item(e));
      }
    } else if (v.type === 'set') {
      v.forEach((m) => vector.push(item(m)));
    } else {
      const z = v as RZSet;
      if (dontsort) {
        if (vectorLen > 0) {
          const entries = z.rangeByRank(start, start + vectorLen - 1, desc);
          for (const e of entries) vector.push(item(e.member));
        }
        end -= start;
        start = 0;
      } else {
        for (const e of z) vector.push(item(e.member));
      }
    }
  }

  let conversionError = false;
  if (!dontsort && vector.length > 0) {
    for (const it of vector) {
      let byval: string | null;
      if (sortby !== null) {
        byval = lookupByPattern(c, sortby, it.obj);
        if (byval === null) continue;
      } else byval = it.obj;
      if (alpha) {
        if (sortby !== null) it.cmp = byval;
      } else {
        const sc = sortScore(byval);
        if (sc === null) conversionError = true;
        else it.score = sc;
      }
    }
    const store = storeKey !== null;
    let cmpFn: (a: SortItem, b: SortItem) => number;
    if (!alpha) {
      cmpFn = (a, b) => (a.score > b.score ? 1 : a.score < b.score ? -1 : binaryCompare(a.obj, b.obj));
    } else if (sortby !== null) {
      cmpFn = (a, b) => {
        if (a.cmp === null || b.cmp === null) return a.cmp === b.cmp ? 0 : a.cmp === null ? -1 : 1;
        return store ? binaryCompare(a.cmp, b.cmp) : collate(a.cmp, b.cmp);
      };
    } else {
      cmpFn = store ? (a, b) => binaryCompare(a.obj, b.obj) : (a, b) => collate(a.obj, b.obj);
    }
    const fn = desc ? (a: SortItem, b: SortItem) => -cmpFn(a, b) : cmpFn;
    vector = vector.sort(fn);
  }

  if (conversionError) throw new RedisError("ERR One or more scores can't be converted into double");
  const outCount = end - start + 1;
  const outputLen = gets.length > 0 ? gets.length * outCount : outCount;

  if (storeKey === null) {
    const r = c.reply;
    r.arrayLen(outputLen);
    for (let j = start; j <= end; j++) {
      const obj = vector[j].obj;
      if (gets.length === 0) r.bulk(obj);
      for (const g of gets) r.bulkOrNull(lookupByPattern(c, g, obj));
    }
    return;
  }

  const result = new RList(undefined, listLimits(c));
  for (let j = start; j <= end; j++) {
    const obj = vector[j].obj;
    if (gets.length === 0) result.pushBack(obj);
    else for (const g of gets) result.pushBack(lookupByPattern(c, g, obj) ?? '');
  }
  const s = c.server;
  if (outputLen > 0) {
    c.db.set(storeKey, result);
    s.notifyKeyspaceEvent('l', 'sortstore', storeKey, c.db.id);
    s.dirty += outputLen;
  } else if (c.db.delete(storeKey)) {
    s.watch.signalModifiedKey(c.db.id, storeKey);
    s.notifyKeyspaceEvent('g', 'del', storeKey, c.db.id);
    s.dirty++;
  }
  c.reply.int(outputLen);
}

/** SORT / SORT_RO command specs (formats on sortGeneric). */
export const sortCommands: CommandSpec[] = [
  cmd('sort', -2, 'write denyoom', 1, 1, 1, (c, argv) => sortGeneric(c, argv, false), { getKeys: sortGetKeys }),
  cmd('sort_ro', -2, 'readonly', 1, 1, 1, (c, argv) => sortGeneric(c, argv, true)),
];
