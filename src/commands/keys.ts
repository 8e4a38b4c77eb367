/**
 * Generic key commands (db.c / expire.c / object.c of Redis 7.0): DEL,
 * UNLINK, EXISTS, TYPE, RENAME, RENAMENX, COPY, MOVE, KEYS, SCAN, RANDOMKEY,
 * the EXPIRE family and TTL family, PERSIST, TOUCH, OBJECT.
 *
 * Propagation as Redis 7.0: EXPIRE/PEXPIRE/EXPIREAT -> PEXPIREAT k <abs ms>
 * (trailing NX/XX/GT/LT kept), a time already in the past -> DEL k (UNLINK
 * with lazyfree-lazy-expire).
 */
import { cmd, type CommandSpec } from './spec';
import { RedisError, Err, cstr } from '../protocol/errors';
import { lookupRead } from './util';
import { scanCursorArg } from './collection-util';
import type { Client } from '../server/client';
import { typeName, type Database, type DbValue, type KeyMeta } from '../keyspace/database';
import { stringMatch, isMatchAll } from '../util/glob';
import { carryStringEncoding, delVerb, optName, parseInt64, stringEncoding, stringRefcount } from './strings';
import { RList } from '../keyspace/types/list';
import { RHash } from '../keyspace/types/hash';
import { RSet } from '../keyspace/types/set';
import { RZSet } from '../keyspace/types/zset';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** lookupKeyReadWithFlags(LOOKUP_NOTOUCH): expires as reads do and counts hits/misses, but leaves the LRU clock alone. */
function lookupNoTouch(c: Client, key: string): DbValue | undefined {
  const e = c.db.get(key);
  if (e === undefined) c.server.stats.keyspaceMisses++;
  else c.server.stats.keyspaceHits++;
  return e;
}

/** getIntFromObjectOrReply: a C int, with Redis's two error texts. */
function intRangeArg(s: string): number {
  const v = parseInt64(s);
  if (v === null) throw new RedisError(Err.notInt);
  if (typeof v !== 'number' || v < -2147483648 || v > 2147483647) {
    throw new RedisError('ERR value is out of range, value must between -2147483648 and 2147483647');
  }
  return v;
}

/** The db a DB-index argument names (MOVE, COPY ... DB). */
function dbArg(c: Client, s: string): Database {
  const id = intRangeArg(s);
  if (id < 0 || id >= c.server.dbs.length) throw new RedisError(Err.dbIndex);
  return c.server.dbs[id];
}

/** Put `value` under `key` in db, carrying the TTL, LRU/LFU (unless duplicated) and string encoding from `from`. */
function placeValue(db: Database, key: string, value: DbValue, from: KeyMeta, duplicate: boolean): void {
  db.set(key, value);
  if (from.expireAt >= 0) db.setExpire(key, from.expireAt);
  if (!duplicate) {
    const s = db.slotOf(key);
    db.table.setLru(s, from.lru);
    db.table.setLfu(s, from.lfu);
  }
  if (typeof value === 'string' || value.type === 'string') carryStringEncoding(from.flags, value, db, key, duplicate);
}

/** A structure that can copy itself keeping its encoding (the types may grow a clone()). */
interface Cloneable {
  clone(): DbValue;
}

/** Limits that make resetEncoding() pick the compact / the big encoding whatever the contents. */
const KEEP_COMPACT = { maxListpackEntries: Infinity, maxListpackValue: Infinity, maxIntsetEntries: Infinity };
const FORCE_BIG = { maxListpackEntries: -1, maxListpackValue: -1, maxIntsetEntries: -1 };

/**
 * COPY's deep copy of a value (listTypeDup, hashTypeDup, setTypeDup,
 * zsetDup): like Redis's dups, the copy keeps the source's encoding even when
 * the current config limits would pick another one.
 */
function duplicateValue(c: Client, v: DbValue): DbValue {
  if (typeof v === 'string') return v;
  const maybe = v as unknown as Partial<Cloneable>;
  if (typeof maybe.clone === 'function') return maybe.clone();
  const cfg = c.server.config.settings;
  switch (v.type) {
    case 'string':
      return v.clone();
    case 'list':
      return new RList(v);
    case 'hash': {
      const h = RHash.from(v, { maxListpackEntries: cfg.hashMaxListpackEntries, maxListpackValue: cfg.hashMaxListpackValue });
      if (h.encoding() !== v.encoding()) h.resetEncoding(v.encoding() === 'listpack' ? KEEP_COMPACT : FORCE_BIG);
      return h;
    }
    case 'set': {
      const st = RSet.from(v, { maxIntsetEntries: cfg.setMaxIntsetEntries });
      if (st.encoding() !== v.encoding()) st.resetEncoding(v.encoding() === 'intset' ? KEEP_COMPACT : FORCE_BIG);
      return st;
    }
    case 'zset': {
      const z = RZSet.from(v, { maxListpackEntries: cfg.zsetMaxListpackEntries, maxListpackValue: cfg.zsetMaxListpackValue });
      if (z.encoding() !== v.encoding()) z.resetEncoding(v.encoding() === 'listpack' ? KEEP_COMPACT : FORCE_BIG);
      return z;
    }
    case 'stream':
      return v.clone();
  }
}

// ---------------------------------------------------------------------------
// DEL, EXISTS, TYPE, RENAME, MOVE, COPY

/** Format: DEL key [key ...] / UNLINK key [key ...] */
function delGeneric(c: Client, argv: string[]): void {
  const db = c.db;
  const s = c.server;
  let n = 0;
  for (let j = 1; j < argv.length; j++) {
    const key = argv[j];
    // expireIfNeeded first (a master deletes and propagates an expired key), then dbDelete
    db.lookupSlot(key);
    if (db.delete(key)) {
      s.notifyKeyspaceEvent('g', 'del', key, db.id);
      s.dirty++;
      n++;
    }
  }
  c.reply.int(n);
}

/** Format: EXISTS key [key ...] (a key named twice counts twice) */
function existsCommand(c: Client, argv: string[]): void {
  let n = 0;
  for (let j = 1; j < argv.length; j++) if (lookupNoTouch(c, argv[j]) !== undefined) n++;
  c.reply.int(n);
}

/** Format: TYPE key */
function typeCommand(c: Client, argv: string[]): void {
  const e = lookupNoTouch(c, argv[1]);
  c.reply.simple(e === undefined ? 'none' : typeName(e));
}

/** Format: RENAME key newkey / RENAMENX key newkey */
function renameGeneric(c: Client, argv: string[], nx: boolean): void {
  const db = c.db;
  const from = argv[1];
  const to = argv[2];
  const value = db.get(from);
  if (value === undefined) throw new RedisError(Err.noSuchKey);
  if (from === to) {
    if (nx) c.reply.int(0);
    else c.reply.ok();
    return;
  }
  if (db.get(to) !== undefined) {
    if (nx) {
      c.reply.int(0);
      return;
    }
    db.delete(to);
  }
  const meta = db.meta(from)!;
  db.delete(from);
  placeValue(db, to, value, meta, false);
  const s = c.server;
  s.notifyKeyspaceEvent('g', 'rename_from', from, db.id);
  s.notifyKeyspaceEvent('g', 'rename_to', to, db.id);
  s.dirty++;
  if (nx) c.reply.int(1);
  else c.reply.ok();
}

/** Format: MOVE key db */
function moveCommand(c: Client, argv: string[]): void {
  const src = c.db;
  const key = argv[1];
  const dst = dbArg(c, argv[2]);
  if (dst === src) throw new RedisError('ERR source and destination objects are the same');
  const e = src.get(key);
  if (e === undefined || dst.get(key) !== undefined) {
    c.reply.int(0);
    return;
  }
  const s = c.server;
  s.watch.beforeKeyWrite(dst.id, key);
  const meta = src.meta(key)!;
  src.delete(key);
  placeValue(dst, key, e, meta, false);
  s.watch.signalModifiedKey(dst.id, key);
  s.notifyKeyspaceEvent('g', 'move_from', key, src.id);
  s.notifyKeyspaceEvent('g', 'move_to', key, dst.id);
  s.dirty++;
  c.reply.int(1);
}

/** Format: COPY source destination [DB destination-db] [REPLACE] */
function copyCommand(c: Client, argv: string[]): void {
  const src = c.db;
  let dst = c.db;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const o = optName(argv[j]);
    if (o === 'replace') replace = true;
    else if (o === 'db' && argv.length - j - 1 >= 1) {
      dst = dbArg(c, argv[j + 1]);
      j++;
    } else throw new RedisError(Err.syntax);
  }
  const key = argv[1];
  const newkey = argv[2];
  if (src === dst && key === newkey) throw new RedisError('ERR source and destination objects are the same');
  const v = lookupRead(c, key);
  if (v === undefined) {
    c.reply.int(0);
    return;
  }
  const meta = src.meta(key)!;
  let del = false;
  if (dst.get(newkey) !== undefined) {
    if (!replace) {
      c.reply.int(0);
      return;
    }
    del = true;
  }
  const s = c.server;
  const copy = duplicateValue(c, v);
  if (dst !== src) s.watch.beforeKeyWrite(dst.id, newkey);
  if (del) dst.delete(newkey);
  placeValue(dst, newkey, copy, meta, true);
  // the destination in its own db, and only it (copyCommand): the executor signals no key of COPY
  s.watch.signalModifiedKey(dst.id, newkey);
  s.notifyKeyspaceEvent('g', 'copy_to', newkey, dst.id);
  s.dirty++;
  c.reply.int(1);
}

// ---------------------------------------------------------------------------
// KEYS, SCAN, RANDOMKEY

/** Format: KEYS pattern */
function keysCommand(c: Client, argv: string[]): void {
  const pattern = argv[1];
  const all = isMatchAll(pattern);
  const db = c.db;
  const out: string[] = [];
  const now = c.server.now();
  db.forEach((key, _v, expireAt) => {
    if ((all || stringMatch(pattern, key)) && (expireAt < 0 || expireAt > now)) out.push(key);
  });
  c.reply.bulks(out);
}

/**
 * SCAN and RANDOMKEY may reclaim any number of expired keys; run directly
 * (not inside EXEC or a script) their DELs are propagated without MULTI/EXEC,
 * as Redis does for commands flagged TOUCHES_ARBITRARY_KEYS.
 */
function touchesArbitraryKeys(c: Client, name: string): void {
  if (c.lastCmd !== null && c.lastCmd.name === name) c.server.propagation.noMulti = true;
}

/** Format: SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] */
function scanCommand(c: Client, argv: string[]): void {
  const cursor = scanCursorArg(argv[1]);
  touchesArbitraryKeys(c, 'scan');
  let count = 10;
  let pattern: string | null = null;
  let type: string | null = null;
  for (let i = 2; i < argv.length; ) {
    const o = optName(argv[i]);
    const left = argv.length - i;
    if (o === 'count' && left >= 2) {
      const v = parseInt64(argv[i + 1]);
      if (v === null) throw new RedisError(Err.notInt);
      if (v < 1) throw new RedisError(Err.syntax);
      count = Number(v);
      i += 2;
    } else if (o === 'match' && left >= 2) {
      pattern = isMatchAll(argv[i + 1]) ? null : argv[i + 1];
      i += 2;
    } else if (o === 'type' && left >= 2) {
      type = argv[i + 1];
      i += 2;
    } else throw new RedisError(Err.syntax);
  }
  const db = c.db;
  const keys: string[] = [];
  // db.scan guarantees every key present for the whole iteration; collect first, filter after
  // (filtering may delete expired keys, which must not happen under the scan's feet)
  const next = cursor > Number.MAX_SAFE_INTEGER ? 0 : db.scan(cursor, Math.min(count, 1 << 30), (k) => keys.push(k));
  const out: string[] = [];
  const wantType = type === null ? null : type.toLowerCase();
  for (const k of keys) {
    if (pattern !== null && !stringMatch(pattern, k)) continue;
    if (wantType !== null) {
      const e = lookupNoTouch(c, k);
      if ((e === undefined ? 'none' : typeName(e)) !== wantType) continue;
    }
    if (db.get(k) === undefined) continue;
    out.push(k);
  }
  const r = c.reply;
  r.arrayLen(2);
  r.bulk(String(next));
  r.bulks(out);
}

/** Format: RANDOMKEY */
function randomkeyCommand(c: Client): void {
  touchesArbitraryKeys(c, 'randomkey');
  const db = c.db;
  const s = c.server;
  const allVolatile = db.size === db.expiresSize;
  let tries = 100;
  for (let guard = 0; ; guard++) {
    const key = db.randomKey();
    if (key === null) {
      c.reply.nullBulk();
      return;
    }
    if (!db.isLive(key)) {
      // a replica cannot delete: after some tries with only volatile keys it returns an expired name
      if ((allVolatile && s.isReplica() && --tries === 0) || guard > 10000) {
        c.reply.bulk(key);
        return;
      }
      if (db.get(key) === undefined) continue;
    }
    c.reply.bulk(key);
    return;
  }
}

// ---------------------------------------------------------------------------
// expires

const EXP_NX = 1;
const EXP_XX = 2;
const EXP_GT = 4;
const EXP_LT = 8;

/**
 * expireGenericCommand: EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT key time
 * [NX | XX | GT | LT]. `relative` adds the current time, `seconds` scales by
 * 1000.
 */
function expireGeneric(c: Client, argv: string[], relative: boolean, seconds: boolean): void {
  const name = argv[0].toLowerCase();
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const o = optName(argv[j]);
    if (o === 'nx') flags |= EXP_NX;
    else if (o === 'xx') flags |= EXP_XX;
    else if (o === 'gt') flags |= EXP_GT;
    else if (o === 'lt') flags |= EXP_LT;
    else throw new RedisError(`ERR Unsupported option ${cstr(argv[j])}`);
  }
  if (flags & EXP_NX && flags & (EXP_XX | EXP_GT | EXP_LT)) {
    throw new RedisError('ERR NX and XX, GT or LT options at the same time are not compatible');
  }
  if (flags & EXP_GT && flags & EXP_LT) throw new RedisError('ERR GT and LT options at the same time are not compatible');
  const v = parseInt64(argv[2]);
  if (v === null) throw new RedisError(Err.notInt);
  const s = c.server;
  // exact int64 arithmetic with Redis's overflow checks; JS numbers when safe
  let when: number;
  let whenText: string | null = null;
  const base = relative ? s.now() : 0;
  const scaled = typeof v === 'number' ? (seconds ? v * 1000 : v) + base : NaN;
  if (typeof v === 'number' && Number.isSafeInteger(scaled)) {
    when = scaled;
  } else {
    let b = BigInt(v);
    if (seconds) {
      if (b > INT64_MAX / 1000n || b < INT64_MIN / 1000n) throw new RedisError(Err.invalidExpire(name));
      b *= 1000n;
    }
    if (b > INT64_MAX - BigInt(base)) throw new RedisError(Err.invalidExpire(name));
    b += BigInt(base);
    when = Number(b);
    whenText = b.toString();
  }
  const key = argv[1];
  const db = c.db;
  const slot = db.lookupSlot(key);
  if (slot < 0) {
    c.reply.int(0);
    return;
  }
  if (flags) {
    const cur = db.table.expireAt(slot);
    if ((flags & EXP_NX && cur !== -1) || (flags & EXP_XX && cur === -1) || (flags & EXP_GT && (when <= cur || cur === -1)) || (flags & EXP_LT && cur !== -1 && when >= cur)) {
      c.reply.int(0);
      return;
    }
  }
  if (when <= s.now() && !s.loading && !s.isReplica()) {
    // already expired: delete now and propagate the deletion
    db.delete(key);
    s.dirty++;
    s.propagation.rewrite([delVerb(c, 'lazyfree-lazy-expire'), key]);
    s.notifyKeyspaceEvent('g', 'del', key, db.id);
    c.reply.int(1);
    return;
  }
  db.setExpire(key, when);
  c.reply.int(1);
  if (name !== 'pexpireat' || relative || seconds) {
    const out = argv.slice();
    out[0] = 'PEXPIREAT';
    out[2] = whenText ?? String(when);
    s.propagation.rewrite(out);
  }
  s.notifyKeyspaceEvent('g', 'expire', key, db.id);
  s.dirty++;
}

/** ttlGenericCommand: TTL / PTTL / EXPIRETIME / PEXPIRETIME key. */
function ttlGeneric(c: Client, key: string, ms: boolean, abs: boolean): void {
  const e = lookupNoTouch(c, key);
  if (e === undefined) {
    c.reply.int(-2);
    return;
  }
  const at = c.db.expireOf(key);
  if (at < 0) {
    c.reply.int(-1);
    return;
  }
  let ttl = abs ? at : at - c.server.now();
  if (ttl < 0) ttl = 0;
  c.reply.int(ms ? ttl : Math.floor((ttl + 500) / 1000));
}

/** Format: PERSIST key */
function persistCommand(c: Client, argv: string[]): void {
  if (c.db.lookupSlot(argv[1]) >= 0 && c.db.persist(argv[1])) {
    const s = c.server;
    s.notifyKeyspaceEvent('g', 'persist', argv[1], c.db.id);
    s.dirty++;
    c.reply.int(1);
  } else c.reply.int(0);
}

/** Format: TOUCH key [key ...] */
function touchCommand(c: Client, argv: string[]): void {
  let n = 0;
  // TOUCH touches even under CLIENT NO-TOUCH (Redis 7.2)
  for (let j = 1; j < argv.length; j++) {
    const e = lookupNoTouch(c, argv[j]);
    if (e === undefined) continue;
    c.server.touchSlot(c.db, c.db.slotOf(argv[j]));
    n++;
  }
  c.reply.int(n);
}

// ---------------------------------------------------------------------------
// OBJECT

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

/** objectCommandLookupOrReply: the entry, or a null reply (returns undefined). */
function objectLookup(c: Client, key: string): DbValue | undefined {
  const e = lookupNoTouch(c, key);
  if (e === undefined) c.reply.nullBulk();
  return e;
}

function lfuPolicy(c: Client): boolean {
  return c.server.config.settings.maxmemoryPolicy.endsWith('lfu');
}

/** OBJECT ENCODING as Redis names it for every type (lists get list-max-listpack-size). */
export function objectEncoding(c: Client, db: Database, key: string): string {
  const v = db.peek(key)!;
  if (typeof v === 'string' || v.type === 'string') return stringEncoding(db, key);
  if (v.type === 'list') return v.encoding(c.server.config.settings.listMaxListpackSize);
  return v.encoding();
}

const objectSubcommands: CommandSpec[] = [
  // Format: OBJECT HELP
  cmd('help', 2, 'loading stale', 0, 0, 0, (c) => {
    c.reply.arrayLen(OBJECT_HELP.length);
    for (const l of OBJECT_HELP) c.reply.simple(l);
  }),
  // Format: OBJECT ENCODING key
  cmd('encoding', 3, 'readonly', 2, 2, 1, (c, argv) => {
    const e = objectLookup(c, argv[2]);
    if (e !== undefined) c.reply.bulk(objectEncoding(c, c.db, argv[2]));
  }),
  // Format: OBJECT FREQ key
  cmd('freq', 3, 'readonly', 2, 2, 1, (c, argv) => {
    const e = objectLookup(c, argv[2]);
    if (e === undefined) return;
    if (!lfuPolicy(c)) {
      throw new RedisError(
        'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
      );
    }
    // LFUDecrAndReturn: the counter decays by one per lfu-decay-time minutes idle
    c.reply.int(c.server.lfuFrequency(c.db, c.db.slotOf(argv[2])));
  }),
  // Format: OBJECT IDLETIME key
  cmd('idletime', 3, 'readonly', 2, 2, 1, (c, argv) => {
    const e = objectLookup(c, argv[2]);
    if (e === undefined) return;
    if (lfuPolicy(c)) {
      throw new RedisError(
        'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
      );
    }
    // the LRU clock has a one second resolution
    c.reply.int(Math.max(0, Math.floor(c.server.now() / 1000) - c.db.table.lru(c.db.slotOf(argv[2]))));
  }),
  // Format: OBJECT REFCOUNT key
  cmd('refcount', 3, 'readonly', 2, 2, 1, (c, argv) => {
    const e = objectLookup(c, argv[2]);
    if (e !== undefined) c.reply.int(typeof e === 'string' ? stringRefcount(c, c.db, argv[2]) : 1);
  }),
];

// ---------------------------------------------------------------------------
// the table

/** Generic key command specs. */
export const keyCommands: CommandSpec[] = [
  cmd('del', -2, 'write', 1, -1, 1, delGeneric),
  cmd('unlink', -2, 'write fast', 1, -1, 1, delGeneric),
  cmd('exists', -2, 'readonly fast', 1, -1, 1, existsCommand),
  cmd('type', 2, 'readonly fast', 1, 1, 1, typeCommand),
  cmd('rename', 3, 'write', 1, 2, 1, (c, argv) => renameGeneric(c, argv, false)),
  cmd('renamenx', 3, 'write fast', 1, 2, 1, (c, argv) => renameGeneric(c, argv, true)),
  cmd('copy', -3, 'write denyoom', 1, 2, 1, copyCommand, { writeKeys: () => [] }),
  cmd('move', 3, 'write fast', 1, 1, 1, moveCommand),
  cmd('keys', 2, 'readonly', 0, 0, 0, keysCommand),
  cmd('scan', -2, 'readonly', 0, 0, 0, scanCommand),
  cmd('randomkey', 1, 'readonly', 0, 0, 0, randomkeyCommand),
  // Format: EXPIRE key seconds [NX | XX | GT | LT] (and PEXPIRE, EXPIREAT, PEXPIREAT)
  cmd('expire', -3, 'write fast', 1, 1, 1, (c, argv) => expireGeneric(c, argv, true, true)),
  cmd('pexpire', -3, 'write fast', 1, 1, 1, (c, argv) => expireGeneric(c, argv, true, false)),
  cmd('expireat', -3, 'write fast', 1, 1, 1, (c, argv) => expireGeneric(c, argv, false, true)),
  cmd('pexpireat', -3, 'write fast', 1, 1, 1, (c, argv) => expireGeneric(c, argv, false, false)),
  // Format: TTL key / PTTL key / EXPIRETIME key / PEXPIRETIME key
  cmd('ttl', 2, 'readonly fast', 1, 1, 1, (c, argv) => ttlGeneric(c, argv[1], false, false)),
  cmd('pttl', 2, 'readonly fast', 1, 1, 1, (c, argv) => ttlGeneric(c, argv[1], true, false)),
  cmd('expiretime', 2, 'readonly fast', 1, 1, 1, (c, argv) => ttlGeneric(c, argv[1], false, true)),
  cmd('pexpiretime', 2, 'readonly fast', 1, 1, 1, (c, argv) => ttlGeneric(c, argv[1], true, true)),
  cmd('persist', 2, 'write fast', 1, 1, 1, persistCommand),
  cmd('touch', -2, 'readonly fast', 1, -1, 1, touchCommand),
  {
    name: 'object',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    subcommands: objectSubcommands,
  },
];
