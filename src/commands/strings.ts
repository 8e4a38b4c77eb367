/**
 * String commands (t_string.c of Redis 7.0): GET/SET and their variants,
 * counters, ranges and LCS. The bitmap commands (bitops.c) are in bitmaps.ts.
 *
 * Values are latin1 JS strings. Redis's object encodings (int / embstr / raw)
 * are not a property of a JS string, so they are derived from the value, with
 * a small side table for values whose encoding depends on how they were
 * written (APPEND/SETRANGE/SETBIT leave "raw", INCRBYFLOAT "embstr", COPY an
 * unshared int): see stringEncoding().
 *
 * Propagation follows Redis 7.0: SET/SETEX/PSETEX with a TTL -> SET k v PXAT
 * ms; SET ... GET loses GET; GETSET -> SET; GETEX -> PEXPIREAT / PERSIST / DEL;
 * GETDEL -> DEL; INCRBYFLOAT -> SET k v KEEPTTL.
 */
import { cmd, type CommandSpec } from './spec';
import { RedisError, Err, cstr } from '../protocol/errors';
import { lookupRead, lookupWrite, lookupWriteSlot, parseLongLong, parseSafeInt, readString, replyValue, textOf, valueArg, wrote } from './util';
import type { Client } from '../server/client';
import type { Database } from '../keyspace/database';
import { incrByFloat } from '../keyspace/types/float';
import { STRING_LIMIT } from '../util/string-limit';
import { isStr, strRange, strWrite, type StrValue } from '../keyspace/big-string';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

// ---------------------------------------------------------------------------
// small shared helpers

/**
 * An int64 argument read with Redis's string2ll rules: a number when it is a
 * safe integer, a bigint beyond, null when invalid.
 */
export function parseInt64(s: string): number | bigint | null {
  // up to 15 characters every accepted value is below 2^53: parseSafeInt is exact
  if (s.length <= 15) return parseSafeInt(s);
  const b = parseLongLong(s);
  if (b === null) return null;
  return b >= MIN_SAFE && b <= MAX_SAFE ? Number(b) : b;
}

/**
 * An option name as C code compares it (strcasecmp / opt[n] == '\0'): stops
 * at the first NUL byte, lowercased.
 */
export function optName(a: string): string {
  const o = cstr(a);
  // no option name is longer: skip lowercasing big values
  return o.length > 16 ? '' : o.toLowerCase();
}

/** Redis's checkStringLength: the master link may exceed proto-max-bulk-len, clients may not. */
function checkStringLength(c: Client, size: number): void {
  if (!c.isMaster && size > c.server.config.settings.protoMaxBulkLen) throw new RedisError(Err.stringTooLong);
}

/** A string value for writing (LRU/LFU touched; an RBigString past STRING_LIMIT), WRONGTYPE for other types. */
export function lookupStringWrite(c: Client, key: string): StrValue | undefined {
  const v = lookupWrite(c, key);
  if (v === undefined || typeof v === 'string') return v;
  if (v.type !== 'string') throw new RedisError(Err.wrongType);
  return v;
}

/** GET's body shared by GET-like commands: replies the value or null; WRONGTYPE is thrown before any reply. */
function getGeneric(c: Client, key: string): StrValue | null {
  const v = readString(c, key);
  replyValue(c.reply, v);
  return v;
}

/** DEL or UNLINK, as Redis picks for deletions decided by a command (lazyfree-lazy-user-del / -expire). */
export function delVerb(c: Client, lazyOption: string): string {
  return c.server.config.bool(lazyOption) ? 'UNLINK' : 'DEL';
}

// ---------------------------------------------------------------------------
// object encodings

const ENC_RAW = 1;
const ENC_EMBSTR = 2;
const ENC_INT_UNSHARED = 3;

// An encoding forced by how the value was written is kept in the key's flag
// bits (Database.flagsOf), which any later store of the key resets.

function markEnc(db: Database, key: string, enc: number): void {
  db.setFlags(key, enc);
}

/** The value was changed in place (APPEND, SETRANGE, the bitmap commands): OBJECT ENCODING says "raw". */
export function markRaw(db: Database, key: string): void {
  db.setFlags(key, ENC_RAW);
}

/**
 * OBJECT ENCODING of a string key, as tryObjectEncoding() would have left it:
 * "int" for a canonical int64 of at most 20 chars, "embstr" up to 44 bytes,
 * "raw" beyond, unless the writing command forced another encoding.
 */
export function stringEncoding(db: Database, key: string): 'int' | 'embstr' | 'raw' {
  const s = db.peek(key) as StrValue;
  if (typeof s !== 'string') return 'raw';
  switch (db.flagsOf(key)) {
    case ENC_RAW:
      return 'raw';
    case ENC_EMBSTR:
      return s.length <= 44 ? 'embstr' : 'raw';
    case ENC_INT_UNSHARED:
      return 'int';
  }
  if (s.length <= 20 && parseLongLong(s) !== null) return 'int';
  return s.length <= 44 ? 'embstr' : 'raw';
}

/**
 * OBJECT REFCOUNT of a string key: Redis shares the integers 0..9999
 * (refcount INT_MAX) unless maxmemory is set with an LRU/LFU policy.
 */
export function stringRefcount(c: Client, db: Database, key: string): number {
  if (stringEncoding(db, key) !== 'int' || db.flagsOf(key) === ENC_INT_UNSHARED) return 1;
  const s = db.peek(key) as StrValue;
  if (typeof s !== 'string' || s.length > 4 || s.charCodeAt(0) === 45) return 1;
  const policy = c.server.config.settings.maxmemoryPolicy;
  if (c.server.config.settings.maxmemory !== 0 && (policy.endsWith('lru') || policy.endsWith('lfu'))) return 1;
  return 2147483647;
}

/**
 * Carry the encoding of a moved (RENAME/MOVE) or duplicated (COPY) string to
 * its new key (`flags`: the source key's flag bits); dupStringObject() makes
 * shared integers private.
 */
export function carryStringEncoding(flags: number, value: StrValue, to: Database, toKey: string, duplicate: boolean): void {
  if (flags !== 0) markEnc(to, toKey, flags);
  else if (duplicate && typeof value === 'string' && value.length <= 20 && parseLongLong(value) !== null) markEnc(to, toKey, ENC_INT_UNSHARED);
}

// ---------------------------------------------------------------------------
// SET family

const F_NX = 1;
const F_XX = 2;
const F_EX = 4;
const F_PX = 8;
const F_KEEPTTL = 16;
const F_GET = 32;
const F_EXAT = 64;
const F_PXAT = 128;
const F_PERSIST = 256;
const F_ANY_EXPIRE = F_EX | F_PX | F_EXAT | F_PXAT;
/** SETEX/PSETEX (value at argv[3]): setGeneric's flags when called by them */
const F_ANY_SETEX = 512;

/** Exact text of the last absolute expire computed by expireArg() (for propagation). */
let expireText = '';

/**
 * Redis's getExpireMillisecondsOrReply: the expire argument as an absolute
 * unix time in ms. `unitMs` is 1000 for EX/EXAT, 1 for PX/PXAT; `relative`
 * adds the current time (EX/PX). Also sets expireText.
 */
function expireArg(c: Client, arg: string, unitMs: number, relative: boolean, cmdName: string): number {
  const v = parseInt64(arg);
  if (v === null) throw new RedisError(Err.notInt);
  if (typeof v === 'number') {
    if (v <= 0) throw new RedisError(Err.invalidExpire(cmdName));
    let ms = v * unitMs;
    if (relative) ms += c.server.now();
    if (ms <= Number.MAX_SAFE_INTEGER) {
      expireText = String(ms);
      return ms;
    }
  }
  // beyond 2^53: exact int64 arithmetic, with C's overflow checks
  const b = BigInt(v);
  if (b <= 0n || (unitMs === 1000 && b > INT64_MAX / 1000n)) throw new RedisError(Err.invalidExpire(cmdName));
  let ms = b * BigInt(unitMs);
  if (relative) ms += BigInt(c.server.now());
  if (ms > INT64_MAX) throw new RedisError(Err.invalidExpire(cmdName));
  expireText = ms.toString();
  return Number(ms);
}

/** The expire argument found by the last parseExtended() call, or null. */
let parsedExpire: string | null = null;

/** SET's / GETEX's options, as parseExtendedStringArgumentsOrReply accepts them (every conflict is a syntax error). */
function parseExtended(argv: string[], isSet: boolean): number {
  let flags = 0;
  parsedExpire = null;
  for (let j = isSet ? 3 : 2; j < argv.length; j++) {
    const o = optName(argv[j]);
    const hasNext = j < argv.length - 1;
    if (o === 'nx' && isSet && !(flags & F_XX)) flags |= F_NX;
    else if (o === 'xx' && isSet && !(flags & F_NX)) flags |= F_XX;
    else if (o === 'get' && isSet) flags |= F_GET;
    else if (o === 'keepttl' && isSet && !(flags & (F_PERSIST | F_ANY_EXPIRE))) flags |= F_KEEPTTL;
    else if (o === 'persist' && !isSet && !(flags & (F_ANY_EXPIRE | F_KEEPTTL))) flags |= F_PERSIST;
    else if (o === 'ex' && hasNext && !(flags & (F_KEEPTTL | F_PERSIST | F_EXAT | F_PX | F_PXAT))) {
      flags |= F_EX;
      parsedExpire = argv[++j];
    } else if (o === 'px' && hasNext && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PXAT))) {
      flags |= F_PX;
      parsedExpire = argv[++j];
    } else if (o === 'exat' && hasNext && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_PX | F_PXAT))) {
      flags |= F_EXAT;
      parsedExpire = argv[++j];
    } else if (o === 'pxat' && hasNext && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PX))) {
      flags |= F_PXAT;
      parsedExpire = argv[++j];
    } else throw new RedisError(Err.syntax);
  }
  return flags;
}

/** The absolute expire of the parsed options, or -1 when none was given. */
function parsedExpireMs(c: Client, flags: number, cmdName: string): number {
  if (parsedExpire === null) return -1;
  const unit = flags & (F_EX | F_EXAT) ? 1000 : 1;
  return expireArg(c, parsedExpire, unit, (flags & (F_EX | F_PX)) !== 0, cmdName);
}

/** values up to this length are shared with the one stored before them (storeString) */
const SHARED_VALUE_MAX = 32;
let lastValue = '';

/** Store a string the way setKey() does: TTL dropped unless keepTtl, encoding recomputed, LRU/LFU touched. */
export function storeString(c: Client, key: string, val: StrValue, keepTtl: boolean): void {
  // a short value equal to the one stored before it is stored as that same (older) string, as Redis shares its small
  // integers: a SET of a value many keys hold (a flag, a status, redis-benchmark's "VXK") then leaves no new young
  // string for the garbage collector to copy and promote, and no old-to-young pointer in the value column
  if (typeof val === 'string' && val.length <= SHARED_VALUE_MAX) {
    if (val === lastValue) val = lastValue;
    else lastValue = val;
  }
  const s = lookupWriteSlot(c, key);
  if (s < 0) c.db.set(key, val);
  else c.db.setAt(s, val, keepTtl);
}

/**
 * setGenericCommand: SET with its options, SETNX, SETEX, PSETEX.
 * `intReplies`: :1 / :0 (SETNX) instead of +OK / null.
 */
function setGeneric(c: Client, argv: string[], flags: number, key: string, val: StrValue, expireMs: number, intReplies: boolean): void {
  if (flags & F_GET) getGeneric(c, key);
  const found = c.db.lookupSlot(key) >= 0;
  if ((flags & F_NX && found) || (flags & F_XX && !found)) {
    if (!(flags & F_GET)) {
      if (intReplies) c.reply.int(0);
      else c.reply.nullBulk();
    }
    return;
  }
  storeString(c, key, val, (flags & F_KEEPTTL) !== 0);
  const s = c.server;
  s.dirty++;
  s.notifyKeyspaceEvent('$', 'set', key, c.db.id);
  if (expireMs >= 0) {
    c.db.setExpire(key, expireMs);
    s.propagation.rewrite(['SET', key, argv[flags & F_ANY_SETEX ? 3 : 2], 'PXAT', expireText]);
    s.notifyKeyspaceEvent('g', 'expire', key, c.db.id);
  }
  if (!(flags & F_GET)) {
    if (intReplies) c.reply.int(1);
    else c.reply.ok();
  } else if (expireMs < 0) {
    // propagate without GET (it may be repeated)
    const out: string[] = [];
    for (let j = 0; j < argv.length; j++) if (j < 3 || optName(argv[j]) !== 'get') out.push(argv[j]);
    s.propagation.rewrite(out);
  }
}

/** Format: SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL] */
function setCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  if (argv.length === 3) {
    // hot path: plain SET
    storeString(c, key, c.bigArgs === null ? argv[2] : valueArg(c, argv, 2), false);
    const s = c.server;
    s.dirty++;
    s.notifyKeyspaceEvent('$', 'set', key, c.db.id);
    c.reply.ok();
    return;
  }
  const flags = parseExtended(argv, true);
  const ms = parsedExpireMs(c, flags, 'set');
  setGeneric(c, argv, flags, key, valueArg(c, argv, 2), ms, false);
}

/** Format: GETSET key value */
function getsetCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  getGeneric(c, key);
  storeString(c, key, valueArg(c, argv, 2), false);
  const s = c.server;
  wrote(c, key, '$', 'set');
  s.propagation.rewrite(['SET', key, argv[2]]);
}

/** Format: GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST] */
function getexCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const flags = parseExtended(argv, false);
  const v = lookupRead(c, key);
  if (v === undefined) {
    c.reply.nullBulk();
    return;
  }
  if (typeof v !== 'string' && v.type !== 'string') throw new RedisError(Err.wrongType);
  const ms = parsedExpireMs(c, flags, 'getex');
  replyValue(c.reply, v);
  const s = c.server;
  if (flags & (F_PXAT | F_EXAT) && ms <= s.now() && !s.loading && !s.isReplica()) {
    // an absolute time already in the past deletes the key
    c.db.delete(key);
    s.propagation.rewrite([delVerb(c, 'lazyfree-lazy-expire'), key]);
    wrote(c, key, 'g', 'del');
  } else if (ms >= 0) {
    c.db.setExpire(key, ms);
    s.propagation.rewrite(['PEXPIREAT', key, expireText]);
    wrote(c, key, 'g', 'expire');
  } else if (flags & F_PERSIST) {
    if (c.db.persist(key)) {
      s.propagation.rewrite(['PERSIST', key]);
      wrote(c, key, 'g', 'persist');
    }
  }
}

/** Format: GETDEL key */
function getdelCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  if (getGeneric(c, key) === null) return;
  if (c.db.delete(key)) {
    const s = c.server;
    s.propagation.rewrite([delVerb(c, 'lazyfree-lazy-user-del'), key]);
    wrote(c, key, 'g', 'del');
  }
}

/** Format: MSET key value [key value ...] / MSETNX key value [key value ...] */
function msetGeneric(c: Client, argv: string[], nx: boolean): void {
  if (argv.length % 2 === 0) throw new RedisError(Err.arity(nx ? 'msetnx' : 'mset'));
  const db = c.db;
  if (nx) {
    for (let j = 1; j < argv.length; j += 2) {
      if (db.get(argv[j]) !== undefined) {
        c.reply.int(0);
        return;
      }
    }
  }
  const s = c.server;
  for (let j = 1; j < argv.length; j += 2) {
    storeString(c, argv[j], valueArg(c, argv, j + 1), false);
    s.notifyKeyspaceEvent('$', 'set', argv[j], db.id);
  }
  s.dirty += (argv.length - 1) / 2;
  if (nx) c.reply.int(1);
  else c.reply.ok();
}

// ---------------------------------------------------------------------------
// counters

/**
 * incrDecrCommand: add `incr` (a number when safe, else bigint) to the int64
 * stored at key. Plain JS numbers while everything stays within 2^53, exact
 * BigInt int64 arithmetic otherwise. The TTL is kept. A result in the int32
 * range replaces an existing value as a number (Database.setIntAt, Redis's
 * int encoding): a counter's next count is then no new string to store.
 */
function incrDecr(c: Client, key: string, incr: number | bigint): void {
  // lookupStringWrite by slot: the value is then replaced in that slot
  const db = c.db;
  const slot = lookupWriteSlot(c, key);
  let cur: number | bigint = 0;
  if (slot >= 0) {
    const e = db.table.rawValueAt(slot)!;
    if (typeof e === 'number') cur = e;
    else {
      if (typeof e !== 'string' && e.type !== 'string') throw new RedisError(Err.wrongType);
      const v = typeof e === 'string' ? parseInt64(e) : null;
      if (v === null) throw new RedisError(Err.notInt);
      cur = v;
    }
  }
  let result: number | bigint;
  if (typeof cur === 'number' && typeof incr === 'number' && Number.isSafeInteger(cur + incr)) {
    result = cur + incr;
  } else {
    const r = BigInt(cur) + BigInt(incr);
    if (r > INT64_MAX || r < INT64_MIN) throw new RedisError(Err.overflow);
    result = r;
  }
  if (slot >= 0 && typeof result === 'number' && (result | 0) === result) db.setIntAt(slot, result, true);
  else if (slot >= 0) db.setAt(slot, String(result), true);
  else db.set(key, String(result), true);
  wrote(c, key, '$', 'incrby');
  c.reply.int(result);
}

/** An INCRBY/DECRBY increment argument. */
function incrementArg(s: string): number | bigint {
  const v = parseInt64(s);
  if (v === null) throw new RedisError(Err.notInt);
  return v;
}

/** Format: INCRBYFLOAT key increment */
function incrbyfloatCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const e = lookupStringWrite(c, key);
  if (e !== undefined && typeof e !== 'string') throw new RedisError(Err.notFloat);
  const r = incrByFloat(e === undefined ? null : e, argv[2]);
  if (!r.ok) throw new RedisError(r.error === 'notfloat' ? Err.notFloat : 'ERR increment would produce NaN or Infinity');
  const v = r.value;
  c.db.set(key, v, true);
  // createStringObjectFromLongDouble() builds an embstr even for "3"
  markEnc(c.db, key, ENC_EMBSTR);
  const s = c.server;
  wrote(c, key, '$', 'incrbyfloat');
  c.reply.bulk(v);
  s.propagation.rewrite(['SET', key, v, 'KEEPTTL']);
}

// ---------------------------------------------------------------------------
// ranges

/** Format: APPEND key value */
function appendCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const add = valueArg(c, argv, 2);
  const e = lookupStringWrite(c, key);
  let total: number;
  if (e === undefined) {
    c.db.set(key, add);
    total = add.length;
  } else {
    total = e.length + add.length;
    checkStringLength(c, total);
    if (add.length > 0) {
      // past STRING_LIMIT the result is an RBigString (grown in place when it already is one)
      const v = typeof e === 'string' && typeof add === 'string' && total <= STRING_LIMIT ? e + add : strWrite(e, e.length, typeof add === 'string' ? add : add.bytes);
      c.db.set(key, v, true);
    }
    markEnc(c.db, key, ENC_RAW);
  }
  wrote(c, key, '$', 'append');
  c.reply.int(total);
}

/** Format: STRLEN key */
function strlenCommand(c: Client, argv: string[]): void {
  const v = readString(c, argv[1]);
  c.reply.int(v === null ? 0 : v.length);
}

/** An int64 argument as a JS number (values beyond 2^53 only ever act as "huge"). */
export function int64Number(s: string): number {
  const v = parseInt64(s);
  if (v === null) throw new RedisError(Err.notInt);
  return Number(v);
}

/** Format: GETRANGE key start end (and SUBSTR key start end) */
function getrangeCommand(c: Client, argv: string[]): void {
  let start = int64Number(argv[2]);
  let end = int64Number(argv[3]);
  const v = readString(c, argv[1]);
  if (v === null) {
    c.reply.bulk('');
    return;
  }
  const len = v.length;
  if (start < 0 && end < 0 && start > end) {
    c.reply.bulk('');
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) c.reply.bulk('');
  else replyValue(c.reply, strRange(v, start, end + 1));
}

/** Format: SETRANGE key offset value */
function setrangeCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const value = valueArg(c, argv, 3);
  const offset = int64Number(argv[2]);
  if (offset < 0) throw new RedisError('ERR offset is out of range');
  const e = lookupStringWrite(c, key);
  if (value.length === 0) {
    c.reply.int(e === undefined ? 0 : e.length);
    return;
  }
  checkStringLength(c, offset + value.length);
  const result = strWrite(e, offset, typeof value === 'string' ? value : value.bytes);
  c.db.set(key, result, true);
  markEnc(c.db, key, ENC_RAW);
  wrote(c, key, '$', 'setrange');
  c.reply.int(result.length);
}

/** Format: LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN] */
function lcsCommand(c: Client, argv: string[]): void {
  const va = lookupRead(c, argv[1]);
  const vb = lookupRead(c, argv[2]);
  if ((va !== undefined && !isStr(va)) || (vb !== undefined && !isStr(vb))) {
    throw new RedisError('ERR The specified keys must contain string values');
  }
  const a = va === undefined ? '' : textOf(va as StrValue);
  const b = vb === undefined ? '' : textOf(vb as StrValue);
  let getidx = false;
  let getlen = false;
  let withmatchlen = false;
  let minmatchlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const o = optName(argv[j]);
    const more = argv.length - 1 - j;
    if (o === 'idx') getidx = true;
    else if (o === 'len') getlen = true;
    else if (o === 'withmatchlen') withmatchlen = true;
    else if (o === 'minmatchlen' && more > 0) {
      minmatchlen = int64Number(argv[j + 1]);
      if (minmatchlen < 0) minmatchlen = 0;
      j++;
    } else throw new RedisError(Err.syntax);
  }
  if (getlen && getidx) throw new RedisError('ERR If you want both the length and indexes, please just use IDX.');
  const alen = a.length;
  const blen = b.length;
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > c.server.config.settings.protoMaxBulkLen) {
    throw new RedisError('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  }
  const A = Buffer.from(a, 'latin1');
  const B = Buffer.from(b, 'latin1');
  const w = blen + 1;
  // LCS(i, j) = length of the LCS of A[0..i-1] and B[0..j-1], row-major
  const lcs = new Uint32Array(cells);
  for (let i = 1; i <= alen; i++) {
    const ai = A[i - 1];
    const row = i * w;
    const prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ai === B[j - 1]) lcs[row + j] = lcs[prev + j - 1] + 1;
      else {
        const l1 = lcs[prev + j];
        const l2 = lcs[row + j - 1];
        lcs[row + j] = l1 > l2 ? l1 : l2;
      }
    }
  }
  const total = lcs[alen * w + blen];
  const computelcs = getidx || !getlen;
  const result = Buffer.allocUnsafe(computelcs ? total : 0);
  const matches: number[][] = [];
  let idx = total;
  // aStart === alen means "no range open", as in Redis
  let aStart = alen;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = blen;
  while (computelcs && i > 0 && j > 0) {
    let emit = false;
    if (A[i - 1] === B[j - 1]) {
      result[idx - 1] = A[i - 1];
      if (aStart === alen) {
        aStart = i - 1;
        aEnd = i - 1;
        bStart = j - 1;
        bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else emit = true;
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      const l1 = lcs[(i - 1) * w + j];
      const l2 = lcs[i * w + j - 1];
      if (l1 > l2) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    const matchLen = aEnd - aStart + 1;
    if (emit) {
      if (getidx && (minmatchlen === 0 || matchLen >= minmatchlen)) matches.push([aStart, aEnd, bStart, bEnd, matchLen]);
      aStart = alen;
    }
  }
  const r = c.reply;
  if (getidx) {
    r.mapLen(2);
    r.bulk('matches');
    r.arrayLen(matches.length);
    for (const m of matches) {
      r.arrayLen(withmatchlen ? 3 : 2);
      r.arrayLen(2);
      r.int(m[0]);
      r.int(m[1]);
      r.arrayLen(2);
      r.int(m[2]);
      r.int(m[3]);
      if (withmatchlen) r.int(m[4]);
    }
    r.bulk('len');
    r.int(total);
  } else if (getlen) r.int(total);
  else r.bulk(result.toString('latin1'));
}

// ---------------------------------------------------------------------------
// the table

/** String command specs (the bitmap commands follow them in the table: bitmaps.ts). */
export const stringCommands: CommandSpec[] = [
  // Format: GET key
  cmd('get', 2, 'readonly fast', 1, 1, 1, (c, argv) => replyValue(c.reply, readString(c, argv[1]))),
  cmd('set', -3, 'write denyoom', 1, 1, 1, setCommand, { bigValues: true, costed: true, constantTime: true }),
  // Format: SETNX key value
  cmd('setnx', 3, 'write denyoom fast', 1, 1, 1, (c, argv) => setGeneric(c, argv, F_NX, argv[1], valueArg(c, argv, 2), -1, true), { bigValues: true, costed: true }),
  // Format: SETEX key seconds value
  cmd('setex', 4, 'write denyoom', 1, 1, 1, (c, argv) => {
    setGeneric(c, argv, F_EX | F_ANY_SETEX, argv[1], valueArg(c, argv, 3), expireArg(c, argv[2], 1000, true, 'setex'), false);
  }, { bigValues: true, constantTime: true }),
  // Format: PSETEX key milliseconds value
  cmd('psetex', 4, 'write denyoom', 1, 1, 1, (c, argv) => {
    setGeneric(c, argv, F_PX | F_ANY_SETEX, argv[1], valueArg(c, argv, 3), expireArg(c, argv[2], 1, true, 'psetex'), false);
  }, { bigValues: true, constantTime: true }),
  cmd('getex', -2, 'write fast', 1, 1, 1, getexCommand),
  cmd('getdel', 2, 'write fast', 1, 1, 1, getdelCommand, { costed: true }),
  cmd('getset', 3, 'write denyoom fast', 1, 1, 1, getsetCommand, { bigValues: true, costed: true }),
  // Format: MGET key [key ...]  (non-strings read as null)
  cmd('mget', -2, 'readonly fast', 1, -1, 1, (c, argv) => {
    const r = c.reply;
    r.arrayLen(argv.length - 1);
    for (let j = 1; j < argv.length; j++) {
      const v = lookupRead(c, argv[j]);
      if (isStr(v)) replyValue(r, v);
      else r.nullBulk();
    }
  }),
  cmd('mset', -3, 'write denyoom', 1, -1, 2, (c, argv) => msetGeneric(c, argv, false), { bigValues: true, costed: true }),
  cmd('msetnx', -3, 'write denyoom', 1, -1, 2, (c, argv) => msetGeneric(c, argv, true), { bigValues: true, costed: true }),
  cmd('append', 3, 'write denyoom fast', 1, 1, 1, appendCommand, { bigValues: true, costed: true }),
  cmd('strlen', 2, 'readonly fast', 1, 1, 1, strlenCommand),
  cmd('getrange', 4, 'readonly', 1, 1, 1, getrangeCommand),
  cmd('substr', 4, 'readonly', 1, 1, 1, getrangeCommand),
  cmd('setrange', 4, 'write denyoom', 1, 1, 1, setrangeCommand, { bigValues: true }),
  // Format: INCR key / DECR key / INCRBY key increment / DECRBY key decrement
  cmd('incr', 2, 'write denyoom fast', 1, 1, 1, (c, argv) => incrDecr(c, argv[1], 1), { costed: true }),
  cmd('decr', 2, 'write denyoom fast', 1, 1, 1, (c, argv) => incrDecr(c, argv[1], -1), { costed: true }),
  cmd('incrby', 3, 'write denyoom fast', 1, 1, 1, (c, argv) => incrDecr(c, argv[1], incrementArg(argv[2])), { costed: true }),
  cmd('decrby', 3, 'write denyoom fast', 1, 1, 1, (c, argv) => {
    const v = incrementArg(argv[2]);
    if (v === INT64_MIN) throw new RedisError('ERR decrement would overflow');
    incrDecr(c, argv[1], -v);
  }, { costed: true }),
  cmd('incrbyfloat', 3, 'write denyoom fast', 1, 1, 1, incrbyfloatCommand, { costed: true }),
  cmd('lcs', -3, 'readonly', 1, 2, 1, lcsCommand),
];
