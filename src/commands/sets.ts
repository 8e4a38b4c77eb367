/**
 * Set commands (t_set.c): SADD/SREM/SMOVE, SISMEMBER/SMISMEMBER/SCARD/
 * SMEMBERS, SPOP/SRANDMEMBER, the algebra SINTER/SUNION/SDIFF with their
 * STORE forms and SINTERCARD, and SSCAN. Encodings follow
 * set-max-intset-entries (an intset replies in ascending order, as in Redis);
 * an emptied set is deleted; SPOP propagates as SREMs (or DEL when it took
 * the whole set), exactly as Redis 7.0 does.
 */
import { cmd, numkeysAt, type CommandSpec } from './spec';
import { RedisError, Err } from '../protocol/errors';
import { ReplyText } from '../protocol/reply';
import { lookupRead, lookupWrite, wrote, isOpt } from './util';
import { stringMatch } from '../util/glob';
import {
  numkeysArg,
  positiveLongArg,
  rangeLongArg,
  scanCursorArg,
  scanOptions,
  setLimits,
  EMPTY_SCAN,
  LONG_MAX,
  MAX_RANDOM_REPLY,
} from './collection-util';
import { RSet, setIntersect, setIntersectCard, setUnion, setDiff } from '../keyspace/types/set';
import type { DbValue } from '../keyspace/database';
import type { Client } from '../server/client';

function asSet(v: DbValue | undefined): RSet | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'set') throw new RedisError(Err.wrongType);
  return v;
}

/** The set at key for reading (hit/miss stats), undefined when missing; WRONGTYPE otherwise. */
function readSet(c: Client, key: string): RSet | undefined {
  return asSet(lookupRead(c, key));
}

/** The set at key for writing, undefined when missing; WRONGTYPE otherwise. */
function writeSet(c: Client, key: string): RSet | undefined {
  return asSet(lookupWrite(c, key));
}

/** Writes a set's members (a RESP3 set, an array in RESP2). */
function replyMembers(c: Client, members: readonly string[]): void {
  const r = c.reply;
  if (!r.enabled) return;
  const t = new ReplyText(r.setHeader(members.length));
  for (let i = 0; i < members.length; i++) t.bulk(members[i]);
  r.raw(t.done());
}

/** Writes a set's members in its iteration order (a RESP3 set, an array in RESP2). */
function replySet(c: Client, set: RSet): void {
  const r = c.reply;
  if (!r.enabled) return;
  const t = new ReplyText(r.setHeader(set.size));
  set.forEach((m) => t.bulk(m));
  r.raw(t.done());
}

/** Deletes `key` the way the STORE forms do when their result is empty. */
function deleteStoreTarget(c: Client, key: string): void {
  if (c.db.delete(key)) {
    c.server.dirty++;
    c.server.watch.signalModifiedKey(c.db.id, key);
    c.server.notifyKeyspaceEvent('g', 'del', key, c.db.id);
  }
}

/** Format: SADD key member [member ...] */
function sadd(c: Client, argv: string[]): void {
  const key = argv[1];
  let set = writeSet(c, key);
  if (set === undefined) {
    set = new RSet();
    c.db.set(key, set);
  }
  const limits = setLimits(c);
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (set.add(argv[i], limits)) added++;
  if (added > 0) wrote(c, key, 's', 'sadd', added);
  c.reply.int(added);
}

/** Format: SREM key member [member ...] */
function srem(c: Client, argv: string[]): void {
  const key = argv[1];
  const set = writeSet(c, key);
  if (set === undefined) {
    c.reply.int(0);
    return;
  }
  let removed = 0;
  let keyRemoved = false;
  for (let i = 2; i < argv.length; i++) {
    if (set.remove(argv[i])) {
      removed++;
      if (set.size === 0) {
        c.db.delete(key);
        keyRemoved = true;
        break;
      }
    }
  }
  if (removed > 0) {
    wrote(c, key, 's', 'srem', removed);
    if (keyRemoved) c.server.notifyKeyspaceEvent('g', 'del', key, c.db.id);
  }
  c.reply.int(removed);
}

/** Format: SMOVE source destination member */
function smove(c: Client, argv: string[]): void {
  const srcKey = argv[1];
  const dstKey = argv[2];
  const member = argv[3];
  const sv = lookupWrite(c, srcKey);
  const dv = lookupWrite(c, dstKey);
  if (sv === undefined) {
    c.reply.int(0);
    return;
  }
  const src = asSet(sv) as RSet;
  let dst = asSet(dv);
  if (src === dst) {
    c.reply.int(src.has(member) ? 1 : 0);
    return;
  }
  if (!src.remove(member)) {
    c.reply.int(0);
    return;
  }
  const s = c.server;
  const dbId = c.db.id;
  s.notifyKeyspaceEvent('s', 'srem', srcKey, dbId);
  if (src.size === 0) {
    c.db.delete(srcKey);
    s.notifyKeyspaceEvent('g', 'del', srcKey, dbId);
  }
  if (dst === undefined) {
    dst = new RSet();
    c.db.set(dstKey, dst);
  }
  s.dirty++;
  if (dst.add(member, setLimits(c))) {
    s.dirty++;
    s.notifyKeyspaceEvent('s', 'sadd', dstKey, dbId);
  }
  c.reply.int(1);
}

/** Format: SISMEMBER key member */
function sismember(c: Client, argv: string[]): void {
  const set = readSet(c, argv[1]);
  c.reply.int(set !== undefined && set.has(argv[2]) ? 1 : 0);
}

/** Format: SMISMEMBER key member [member ...] */
function smismember(c: Client, argv: string[]): void {
  const set = readSet(c, argv[1]);
  const r = c.reply;
  r.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) r.int(set !== undefined && set.has(argv[i]) ? 1 : 0);
}

/** Format: SCARD key */
function scard(c: Client, argv: string[]): void {
  const set = readSet(c, argv[1]);
  c.reply.int(set === undefined ? 0 : set.size);
}

/** Format: SPOP key [count] */
function spop(c: Client, argv: string[]): void {
  if (argv.length > 3) throw new RedisError(Err.syntax);
  const key = argv[1];
  const s = c.server;
  if (argv.length === 3) {
    const count = positiveLongArg(argv[2]);
    const set = writeSet(c, key);
    if (set === undefined || count === 0) {
      c.reply.setLen(0);
      return;
    }
    const size = set.size;
    s.notifyKeyspaceEvent('s', 'spop', key, c.db.id);
    s.dirty += count;
    if (count >= size) {
      replyMembers(c, set.pop(size));
      c.db.delete(key);
      s.notifyKeyspaceEvent('g', 'del', key, c.db.id);
      s.propagation.rewrite(['DEL', key]);
      return;
    }
    const popped = set.pop(count, setLimits(c));
    replyMembers(c, popped);
    // Redis 7.0 replicates every popped member as its own SREM.
    for (let i = 0; i < popped.length; i++) s.propagation.also(c.db.id, ['SREM', key, popped[i]]);
    s.propagation.prevent = true;
    return;
  }
  const set = writeSet(c, key);
  if (set === undefined) {
    c.reply.nullBulk();
    return;
  }
  const m = set.popOne() as string;
  s.notifyKeyspaceEvent('s', 'spop', key, c.db.id);
  s.propagation.rewrite(['SREM', key, m]);
  c.reply.bulk(m);
  if (set.size === 0) {
    c.db.delete(key);
    s.notifyKeyspaceEvent('g', 'del', key, c.db.id);
  }
  s.dirty++;
}

/** Format: SRANDMEMBER key [count] */
function srandmember(c: Client, argv: string[]): void {
  if (argv.length > 3) throw new RedisError(Err.syntax);
  if (argv.length === 3) {
    const count = rangeLongArg(argv[2], -LONG_MAX, LONG_MAX);
    const set = readSet(c, argv[1]);
    if (set !== undefined && -count > MAX_RANDOM_REPLY) throw new RedisError('ERR value is out of range');
    if (set === undefined || count === 0) {
      c.reply.arrayLen(0);
      return;
    }
    c.reply.bulks(set.randomMembers(count));
    return;
  }
  const set = readSet(c, argv[1]);
  c.reply.bulkOrNull(set === undefined ? undefined : set.randomMember());
}

/**
 * The operand sets of SINTER & co: missing keys are null, WRONGTYPE for any
 * other type. The STORE forms look keys up for writing (no hit/miss stats).
 */
function operands(c: Client, keys: readonly string[], forStore: boolean): Array<RSet | null> {
  const out: Array<RSet | null> = [];
  for (const k of keys) {
    const v = forStore ? lookupWrite(c, k) : lookupRead(c, k);
    out.push(asSet(v) ?? null);
  }
  return out;
}

/** SINTER / SINTERSTORE / SINTERCARD / SMEMBERS (sinterGenericCommand). */
function sinterGeneric(c: Client, keys: readonly string[], dstKey: string | null, cardOnly: boolean, limit: number): void {
  const sets = operands(c, keys, dstKey !== null);
  const empty = sets.some((s) => s === null);
  if (dstKey !== null) {
    const members = empty ? [] : setIntersect(sets);
    if (members.length === 0) {
      deleteStoreTarget(c, dstKey);
      c.reply.int(0);
      return;
    }
    const result = RSet.from(members, setLimits(c));
    c.db.set(dstKey, result);
    c.reply.int(result.size);
    c.server.notifyKeyspaceEvent('s', 'sinterstore', dstKey, c.db.id);
    c.server.dirty++;
    return;
  }
  if (cardOnly) {
    c.reply.int(empty ? 0 : setIntersectCard(sets, limit));
    return;
  }
  if (empty) {
    c.reply.setLen(0);
    return;
  }
  if (sets.length === 1) {
    const set = sets[0] as RSet;
    replySet(c, set);
    return;
  }
  replyMembers(c, setIntersect(sets));
}

/** SUNION / SDIFF and their STORE forms (sunionDiffGenericCommand). */
function sunionDiffGeneric(c: Client, keys: readonly string[], dstKey: string | null, union: boolean): void {
  const sets = operands(c, keys, dstKey !== null);
  const limits = setLimits(c);
  const result = union ? setUnion(sets, limits) : setDiff(sets, limits);
  if (dstKey === null) {
    replySet(c, result);
    return;
  }
  if (result.size === 0) {
    deleteStoreTarget(c, dstKey);
    c.reply.int(0);
    return;
  }
  c.db.set(dstKey, result);
  c.reply.int(result.size);
  c.server.notifyKeyspaceEvent('s', union ? 'sunionstore' : 'sdiffstore', dstKey, c.db.id);
  c.server.dirty++;
}

/** Format: SINTERCARD numkeys key [key ...] [LIMIT limit] */
function sintercard(c: Client, argv: string[]): void {
  const numkeys = numkeysArg(argv[1]);
  if (numkeys > argv.length - 2) throw new RedisError("ERR Number of keys can't be greater than number of args");
  let limit = 0;
  for (let j = 2 + numkeys; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (isOpt(argv[j], 'limit') && more > 0) {
      j++;
      limit = positiveLongArg(argv[j], "ERR LIMIT can't be negative");
    } else {
      throw new RedisError(Err.syntax);
    }
  }
  sinterGeneric(c, argv.slice(2, 2 + numkeys), null, true, limit);
}

/** Format: SSCAN key cursor [MATCH pattern] [COUNT count] */
function sscan(c: Client, argv: string[]): void {
  const cursor = scanCursorArg(argv[2]);
  const set = readSet(c, argv[1]);
  if (set === undefined) {
    c.reply.raw(EMPTY_SCAN);
    return;
  }
  const opts = scanOptions(argv, 3);
  let found: string[] = [];
  const next = set.scan(cursor, opts.count, found);
  if (opts.pattern !== null) {
    const p = opts.pattern;
    found = found.filter((m) => stringMatch(p, m));
  }
  const r = c.reply;
  r.arrayLen(2);
  r.bulk(String(next));
  r.bulks(found);
}

/** Set command specs (formats on each handler; SMEMBERS is SINTER of one key). */
export const setCommands: CommandSpec[] = [
  cmd('sadd', -3, 'write denyoom fast', 1, 1, 1, sadd),
  cmd('srem', -3, 'write fast', 1, 1, 1, srem),
  cmd('smove', 4, 'write fast', 1, 2, 1, smove),
  cmd('sismember', 3, 'readonly fast', 1, 1, 1, sismember),
  cmd('smismember', -3, 'readonly fast', 1, 1, 1, smismember),
  cmd('scard', 2, 'readonly fast', 1, 1, 1, scard),
  cmd('smembers', 2, 'readonly', 1, 1, 1, (c, argv) => sinterGeneric(c, [argv[1]], null, false, 0)),
  cmd('spop', -2, 'write fast', 1, 1, 1, spop),
  cmd('srandmember', -2, 'readonly', 1, 1, 1, srandmember),
  cmd('sinter', -2, 'readonly', 1, -1, 1, (c, argv) => sinterGeneric(c, argv.slice(1), null, false, 0)),
  cmd('sinterstore', -3, 'write denyoom', 1, -1, 1, (c, argv) => sinterGeneric(c, argv.slice(2), argv[1], false, 0)),
  cmd('sintercard', -3, 'readonly', 0, 0, 0, sintercard, { getKeys: numkeysAt(1) }),
  cmd('sunion', -2, 'readonly', 1, -1, 1, (c, argv) => sunionDiffGeneric(c, argv.slice(1), null, true)),
  cmd('sunionstore', -3, 'write denyoom', 1, -1, 1, (c, argv) => sunionDiffGeneric(c, argv.slice(2), argv[1], true)),
  cmd('sdiff', -2, 'readonly', 1, -1, 1, (c, argv) => sunionDiffGeneric(c, argv.slice(1), null, false)),
  cmd('sdiffstore', -3, 'write denyoom', 1, -1, 1, (c, argv) => sunionDiffGeneric(c, argv.slice(2), argv[1], false)),
  cmd('sscan', -3, 'readonly', 1, 1, 1, sscan),
];
