/**
 * List commands (t_list.c): pushes, pops, ranges, LINSERT/LSET/LREM/LTRIM/
 * LPOS, LMOVE/RPOPLPUSH, LMPOP, and the blocking BLPOP/BRPOP/BLMOVE/
 * BRPOPLPUSH/BLMPOP. Replies, errors, keyspace events and what is propagated
 * follow Redis 7.0 exactly (a blocking pop served at once or later is
 * propagated as the non-blocking LPOP/RPOP/LMOVE/RPOPLPUSH it amounts to).
 */
import { cmd, numkeysAt, type CommandSpec } from './spec';
import { RedisError, Err } from '../protocol/errors';
import { ReplyText } from '../protocol/reply';
import { lookupRead, lookupWrite, isOpt, timeoutArg, wrote } from './util';
import {
  listLimits,
  leftRightArg,
  longArg,
  numkeysArg,
  positiveLongArg,
  rangeLongArg,
  LONG_MAX,
} from './collection-util';
import { RList, normalizeRange } from '../keyspace/types/list';
import type { Client } from '../server/client';

const LONG_MIN_TEXT = '-9223372036854775808';

/** The list at key for reading (hit/miss stats), undefined when missing; WRONGTYPE otherwise. */
function readList(c: Client, key: string): RList | undefined {
  const v = lookupRead(c, key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'list') throw new RedisError(Err.wrongType);
  return v;
}

/** The list at key for writing, undefined when missing; WRONGTYPE otherwise. */
function writeList(c: Client, key: string): RList | undefined {
  const v = lookupWrite(c, key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'list') throw new RedisError(Err.wrongType);
  return v;
}

/**
 * Redis's listElementsRemoved: pop event, delete the key when emptied (with
 * its "del" event) and count the change. WATCH and blocked clients are
 * signalled by the executor for the command's keys.
 */
function elementsRemoved(c: Client, key: string, left: boolean, list: RList, count: number): void {
  c.server.notifyKeyspaceEvent('l', left ? 'lpop' : 'rpop', key, c.db.id);
  if (list.length === 0) {
    c.db.delete(key);
    c.server.notifyKeyspaceEvent('g', 'del', key, c.db.id);
  }
  c.server.dirty += count;
}

/** Pops up to `count` elements from one end and writes them as an array (RPOP order: tail first). */
function popRangeReply(c: Client, list: RList, left: boolean, count: number): number {
  const n = count > list.length ? list.length : count;
  const r = c.reply;
  r.arrayLen(n);
  for (let i = 0; i < n; i++) r.bulk((left ? list.popFront() : list.popBack()) as string);
  return n;
}

// ---------------------------------------------------------------- pushes

function pushGeneric(c: Client, argv: string[], left: boolean, onlyIfExists: boolean): void {
  const key = argv[1];
  let list = writeList(c, key);
  if (list === undefined) {
    if (onlyIfExists) {
      c.reply.int(0);
      return;
    }
    list = new RList(undefined, listLimits(c));
    c.db.set(key, list);
  }
  const n = argv.length;
  list.pushAll(argv, 2, left);
  c.reply.int(list.length);
  wrote(c, key, 'l', left ? 'lpush' : 'rpush', n - 2);
}

// ---------------------------------------------------------------- pops

function popGeneric(c: Client, argv: string[], left: boolean): void {
  if (argv.length > 3) throw new RedisError(Err.arity(left ? 'lpop' : 'rpop'));
  const hasCount = argv.length === 3;
  const count = hasCount ? positiveLongArg(argv[2]) : 0;
  const key = argv[1];
  const list = writeList(c, key);
  if (list === undefined) {
    if (hasCount) c.reply.nullArray();
    else c.reply.nullBulk();
    return;
  }
  if (hasCount && count === 0) {
    c.reply.arrayLen(0);
    return;
  }
  if (!hasCount) {
    c.reply.bulk((left ? list.popFront() : list.popBack()) as string);
    elementsRemoved(c, key, left, list, 1);
    return;
  }
  const n = popRangeReply(c, list, left, count);
  elementsRemoved(c, key, left, list, n);
}

// ---------------------------------------------------------------- LMOVE family

/**
 * Moves one element from the (non-empty) list `src` at srcKey to dstKey, as
 * lmoveGenericCommand: the destination is created when missing; events are
 * the push on the destination, then the pop on the source, then "del" if the
 * source emptied. The caller has checked the destination's type.
 */
function moveOne(c: Client, srcKey: string, src: RList, dstKey: string, dst: RList | undefined, fromLeft: boolean, toLeft: boolean): string {
  const value = (fromLeft ? src.popFront() : src.popBack()) as string;
  let d = dst;
  if (d === undefined) {
    d = new RList(undefined, listLimits(c));
    c.db.set(dstKey, d);
  }
  if (toLeft) d.pushFront(value);
  else d.pushBack(value);
  const s = c.server;
  const dbId = c.db.id;
  s.notifyKeyspaceEvent('l', toLeft ? 'lpush' : 'rpush', dstKey, dbId);
  s.notifyKeyspaceEvent('l', fromLeft ? 'lpop' : 'rpop', srcKey, dbId);
  if (src.length === 0) {
    c.db.delete(srcKey);
    s.notifyKeyspaceEvent('g', 'del', srcKey, dbId);
  }
  s.dirty++;
  return value;
}

/** LMOVE/RPOPLPUSH body; returns false when the source is missing (reply not written). */
function lmoveGeneric(c: Client, srcKey: string, dstKey: string, fromLeft: boolean, toLeft: boolean): boolean {
  const src = writeList(c, srcKey);
  if (src === undefined || src.length === 0) return false;
  const dst = srcKey === dstKey ? src : writeList(c, dstKey);
  c.reply.bulk(moveOne(c, srcKey, src, dstKey, dst, fromLeft, toLeft));
  return true;
}

// ---------------------------------------------------------------- blocking

/**
 * Redis's CLIENT_DENY_BLOCKING: inside MULTI/EXEC (and scripts, fake
 * clients) a blocking command answers at once as if it timed out. In those
 * contexts the command that entered the executor is EXEC (or EVAL...) rather
 * than the blocking command itself; `denyBlocking` lets EXEC say so explicitly.
 */
function mayBlock(c: Client): boolean {
  if (c.isFake || c.socket === null || c.multi !== null || c.denyBlocking) return false;
  const lc = c.lastCmd;
  return lc !== null && lc.isBlocking;
}

/** What a blocked list client is waiting to do. */
interface ListWait {
  /** BLPOP/BRPOP/BLMPOP: pop side; BLMOVE/BRPOPLPUSH: source side */
  left: boolean;
  /** BLMPOP: elements per pop (-1 for BLPOP/BRPOP) */
  count: number;
  /** BLMOVE/BRPOPLPUSH destination */
  dst: string | null;
  toLeft: boolean;
  /** BRPOPLPUSH propagates RPOPLPUSH, BLMOVE propagates LMOVE */
  rpoplpush: boolean;
}

/**
 * Serve a blocked client from `key` if it holds a non-empty list (as
 * serveClientBlockedOnList): write the reply, fire events, propagate the
 * non-blocking equivalent. Returns true when the client got a reply.
 */
function serveFromKey(c: Client, key: string, w: ListWait): boolean {
  const db = c.db;
  const v = db.get(key);
  if (v === undefined) return false;
  if (typeof v === 'string' || v.type !== 'list' || v.length === 0) return false;
  const s = c.server;
  if (w.dst === null) {
    s.watch.beforeKeyWrite(db.id, key);
    if (w.count > 0) {
      const n = w.count > v.length ? v.length : w.count;
      s.propagation.also(db.id, [w.left ? 'LPOP' : 'RPOP', key, String(n)]);
      c.reply.arrayLen(2);
      c.reply.bulk(key);
      popRangeReply(c, v, w.left, n);
      elementsRemoved(c, key, w.left, v, n);
      s.watch.signalModifiedKey(db.id, key);
      return true;
    }
    s.propagation.also(db.id, [w.left ? 'LPOP' : 'RPOP', key]);
    const value = (w.left ? v.popFront() : v.popBack()) as string;
    c.reply.arrayLen(2);
    c.reply.bulk(key);
    c.reply.bulk(value);
    elementsRemoved(c, key, w.left, v, 1);
    return true;
  }
  // BLMOVE / BRPOPLPUSH: a destination of the wrong type answers WRONGTYPE and unblocks.
  const dstKey = w.dst;
  const dv = key === dstKey ? v : db.get(dstKey);
  let dst: RList | undefined;
  if (dv !== undefined) {
    if (typeof dv === 'string' || dv.type !== 'list') {
      s.countError(Err.wrongType);
      c.reply.error(Err.wrongType);
      return true;
    }
    dst = dv;
  }
  s.watch.beforeKeyWrite(db.id, key);
  if (dstKey !== key) s.watch.beforeKeyWrite(db.id, dstKey);
  c.reply.bulk(moveOne(c, key, v, dstKey, dst, w.left, w.toLeft));
  // The push may serve clients blocked on the destination (BLMOVE chains).
  s.watch.signalModifiedKey(db.id, dstKey);
  s.propagation.also(db.id, w.rpoplpush ? ['RPOPLPUSH', key, dstKey] : ['LMOVE', key, dstKey, w.left ? 'left' : 'right', w.toLeft ? 'left' : 'right']);
  return true;
}

/** Block the client on `keys` until a push serves it, the timeout fires, or it disconnects. */
function blockForKeys(c: Client, argv: string[], keys: string[], timeoutAt: number, w: ListWait): void {
  const unique: string[] = [];
  for (const k of keys) if (!unique.includes(k)) unique.push(k);
  c.server.blocking.block(c, {
    kind: 'keys',
    keys: unique,
    db: c.db.id,
    timeoutAt,
    argv,
    tryServe: (key?: string) => {
      if (key !== undefined) return serveFromKey(c, key, w);
      for (const k of unique) if (serveFromKey(c, k, w)) return true;
      return false;
    },
    onTimeout: () => c.reply.nullArray(),
  });
}

/**
 * BLPOP/BRPOP/LMPOP/BLMPOP when not blocking: pop from the first non-empty
 * list in key order (WRONGTYPE stops at the first wrong key met before one
 * with data) and propagate the LPOP/RPOP it amounts to. Returns true when served.
 */
function popFirstNonEmpty(c: Client, keys: string[], left: boolean, count: number): boolean {
  for (const key of keys) {
    const list = writeList(c, key);
    if (list === undefined || list.length === 0) continue;
    if (count > 0) {
      const n = count > list.length ? list.length : count;
      c.reply.arrayLen(2);
      c.reply.bulk(key);
      popRangeReply(c, list, left, n);
      elementsRemoved(c, key, left, list, n);
      c.server.propagation.rewrite([left ? 'LPOP' : 'RPOP', key, String(n)]);
      return true;
    }
    const value = (left ? list.popFront() : list.popBack()) as string;
    c.reply.arrayLen(2);
    c.reply.bulk(key);
    c.reply.bulk(value);
    elementsRemoved(c, key, left, list, 1);
    c.server.propagation.rewrite([left ? 'LPOP' : 'RPOP', key]);
    return true;
  }
  return false;
}

function blockingPop(c: Client, argv: string[], left: boolean): void {
  const timeoutAt = timeoutArg(c, argv[argv.length - 1]);
  const keys = argv.slice(1, argv.length - 1);
  if (popFirstNonEmpty(c, keys, left, -1)) return;
  if (!mayBlock(c)) {
    c.reply.nullArray();
    return;
  }
  blockForKeys(c, argv, keys, timeoutAt, { left, count: -1, dst: null, toLeft: false, rpoplpush: false });
}

function blockingMove(c: Client, argv: string[], fromLeft: boolean, toLeft: boolean, timeoutAt: number, rpoplpush: boolean): void {
  const srcKey = argv[1];
  const dstKey = argv[2];
  if (lmoveGeneric(c, srcKey, dstKey, fromLeft, toLeft)) {
    c.server.propagation.rewrite(rpoplpush ? ['RPOPLPUSH', srcKey, dstKey] : ['LMOVE', srcKey, dstKey, argv[3], argv[4]]);
    return;
  }
  if (!mayBlock(c)) {
    c.reply.nullBulk();
    return;
  }
  blockForKeys(c, argv, [srcKey], timeoutAt, { left: fromLeft, count: -1, dst: dstKey, toLeft, rpoplpush });
}

/** Parsed `numkeys key... LEFT|RIGHT [COUNT n]` of LMPOP/BLMPOP. */
interface MpopArgs {
  keys: string[];
  left: boolean;
  count: number;
}

function parseMpop(argv: string[], numkeysIdx: number): MpopArgs {
  const numkeys = numkeysArg(argv[numkeysIdx]);
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) throw new RedisError(Err.syntax);
  const left = leftRightArg(argv[whereIdx]);
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (count === -1 && isOpt(argv[j], 'count') && more > 0) {
      j++;
      count = rangeLongArg(argv[j], 1n, LONG_MAX, 'ERR count should be greater than 0');
    } else {
      throw new RedisError(Err.syntax);
    }
  }
  if (count === -1) count = 1;
  return { keys: argv.slice(numkeysIdx + 1, whereIdx), left, count };
}

// ---------------------------------------------------------------- CLIENT UNBLOCK support

/**
 * CLIENT UNBLOCK id [TIMEOUT]: answer a blocked client as if its timeout
 * fired (null array for list pops) and resume it. Returns false when the
 * client was not blocked.
 */
export function unblockClientWithTimeoutReply(c: Client): boolean {
  const st = c.blocked;
  if (st === null) return false;
  c.server.executor.execUnit(() => st.onTimeout());
  c.server.blocking.unblock(c, true);
  return true;
}

/** CLIENT UNBLOCK id ERROR: answer `-UNBLOCKED client unblocked via CLIENT UNBLOCK` and resume the client. */
export function unblockClientWithError(c: Client, msg = 'UNBLOCKED client unblocked via CLIENT UNBLOCK'): boolean {
  if (c.blocked === null) return false;
  c.server.countError(msg);
  c.reply.error(msg);
  c.server.blocking.unblock(c, true);
  return true;
}

// ---------------------------------------------------------------- handlers

/** Format: LLEN key */
function llen(c: Client, argv: string[]): void {
  const list = readList(c, argv[1]);
  c.reply.int(list === undefined ? 0 : list.length);
}

/** Format: LINDEX key index */
function lindex(c: Client, argv: string[]): void {
  const list = readList(c, argv[1]);
  if (list === undefined) {
    c.reply.nullBulk();
    return;
  }
  c.reply.bulkOrNull(list.index(longArg(argv[2])));
}

/** Format: LRANGE key start stop */
function lrange(c: Client, argv: string[]): void {
  const start = longArg(argv[2]);
  const stop = longArg(argv[3]);
  const list = readList(c, argv[1]);
  const range = list === undefined ? null : normalizeRange(start, stop, list.length);
  if (list === undefined || range === null) {
    c.reply.arrayLen(0);
    return;
  }
  // Built straight from the nodes (no intermediate array): LRANGE is hot.
  const r = c.reply;
  if (!r.enabled) return;
  const from = range[0];
  const n = range[1] - from + 1;
  const t = new ReplyText('*' + n + '\r\n');
  list.forRange(from, n, (v) => t.bulk(v));
  r.raw(t.done());
}

/** Format: LINSERT key BEFORE|AFTER pivot element */
function linsert(c: Client, argv: string[]): void {
  let before: boolean;
  if (isOpt(argv[2], 'after')) before = false;
  else if (isOpt(argv[2], 'before')) before = true;
  else throw new RedisError(Err.syntax);
  const key = argv[1];
  const list = writeList(c, key);
  if (list === undefined) {
    c.reply.int(0);
    return;
  }
  const n = list.insert(argv[3], before ? 'before' : 'after', argv[4]);
  if (n < 0) {
    c.reply.int(-1);
    return;
  }
  wrote(c, key, 'l', 'linsert');
  c.reply.int(n);
}

/** Format: LSET key index element */
function lset(c: Client, argv: string[]): void {
  const key = argv[1];
  const list = writeList(c, key);
  if (list === undefined) throw new RedisError(Err.noSuchKey);
  const index = longArg(argv[2]);
  if (!list.set(index, argv[3])) throw new RedisError(Err.outOfRange);
  wrote(c, key, 'l', 'lset');
  c.reply.ok();
}

/** Format: LREM key count element */
function lrem(c: Client, argv: string[]): void {
  const count = longArg(argv[2]);
  const key = argv[1];
  const list = writeList(c, key);
  if (list === undefined) {
    c.reply.int(0);
    return;
  }
  const removed = list.remove(count, argv[3]);
  if (removed > 0) {
    wrote(c, key, 'l', 'lrem', removed);
    if (list.length === 0) {
      c.db.delete(key);
      c.server.notifyKeyspaceEvent('g', 'del', key, c.db.id);
    }
  }
  c.reply.int(removed);
}

/** Format: LTRIM key start stop */
function ltrim(c: Client, argv: string[]): void {
  const start = longArg(argv[2]);
  const stop = longArg(argv[3]);
  const key = argv[1];
  const list = writeList(c, key);
  if (list === undefined) {
    c.reply.ok();
    return;
  }
  const before = list.length;
  list.trim(start, stop);
  const s = c.server;
  // Redis always fires "ltrim" and touches the key, but only counts removed
  // elements as changes (so a trim that removes nothing is not propagated).
  s.notifyKeyspaceEvent('l', 'ltrim', key, c.db.id);
  if (list.length === 0) {
    c.db.delete(key);
    s.notifyKeyspaceEvent('g', 'del', key, c.db.id);
  }
  s.watch.signalModifiedKey(c.db.id, key);
  s.dirty += before - list.length;
  c.reply.ok();
}

/** Format: LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
function lpos(c: Client, argv: string[]): void {
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  let rankIsMin = false;
  for (let j = 3; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (isOpt(argv[j], 'rank') && more > 0) {
      j++;
      rank = longArg(argv[j]);
      // Negating LONG_MIN overflows in Redis: the search then runs from the
      // tail and every match qualifies, whatever COUNT says.
      rankIsMin = argv[j] === LONG_MIN_TEXT;
      if (rank === 0) {
        throw new RedisError(
          "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
        );
      }
    } else if (isOpt(argv[j], 'count') && more > 0) {
      j++;
      count = positiveLongArg(argv[j], "ERR COUNT can't be negative");
    } else if (isOpt(argv[j], 'maxlen') && more > 0) {
      j++;
      maxlen = positiveLongArg(argv[j], "ERR MAXLEN can't be negative");
    } else {
      throw new RedisError(Err.syntax);
    }
  }
  const list = readList(c, argv[1]);
  if (list === undefined) {
    if (count !== -1) c.reply.arrayLen(0);
    else c.reply.nullBulk();
    return;
  }
  if (rankIsMin) {
    rank = -1;
    if (count > 0) count = 0;
  }
  if (count === -1) {
    const r = list.pos(argv[2], rank, 1, maxlen);
    if (r.length === 0) c.reply.nullBulk();
    else c.reply.int(r[0]);
    return;
  }
  const r = list.pos(argv[2], rank, count, maxlen);
  c.reply.arrayLen(r.length);
  for (let i = 0; i < r.length; i++) c.reply.int(r[i]);
}

/** Format: LMOVE source destination LEFT|RIGHT LEFT|RIGHT */
function lmove(c: Client, argv: string[]): void {
  const fromLeft = leftRightArg(argv[3]);
  const toLeft = leftRightArg(argv[4]);
  if (!lmoveGeneric(c, argv[1], argv[2], fromLeft, toLeft)) c.reply.nullBulk();
}

/** Format: RPOPLPUSH source destination */
function rpoplpush(c: Client, argv: string[]): void {
  if (!lmoveGeneric(c, argv[1], argv[2], false, true)) c.reply.nullBulk();
}

/** Format: LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] */
function lmpop(c: Client, argv: string[]): void {
  const a = parseMpop(argv, 1);
  if (!popFirstNonEmpty(c, a.keys, a.left, a.count)) c.reply.nullArray();
}

/** Format: BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout */
function blmove(c: Client, argv: string[]): void {
  const fromLeft = leftRightArg(argv[3]);
  const toLeft = leftRightArg(argv[4]);
  const timeoutAt = timeoutArg(c, argv[5]);
  blockingMove(c, argv, fromLeft, toLeft, timeoutAt, false);
}

/** Format: BRPOPLPUSH source destination timeout */
function brpoplpush(c: Client, argv: string[]): void {
  const timeoutAt = timeoutArg(c, argv[3]);
  blockingMove(c, argv, false, true, timeoutAt, true);
}

/** Format: BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count] */
function blmpop(c: Client, argv: string[]): void {
  const a = parseMpop(argv, 2);
  const timeoutAt = timeoutArg(c, argv[1]);
  if (popFirstNonEmpty(c, a.keys, a.left, a.count)) return;
  if (!mayBlock(c)) {
    c.reply.nullArray();
    return;
  }
  blockForKeys(c, argv, a.keys, timeoutAt, { left: a.left, count: a.count, dst: null, toLeft: false, rpoplpush: false });
}

// ---------------------------------------------------------------- specs

/**
 * List command specs. Formats: LPUSH|RPUSH|LPUSHX|RPUSHX key element
 * [element ...]; LPOP|RPOP key [count]; BLPOP|BRPOP key [key ...] timeout;
 * the others are documented on their handlers.
 */
export const listCommands: CommandSpec[] = [
  cmd('lpush', -3, 'write denyoom fast', 1, 1, 1, (c, argv) => pushGeneric(c, argv, true, false)),
  cmd('rpush', -3, 'write denyoom fast', 1, 1, 1, (c, argv) => pushGeneric(c, argv, false, false)),
  cmd('lpushx', -3, 'write denyoom fast', 1, 1, 1, (c, argv) => pushGeneric(c, argv, true, true)),
  cmd('rpushx', -3, 'write denyoom fast', 1, 1, 1, (c, argv) => pushGeneric(c, argv, false, true)),
  cmd('lpop', -2, 'write fast', 1, 1, 1, (c, argv) => popGeneric(c, argv, true)),
  cmd('rpop', -2, 'write fast', 1, 1, 1, (c, argv) => popGeneric(c, argv, false)),
  cmd('llen', 2, 'readonly fast', 1, 1, 1, llen),
  cmd('lindex', 3, 'readonly', 1, 1, 1, lindex),
  cmd('lrange', 4, 'readonly', 1, 1, 1, lrange),
  cmd('linsert', 5, 'write denyoom', 1, 1, 1, linsert),
  cmd('lset', 4, 'write denyoom', 1, 1, 1, lset),
  cmd('lrem', 4, 'write', 1, 1, 1, lrem),
  cmd('ltrim', 4, 'write', 1, 1, 1, ltrim),
  cmd('lpos', -3, 'readonly', 1, 1, 1, lpos),
  cmd('lmove', 5, 'write denyoom', 1, 2, 1, lmove),
  cmd('rpoplpush', 3, 'write denyoom', 1, 2, 1, rpoplpush),
  cmd('lmpop', -4, 'write', 0, 0, 0, lmpop, { getKeys: numkeysAt(1) }),
  cmd('blpop', -3, 'write noscript blocking', 1, -2, 1, (c, argv) => blockingPop(c, argv, true)),
  cmd('brpop', -3, 'write noscript blocking', 1, -2, 1, (c, argv) => blockingPop(c, argv, false)),
  cmd('blmove', 6, 'write denyoom noscript blocking', 1, 2, 1, blmove),
  cmd('brpoplpush', 4, 'write denyoom noscript blocking', 1, 2, 1, brpoplpush),
  cmd('blmpop', -5, 'write blocking', 0, 0, 0, blmpop, { getKeys: numkeysAt(2) }),
];
