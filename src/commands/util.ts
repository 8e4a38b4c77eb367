/**
 * Helpers shared by command families: Redis's strict number parsing
 * (string2ll / strtod rules), typed key lookups with WRONGTYPE and hit/miss
 * stats, and small argument utilities.
 */
import { RedisError, Err } from '../protocol/errors';
import type { Client } from '../server/client';
import type { DbValue } from '../keyspace/database';
import { RBigString, type StrValue } from '../keyspace/big-string';
import type { ReplyWriter } from '../protocol/reply';
import { valueTooLong } from '../util/string-limit';
import { parseLongDouble } from '../keyspace/types/float';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * Redis's string2ll: optional '-', no '+', no spaces, no leading zeros (except
 * "0"), within int64. Returns a bigint or null.
 */
export function parseLongLong(s: string): bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  if (n === 1 && s === '0') return 0n;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    i = 1;
    if (n === 1) return null;
  }
  const c0 = s.charCodeAt(i);
  if (c0 < 49 || c0 > 57) return null;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  if (n - i < 16) return BigInt(s);
  const v = BigInt(s);
  if (v > INT64_MAX || v < INT64_MIN) return null;
  return v;
}

/** Fast path: an int64 that fits a JS safe integer, else null (use parseLongLong for exact int64). */
export function parseSafeInt(s: string): number | null {
  const n = s.length;
  if (n === 0 || n > 16) {
    const b = parseLongLong(s);
    if (b === null) return null;
    if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER)) return Number(b);
    return Number(b);
  }
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return null;
    neg = true;
    i = 1;
  }
  const c0 = s.charCodeAt(i);
  if (c0 === 48) return n === 1 ? 0 : null;
  let v = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  return neg ? -v : v;
}

/** An integer argument or `ERR value is not an integer or out of range` (int64 range; precision beyond 2^53 is approximate). */
export function intArg(s: string, msg: string = Err.notInt): number {
  const v = parseSafeInt(s);
  if (v === null) throw new RedisError(msg);
  return v;
}

/** An exact int64 argument as bigint. */
export function bigIntArg(s: string, msg: string = Err.notInt): bigint {
  const v = parseLongLong(s);
  if (v === null) throw new RedisError(msg);
  return v;
}

/** A non-negative integer argument (e.g. counts) with Redis's "must be positive" style message. */
export function positiveIntArg(s: string, msg = 'ERR value is out of range, must be positive'): number {
  const v = intArg(s);
  if (v < 0) throw new RedisError(msg);
  return v;
}

/**
 * Redis's strtod-based double parsing for scores and floats: accepts what
 * strtod accepts (inf, -inf, +inf, infinity, 1e3, 0x1p3, leading spaces are
 * rejected), never NaN. Returns null if invalid.
 */
export function parseDouble(s: string): number | null {
  // fast path for plain decimals ([+-]digits[.digits], what scores usually are): Number() is strtod there
  const len = s.length;
  if (len > 0 && len <= 32) {
    const c0 = s.charCodeAt(0);
    let i = c0 === 45 || c0 === 43 ? 1 : 0;
    let digits = 0;
    let dot = false;
    for (; i < len; i++) {
      const ch = s.charCodeAt(i);
      if (ch >= 48 && ch <= 57) digits++;
      else if (ch === 46 && !dot) dot = true;
      else break;
    }
    if (i === len && digits > 0) return Number(s);
  }
  if (s.length === 0 || s.length > 5000) return null;
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || c0 === 9 || c0 === 10 || c0 === 13 || c0 === 11 || c0 === 12) return null;
  const l = s.toLowerCase();
  if (l === 'inf' || l === '+inf' || l === 'infinity' || l === '+infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) {
    if (/^[+-]?0x[0-9a-f]+(\.[0-9a-f]*)?(p[+-]?\d+)?$/i.test(s)) {
      const neg = s[0] === '-';
      const body = s.replace(/^[+-]?0x/i, '');
      const [mant, exp] = body.split(/p/i);
      const [ip, fp = ''] = mant.split('.');
      let v = parseInt(ip || '0', 16);
      for (let i = 0; i < fp.length; i++) v += parseInt(fp[i], 16) / 16 ** (i + 1);
      v *= 2 ** Number(exp ?? 0);
      return neg ? -v : v;
    }
    return null;
  }
  const v = Number(s);
  return Number.isNaN(v) ? null : v;
}

/** A float argument or `ERR value is not a valid float`. */
export function floatArg(s: string, msg: string = Err.notFloat): number {
  const v = parseDouble(s);
  if (v === null) throw new RedisError(msg);
  return v;
}

/**
 * Blocking timeout in seconds (fractional allowed) -> absolute ms, 0 = forever.
 * Errors as Redis 7.0's getTimeoutFromObjectOrReply.
 */
export function timeoutArg(c: Client, s: string): number {
  // string2ld, then tval = (long long) ceill(ftval * 1000.0)
  const ld = parseLongDouble(s);
  if (ld === null) throw new RedisError(Err.timeoutInvalid);
  let ms: number;
  if (ld.inf || ld.e > 100) ms = Infinity;
  else if (ld.m === 0n) ms = 0;
  else if (ld.e < -200) ms = ld.neg ? 0 : 1; // tiny: ceil gives 1 ms, or -0 (forever) when negative
  else ms = Math.ceil((ld.neg ? -1 : 1) * Number(ld.m) * 2 ** ld.e * 1000);
  // casting inf or anything beyond int64 gives LLONG_MIN on x86-64: "negative"
  if (ms < 0 || !(ms < 9223372036854775807)) throw new RedisError(Err.timeoutNeg);
  if (ms === 0) return 0;
  return c.server.now() + ms;
}

/** Lookup for reading: counts keyspace hits/misses; returns the value or undefined. */
export function lookupRead(c: Client, key: string): DbValue | undefined {
  const db = c.db;
  const s = db.lookupSlot(key);
  if (s < 0) {
    c.server.stats.keyspaceMisses++;
    return undefined;
  }
  c.server.stats.keyspaceHits++;
  if (!c.noTouch) c.server.touchSlot(db, s);
  return db.table.valueAt(s);
}

/** A command accessed a key: LRU/LFU as Redis's lookupKey, unless CLIENT NO-TOUCH. */
export function touch(c: Client, key: string): void {
  if (c.noTouch) return;
  const s = c.db.slotOf(key);
  if (s >= 0) c.server.touchSlot(c.db, s);
}

/** Lookup a value for writing (no stats; LRU/LFU touched as lookupKeyWrite). */
export function lookupWrite(c: Client, key: string): DbValue | undefined {
  const s = lookupWriteSlot(c, key);
  return s < 0 ? undefined : c.db.table.valueAt(s);
}

/** lookupWrite's slot (-1 when missing), for a handler that then replaces the value in place (Database.setAt). */
export function lookupWriteSlot(c: Client, key: string): number {
  const db = c.db;
  const s = db.lookupSlot(key);
  if (s >= 0 && !c.noTouch) c.server.touchSlot(db, s);
  return s;
}

/** A string value for reading (an RBigString past STRING_LIMIT), or null if missing; WRONGTYPE otherwise. */
export function readString(c: Client, key: string): StrValue | null {
  const v = lookupRead(c, key);
  if (v === undefined) return null;
  if (typeof v === 'string') return v;
  if (v.type !== 'string') throw new RedisError(Err.wrongType);
  return v;
}

/** A string value as text, for commands that cannot take one longer than any JS string (a clear error for those). */
export function textOf(v: StrValue): string {
  if (typeof v === 'string') return v;
  throw new RedisError(valueTooLong());
}

/** Reply a string value (or null): the bytes of an RBigString are written as they are. */
export function replyValue(r: ReplyWriter, v: StrValue | null | undefined): void {
  if (typeof v === 'string') r.bulk(v);
  else if (v === null || v === undefined) r.nullBulk();
  else r.bulkBytes(v.bytes);
}

/**
 * Argument i as a value to store: the argument itself, or an RBigString of
 * its bytes when it is longer than any JS string (Client.bigArgs; only
 * commands with CommandSpec.bigValues get those past the gate).
 */
export function valueArg(c: Client, argv: string[], i: number): StrValue {
  const a = argv[i];
  if (c.bigArgs === null) return a;
  const b = c.bigArgs.get(a);
  return b === undefined ? a : new RBigString(b);
}

/** Throw WRONGTYPE unless the value has the given type. */
export function expectType<T extends DbValue>(v: DbValue | undefined, type: 'list' | 'hash' | 'set' | 'zset' | 'stream'): T | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== type) throw new RedisError(Err.wrongType);
  return v as T;
}

/** Case-insensitive option match. */
export function isOpt(arg: string, name: string): boolean {
  return arg.length === name.length && arg.toLowerCase() === name;
}

/** Mark a write: Redis's server.dirty += n, plus a keyspace event when `event` is given. */
export function wrote(c: Client, key: string, type: string, event: string, n = 1): void {
  c.server.dirty += n;
  c.server.notifyKeyspaceEvent(type, event, key, c.db.id);
}
