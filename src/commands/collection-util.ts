/**
 * Helpers shared by the list, hash, set and SORT families: Redis's ranged
 * integer argument parsing (getRangeLongFromObjectOrReply and friends), the
 * H/S-SCAN cursor and options, encoding limits read from the config, and
 * typed key access.
 */
import { RedisError, Err } from '../protocol/errors';
import { parseLongLong, parseSafeInt, isOpt } from './util';
import type { Client } from '../server/client';
import type { HashLimits } from '../keyspace/types/hash';
import type { SetLimits } from '../keyspace/types/set';
import type { ListLimits } from '../keyspace/types/list';

/** LONG_MAX / -LONG_MAX as Redis's range checks print them. */
export const LONG_MAX = 9223372036854775807n;

/** Message of getPositiveLongFromObjectOrReply when the caller gives none. */
export const MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';

/**
 * Redis's getLongFromObjectOrReply: an int64 or `msg` (default "value is not
 * an integer or out of range"). Values beyond 2^53 come back approximate,
 * which is harmless for counts and indexes.
 */
export function longArg(s: string, msg: string = Err.notInt): number {
  const v = parseSafeInt(s);
  if (v === null) throw new RedisError(msg);
  return v;
}

/**
 * Redis's getPositiveLongFromObjectOrReply: 0..LONG_MAX; both a non-integer
 * and a negative value give `msg`.
 */
export function positiveLongArg(s: string, msg: string = MUST_BE_POSITIVE): number {
  const v = parseSafeInt(s);
  if (v === null || v < 0) throw new RedisError(msg);
  return v;
}

/**
 * Redis's getRangeLongFromObjectOrReply(min, max, msg): a parse error and an
 * out-of-range value both give `msg` when there is one; otherwise
 * "value is not an integer or out of range" / "value is out of range, value
 * must between MIN and MAX". Bounds are exact int64s.
 */
export function rangeLongArg(s: string, min: bigint, max: bigint, msg?: string): number {
  let v: bigint | number | null;
  // Only strings of 16+ characters can exceed 2^53: check those exactly.
  if (s.length >= 16) v = parseLongLong(s);
  else v = parseSafeInt(s);
  if (v === null) throw new RedisError(msg ?? Err.notInt);
  if (typeof v === 'bigint' ? v < min || v > max : v < Number(min) || v > Number(max)) {
    throw new RedisError(msg ?? `ERR value is out of range, value must between ${min} and ${max}`);
  }
  return Number(v);
}

/**
 * Largest reply HRANDFIELD / SRANDMEMBER build for a negative count. Redis
 * would stream billions of elements; a JS process cannot hold such a reply,
 * so larger counts are refused with Redis's generic range error.
 */
export const MAX_RANDOM_REPLY = 1 << 24;

/** numkeys of LMPOP/BLMPOP/SINTERCARD: 1..LONG_MAX or "numkeys should be greater than 0". */
export function numkeysArg(s: string): number {
  return rangeLongArg(s, 1n, LONG_MAX, 'ERR numkeys should be greater than 0');
}

/** LEFT|RIGHT (getListPositionFromObjectOrReply): true for LEFT, or a syntax error. */
export function leftRightArg(s: string): boolean {
  if (isOpt(s, 'left')) return true;
  if (isOpt(s, 'right')) return false;
  throw new RedisError(Err.syntax);
}

// ---------------------------------------------------------------- typed access


// ---------------------------------------------------------------- encoding limits

// The structures take their limits as an object: hand out the last one while
// the settings still match it (two property loads and compares per write, no
// allocation), a new one when they moved.

/** hash-max-listpack-entries / hash-max-listpack-value as the structure wants them. */
export function hashLimits(c: Client): HashLimits {
  const s = c.server.config.settings;
  const l = lastHashLimits;
  if (l.maxListpackEntries === s.hashMaxListpackEntries && l.maxListpackValue === s.hashMaxListpackValue) return l;
  return (lastHashLimits = { maxListpackEntries: s.hashMaxListpackEntries, maxListpackValue: s.hashMaxListpackValue });
}
let lastHashLimits: HashLimits = { maxListpackEntries: -1, maxListpackValue: -1 };

/** set-max-intset-entries as the structure wants it. */
export function setLimits(c: Client): SetLimits {
  const entries = c.server.config.settings.setMaxIntsetEntries;
  if (lastSetLimits.maxIntsetEntries === entries) return lastSetLimits;
  return (lastSetLimits = { maxIntsetEntries: entries });
}
let lastSetLimits: SetLimits = { maxIntsetEntries: -1 };

/** list-max-listpack-size and list-compress-depth for a list about to be created (quicklistSetOptions). */
export function listLimits(c: Client): ListLimits {
  const s = c.server.config.settings;
  const l = lastListLimits;
  if (l.fill === s.listMaxListpackSize && l.compressDepth === s.listCompressDepth) return l;
  return (lastListLimits = { fill: s.listMaxListpackSize, compressDepth: s.listCompressDepth });
}
let lastListLimits: ListLimits = { fill: 0, compressDepth: -1 };

// ---------------------------------------------------------------- SCAN family

/**
 * parseScanCursorOrReply, for SCAN, HSCAN, SSCAN and ZSCAN: strtoul(…, 10)
 * over the argument as a C string (it ends at a NUL byte), which must consume
 * it all, with no leading blank and no overflow. Like strtoul it takes a sign
 * ("-1" is 2^64-1) and no digits at all when nothing precedes the end ("" and
 * "\0…" are cursor 0). Returns the cursor as a number.
 */
export function scanCursorArg(arg: string): number {
  const nul = arg.indexOf('\0');
  const s = nul < 0 ? arg : arg.slice(0, nul);
  const n = s.length;
  if (n === 0) return 0;
  let i = 0;
  if (s.charCodeAt(0) === 43 || s.charCodeAt(0) === 45) i = 1;
  if (i === 1 && n === 1) throw new RedisError('ERR invalid cursor');
  for (let j = i; j < n; j++) {
    const ch = s.charCodeAt(j);
    if (ch < 48 || ch > 57) throw new RedisError('ERR invalid cursor');
  }
  let v = BigInt(s.slice(i));
  if (v > 18446744073709551615n) throw new RedisError('ERR invalid cursor');
  if (s.charCodeAt(0) === 45 && v !== 0n) v = 18446744073709551616n - v;
  return Number(v);
}

/** MATCH / COUNT options of HSCAN and SSCAN (TYPE is SCAN-only: a syntax error here). */
export interface ScanOptions {
  /** null when absent or "*" (which matches everything) */
  pattern: string | null;
  count: number;
}

/** Parse `[MATCH pattern] [COUNT count]` from argv[from] on, as scanGenericCommand. */
export function scanOptions(argv: string[], from: number): ScanOptions {
  let pattern: string | null = null;
  let count = 10;
  let i = from;
  while (i < argv.length) {
    const left = argv.length - i;
    if (isOpt(argv[i], 'count') && left >= 2) {
      count = longArg(argv[i + 1]);
      if (count < 1) throw new RedisError(Err.syntax);
      i += 2;
    } else if (isOpt(argv[i], 'match') && left >= 2) {
      const p = argv[i + 1];
      pattern = p === '*' ? null : p;
      i += 2;
    } else {
      throw new RedisError(Err.syntax);
    }
  }
  return { pattern, count };
}

/** The reply of an HSCAN/SSCAN on a missing key: cursor 0 and no elements. */
export const EMPTY_SCAN = '*2\r\n$1\r\n0\r\n*0\r\n';

