/**
 * Hash commands (t_hash.c): HSET/HSETNX/HMSET, HGET/HMGET/HGETALL/HKEYS/
 * HVALS/HLEN/HEXISTS/HSTRLEN, HDEL, HINCRBY/HINCRBYFLOAT, HRANDFIELD, HSCAN.
 * Writes keep the listpack/hashtable encoding in step with
 * hash-max-listpack-entries / hash-max-listpack-value; a hash emptied by HDEL
 * is deleted; HINCRBYFLOAT is propagated as HSET with the final value.
 */
import { cmd, type CommandSpec } from './spec';
import { RedisError, Err } from '../protocol/errors';
import { ReplyText } from '../protocol/reply';
import { lookupRead, lookupWrite, wrote, parseLongLong, isOpt } from './util';
import { stringMatch } from '../util/glob';
import {
  hashLimits,
  rangeLongArg,
  scanCursorArg,
  scanOptions,
  EMPTY_SCAN,
  LONG_MAX,
  MAX_RANDOM_REPLY,
} from './collection-util';
import { RHash } from '../keyspace/types/hash';
import { parseLongDouble, addLongDouble } from '../keyspace/types/float';
import { formatLongDouble } from '../util/number-format';
import type { Client } from '../server/client';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** The hash at key for reading (hit/miss stats), undefined when missing; WRONGTYPE otherwise. */
function readHash(c: Client, key: string): RHash | undefined {
  const v = lookupRead(c, key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'hash') throw new RedisError(Err.wrongType);
  return v;
}

/** The hash at key for writing, undefined when missing; WRONGTYPE otherwise. */
function writeHash(c: Client, key: string): RHash | undefined {
  const v = lookupWrite(c, key);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== 'hash') throw new RedisError(Err.wrongType);
  return v;
}

/** hashTypeLookupWriteOrCreate: the hash at key, created empty (and stored) when missing. */
function hashForUpdate(c: Client, key: string): RHash {
  let h = writeHash(c, key);
  if (h === undefined) {
    h = new RHash();
    c.db.set(key, h);
  }
  return h;
}

/** Format: HSET key field value [field value ...] / HMSET key field value [field value ...] */
function hsetGeneric(c: Client, argv: string[], hmset: boolean): void {
  const n = argv.length;
  if (n % 2 === 1) throw new RedisError(Err.arity(hmset ? 'hmset' : 'hset'));
  const key = argv[1];
  const h = hashForUpdate(c, key);
  const limits = hashLimits(c);
  const created = h.setPairs(argv, 2, limits);
  if (hmset) c.reply.ok();
  else c.reply.int(created);
  wrote(c, key, 'h', 'hset', (n - 2) / 2);
}

/** Format: HSETNX key field value */
function hsetnx(c: Client, argv: string[]): void {
  const key = argv[1];
  const h = hashForUpdate(c, key);
  if (h.has(argv[2])) {
    c.reply.int(0);
    return;
  }
  h.set(argv[2], argv[3], hashLimits(c));
  c.reply.int(1);
  wrote(c, key, 'h', 'hset');
}

/** Format: HGET key field */
function hget(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  c.reply.bulkOrNull(h === undefined ? undefined : h.get(argv[2]));
}

/** Format: HMGET key field [field ...] */
function hmget(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  const r = c.reply;
  r.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) r.bulkOrNull(h === undefined ? undefined : h.get(argv[i]));
}

/** Format: HGETALL key (a map in RESP3) */
function hgetall(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  const r = c.reply;
  if (h === undefined) {
    r.mapLen(0);
    return;
  }
  if (!r.enabled) return;
  const t = new ReplyText(r.mapHeader(h.size));
  h.forEach((f, v) => {
    t.bulk(f);
    t.bulk(v);
  });
  r.raw(t.done());
}

/** Format: HKEYS key */
function hkeys(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  c.reply.bulks(h === undefined ? [] : h.keys());
}

/** Format: HVALS key */
function hvals(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  c.reply.bulks(h === undefined ? [] : h.values());
}

/** Format: HLEN key */
function hlen(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  c.reply.int(h === undefined ? 0 : h.size);
}

/** Format: HEXISTS key field */
function hexists(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  c.reply.int(h !== undefined && h.has(argv[2]) ? 1 : 0);
}

/** Format: HSTRLEN key field */
function hstrlen(c: Client, argv: string[]): void {
  const h = readHash(c, argv[1]);
  const v = h === undefined ? undefined : h.get(argv[2]);
  c.reply.int(v === undefined ? 0 : v.length);
}

/** Format: HDEL key field [field ...] */
function hdel(c: Client, argv: string[]): void {
  const key = argv[1];
  const h = writeHash(c, key);
  if (h === undefined) {
    c.reply.int(0);
    return;
  }
  let deleted = 0;
  let keyRemoved = false;
  for (let i = 2; i < argv.length; i++) {
    if (h.delete(argv[i])) {
      deleted++;
      if (h.size === 0) {
        c.db.delete(key);
        keyRemoved = true;
        break;
      }
    }
  }
  if (deleted > 0) {
    wrote(c, key, 'h', 'hdel', deleted);
    if (keyRemoved) c.server.notifyKeyspaceEvent('g', 'del', key, c.db.id);
  }
  c.reply.int(deleted);
}

/** Format: HINCRBY key field increment */
function hincrby(c: Client, argv: string[]): void {
  const incr = parseLongLong(argv[3]);
  if (incr === null) throw new RedisError(Err.notInt);
  const key = argv[1];
  const h = hashForUpdate(c, key);
  const cur = h.get(argv[2]);
  let value = 0n;
  if (cur !== undefined) {
    const v = parseLongLong(cur);
    if (v === null) throw new RedisError('ERR hash value is not an integer');
    value = v;
  }
  const sum = value + incr;
  if (sum > INT64_MAX || sum < INT64_MIN) throw new RedisError(Err.overflow);
  h.set(argv[2], sum.toString(), hashLimits(c));
  c.reply.int(sum);
  wrote(c, key, 'h', 'hincrby');
}

/** Format: HINCRBYFLOAT key field increment (propagated as HSET key field <result>) */
function hincrbyfloat(c: Client, argv: string[]): void {
  const incr = parseLongDouble(argv[3]);
  if (incr === null) throw new RedisError(Err.notFloat);
  if (incr.inf) throw new RedisError('ERR value is NaN or Infinity');
  const key = argv[1];
  const field = argv[2];
  const h = hashForUpdate(c, key);
  const cur = h.get(field);
  let sum = incr;
  if (cur !== undefined) {
    const v = parseLongDouble(cur);
    if (v === null) throw new RedisError('ERR hash value is not a float');
    const s = addLongDouble(v, incr);
    if (s === null || s.inf) throw new RedisError('ERR increment would produce NaN or Infinity');
    sum = s;
  }
  const text = formatLongDouble(sum);
  h.set(field, text, hashLimits(c));
  c.reply.bulk(text);
  wrote(c, key, 'h', 'hincrbyfloat');
  c.server.propagation.rewrite(['HSET', key, field, text]);
}

/** Format: HRANDFIELD key [count [WITHVALUES]] */
function hrandfield(c: Client, argv: string[]): void {
  if (argv.length >= 3) {
    const count = rangeLongArg(argv[2], -LONG_MAX, LONG_MAX);
    let withValues = false;
    if (argv.length > 4 || (argv.length === 4 && !isOpt(argv[3], 'withvalues'))) throw new RedisError(Err.syntax);
    if (argv.length === 4) {
      withValues = true;
      // Redis refuses counts whose doubled reply length would overflow
      const exact = parseLongLong(argv[2]) as bigint;
      if (exact < -4611686018427387903n || exact > 4611686018427387903n) throw new RedisError('ERR value is out of range');
    }
    const h = readHash(c, argv[1]);
    const r = c.reply;
    if (h !== undefined && h.size > 0 && -count > MAX_RANDOM_REPLY) throw new RedisError('ERR value is out of range');
    if (h === undefined || count === 0) {
      r.arrayLen(0);
      return;
    }
    const flat = h.randomFields(count, withValues);
    if (!withValues) {
      r.bulks(flat);
      return;
    }
    const pairs = flat.length / 2;
    if (r.proto === 3) {
      r.arrayLen(pairs);
      for (let i = 0; i < flat.length; i += 2) {
        r.arrayLen(2);
        r.bulk(flat[i]);
        r.bulk(flat[i + 1]);
      }
    } else {
      r.bulks(flat);
    }
    return;
  }
  const h = readHash(c, argv[1]);
  c.reply.bulkOrNull(h === undefined ? undefined : h.randomField());
}

/** Format: HSCAN key cursor [MATCH pattern] [COUNT count] */
function hscan(c: Client, argv: string[]): void {
  const cursor = scanCursorArg(argv[2]);
  const h = readHash(c, argv[1]);
  if (h === undefined) {
    c.reply.raw(EMPTY_SCAN);
    return;
  }
  const opts = scanOptions(argv, 3);
  const found: string[] = [];
  const next = h.scan(cursor, opts.count, found);
  const r = c.reply;
  r.arrayLen(2);
  r.bulk(String(next));
  if (opts.pattern === null) {
    r.bulks(found);
    return;
  }
  const out: string[] = [];
  for (let i = 0; i < found.length; i += 2) {
    if (stringMatch(opts.pattern, found[i])) out.push(found[i], found[i + 1]);
  }
  r.bulks(out);
}

/** Hash command specs (formats on each handler). */
export const hashCommands: CommandSpec[] = [
  cmd('hset', -4, 'write denyoom fast', 1, 1, 1, (c, argv) => hsetGeneric(c, argv, false)),
  cmd('hsetnx', 4, 'write denyoom fast', 1, 1, 1, hsetnx),
  cmd('hmset', -4, 'write denyoom fast', 1, 1, 1, (c, argv) => hsetGeneric(c, argv, true)),
  cmd('hget', 3, 'readonly fast', 1, 1, 1, hget),
  cmd('hmget', -3, 'readonly fast', 1, 1, 1, hmget),
  cmd('hgetall', 2, 'readonly', 1, 1, 1, hgetall),
  cmd('hkeys', 2, 'readonly', 1, 1, 1, hkeys),
  cmd('hvals', 2, 'readonly', 1, 1, 1, hvals),
  cmd('hlen', 2, 'readonly fast', 1, 1, 1, hlen),
  cmd('hexists', 3, 'readonly fast', 1, 1, 1, hexists),
  cmd('hstrlen', 3, 'readonly fast', 1, 1, 1, hstrlen),
  cmd('hdel', -3, 'write fast', 1, 1, 1, hdel),
  cmd('hincrby', 4, 'write denyoom fast', 1, 1, 1, hincrby),
  cmd('hincrbyfloat', 4, 'write denyoom fast', 1, 1, 1, hincrbyfloat),
  cmd('hrandfield', -2, 'readonly', 1, 1, 1, hrandfield),
  cmd('hscan', -3, 'readonly', 1, 1, 1, hscan),
];
