/**
 * Compact encodings of hashes and sorted sets against redis-server 7.0: the
 * same commands go to both servers, and after each one every touched key's
 * OBJECT ENCODING and DUMP payload must be identical (a DUMP of a
 * listpack-encoded value is its listpack bytes, so this compares the bytes
 * Redis holds with the bytes tredis holds). Covers growing and shrinking
 * across hash-max-listpack-entries/value and zset-max-listpack-entries/value
 * (CONFIG SET included), HINCRBYFLOAT/HINCRBY/ZINCRBY results, the *STORE
 * commands, GEO, RESTORE both ways, DEBUG RELOAD, and corrupt payloads.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { redisAvailable, SKIP_NO_REDIS, type ChildServer } from '../helpers/servers';
import { startDiffServers } from '../helpers/compare';
import { TestClient } from '../helpers/resp';
import type { TredisServer } from '../../src/index';
import { crc64 } from '../../src/persistence/rdb/crc64';

const HAVE_REDIS = redisAvailable();
let tredis: TredisServer;
let redis: ChildServer;
let t: TestClient;
let r: TestClient;

before(async () => {
  if (!HAVE_REDIS) return;
  ({ tredis, redis } = await startDiffServers({ 'enable-debug-command': 'yes' }));
  t = await TestClient.connect(tredis.port);
  r = await TestClient.connect(redis.port);
});

after(async () => {
  t?.close();
  r?.close();
  await tredis?.close();
  await redis?.stop();
});

/** Run on both; replies must match byte for byte. */
async function both(...argv: string[]): Promise<string> {
  const a = await r.callRaw(...argv);
  const b = await t.callRaw(...argv);
  assert.equal(JSON.stringify(b), JSON.stringify(a), `reply to ${JSON.stringify(argv)}`);
  return a;
}

/** OBJECT ENCODING and DUMP of each key must match. */
async function sameKeys(why: string, ...keys: string[]): Promise<void> {
  return sameKeysIn(true, why, ...keys);
}

/** sameKeys; `bytes` false when the listpack's order came from a Redis dict (random per process). */
async function sameKeysIn(bytes: boolean, why: string, ...keys: string[]): Promise<void> {
  for (const k of keys) {
    const ea = await r.callRaw('OBJECT', 'ENCODING', k);
    const eb = await t.callRaw('OBJECT', 'ENCODING', k);
    assert.equal(eb, ea, `OBJECT ENCODING ${k} after ${why}`);
    if (bytes && ea.includes('listpack')) {
      const da = await r.callRaw('DUMP', k);
      const db = await t.callRaw('DUMP', k);
      assert.equal(JSON.stringify(db), JSON.stringify(da), `DUMP ${k} after ${why}`);
    }
    // hashtable/skiplist: Redis's order is its own, the digest is order-free
    const ga = await r.callRaw('DEBUG', 'DIGEST-VALUE', k);
    const gb = await t.callRaw('DEBUG', 'DIGEST-VALUE', k);
    assert.equal(gb, ga, `DEBUG DIGEST-VALUE ${k} after ${why}`);
  }
}

/** Run on both, then compare the keys. */
async function step(keys: string[], ...argv: string[]): Promise<void> {
  await both(...argv);
  await sameKeys(argv.join(' '), ...keys);
}

const encoding = async (c: TestClient, k: string): Promise<string> => String(await c.call('OBJECT', 'ENCODING', k));

test('hash: listpack bytes and conversions at hash-max-listpack-entries/value', { skip: !HAVE_REDIS && SKIP_NO_REDIS }, async () => {
  await both('FLUSHALL');
  await both('CONFIG', 'SET', 'hash-max-listpack-entries', '6');
  await both('CONFIG', 'SET', 'hash-max-listpack-value', '12');
  const fields = ['f', '1', '-5', '9223372036854775807', '007', 'b\x00in\xff', '', '128', '-4097', '70000', '2147483648'];
  // grow across the entries limit, one field at a time, with integer-looking fields and values
  for (let i = 0; i < 8; i++) await step(['h'], 'HSET', 'h', fields[i], String(i * 1000 - 3));
  assert.equal(await encoding(t, 'h'), 'hashtable');
  // shrinking does not convert back
  for (let i = 0; i < 7; i++) await step(['h'], 'HDEL', 'h', fields[i]);
  // value length: 12 stays, 13 converts; a long field converts too
  await step(['h2'], 'HSET', 'h2', 'a', 'x'.repeat(12), 'b', '2');
  await step(['h2'], 'HDEL', 'h2', 'a');
  await step(['h2'], 'HSET', 'h2', 'c', '3', 'd', '4');
  await step(['h2'], 'HSET', 'h2', 'c', 'y'.repeat(13));
  await step(['h3'], 'HSET', 'h3', 'z'.repeat(13), '1');
  // replacing values in place keeps order; HDEL in the middle keeps order
  await step(['h4'], 'HMSET', 'h4', 'a', '1', 'b', '2', 'c', '3', 'd', '4');
  await step(['h4'], 'HSET', 'h4', 'b', 'bee', 'a', '-1');
  await step(['h4'], 'HDEL', 'h4', 'b', 'nope');
  await step(['h4'], 'HSET', 'h4', 'n1', '1', 'c', 'see', 'n1', '2', 'n2', '3'); // a new field repeated in one HSET
  await step(['h4'], 'HDEL', 'h4', 'n1', 'n2');
  await step(['h4'], 'HSETNX', 'h4', 'e', '5');
  await step(['h4'], 'HSETNX', 'h4', 'a', '5');
  await both('HGETALL', 'h4');
  await both('HKEYS', 'h4');
  await both('HVALS', 'h4');
  await both('HMGET', 'h4', 'a', 'zz', 'e');
  await both('HSTRLEN', 'h4', 'a');
  await both('HSCAN', 'h4', '0');
  await both('HRANDFIELD', 'h4', '10', 'WITHVALUES');
  // HINCRBY / HINCRBYFLOAT results that outgrow the value limit
  await step(['h5'], 'HSET', 'h5', 'n', '99999999999');
  await step(['h5'], 'HINCRBY', 'h5', 'n', '1');
  await step(['h5'], 'HINCRBY', 'h5', 'n', '99999999999'); // 13 digits
  await step(['h6'], 'HSET', 'h6', 'f', '1');
  await step(['h6'], 'HINCRBYFLOAT', 'h6', 'f', '0.5');
  await step(['h6'], 'HINCRBYFLOAT', 'h6', 'f', '0.123456789012');
  // CONFIG SET of the limits: existing values keep their encoding, new writes follow the new limits
  await step(['h7'], 'HSET', 'h7', 'a', '1', 'b', '2', 'c', '3');
  await both('CONFIG', 'SET', 'hash-max-listpack-entries', '2');
  await step(['h7'], 'HSET', 'h7', 'a', '10');
  await step(['h7'], 'HSET', 'h7', 'd', '4');
  await both('CONFIG', 'SET', 'hash-max-listpack-entries', '6');
  await step(['h8'], 'HSET', 'h8', 'a', '1');
  await both('CONFIG', 'SET', 'hash-max-listpack-value', '3');
  await step(['h8'], 'HSET', 'h8', 'b', 'long');
});

test('zset: listpack bytes, score encodings and conversions at zset-max-listpack-entries/value', { skip: !HAVE_REDIS && SKIP_NO_REDIS }, async () => {
  await both('FLUSHALL');
  await both('CONFIG', 'SET', 'zset-max-listpack-entries', '8');
  await both('CONFIG', 'SET', 'zset-max-listpack-value', '10');
  const scores = ['1', '-0', '0', '1.5', 'inf', '-inf', '1e17', '4611686018427387904', '1e19', '0.1', '-3', '1e-300'];
  for (let i = 0; i < scores.length; i++) await step(['z'], 'ZADD', 'z', scores[i], 'm' + i);
  assert.equal(await encoding(t, 'z'), 'skiplist');
  for (let i = 0; i < 8; i++) await step(['z'], 'ZREM', 'z', 'm' + i);
  // scores of every kind in one listpack, same members with equal scores ordered by bytes
  await step(['y'], 'ZADD', 'y', '5', 'b', '5', 'a', '-0', 'z0', '2.5', '10', '4611686018427387904', 'big', '-inf', 'lo');
  await step(['y'], 'ZADD', 'y', 'XX', 'GT', 'CH', '6', 'a', '1', 'b');
  await step(['y'], 'ZADD', 'y', 'LT', '-1', 'a');
  await step(['y'], 'ZINCRBY', 'y', '0.25', 'z0');
  await step(['y'], 'ZINCRBY', 'y', '1e300', 'new');
  await both('ZRANGE', 'y', '0', '-1', 'WITHSCORES');
  await both('ZRANGE', 'y', '(0', '+inf', 'BYSCORE', 'REV', 'LIMIT', '1', '2', 'WITHSCORES');
  await both('ZRANGEBYSCORE', 'y', '-inf', '5', 'WITHSCORES', 'LIMIT', '1', '10');
  await both('ZREVRANGEBYSCORE', 'y', '5', '(-1', 'LIMIT', '0', '2');
  await both('ZCOUNT', 'y', '(0', '5');
  await both('ZRANK', 'y', 'b');
  await both('ZREVRANK', 'y', 'b');
  await both('ZSCORE', 'y', 'big');
  await both('ZMSCORE', 'y', 'a', 'nope', 'lo');
  await both('ZSCAN', 'y', '0');
  await both('ZRANDMEMBER', 'y', '20', 'WITHSCORES');
  await both('ZRANGEBYLEX', 'y', '-', '+');
  await both('ZLEXCOUNT', 'y', '[a', '(z');
  await step(['y'], 'ZPOPMIN', 'y');
  await step(['y'], 'ZPOPMAX', 'y', '2');
  await step(['y'], 'ZREMRANGEBYSCORE', 'y', '(2', '6');
  await step(['y'], 'ZREMRANGEBYRANK', 'y', '-1', '-1');
  // lex ranges on equal scores
  await step(['lx'], 'ZADD', 'lx', '0', 'a', '0', 'b', '0', 'c', '0', 'd', '0', 'e');
  await both('ZRANGEBYLEX', 'lx', '(a', '[d', 'LIMIT', '1', '2');
  await both('ZREVRANGEBYLEX', 'lx', '+', '(b');
  await step(['lx'], 'ZREMRANGEBYLEX', 'lx', '[b', '(d');
  // member length: 10 stays, 11 converts
  await step(['w'], 'ZADD', 'w', '1', 'x'.repeat(10));
  await step(['w'], 'ZADD', 'w', '2', 'x'.repeat(11));
  // *STORE results
  await step(['s1'], 'ZADD', 's1', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
  await step(['s2'], 'ZADD', 's2', '1', 'c', '2', 'd', '3', 'e', '4', 'f', '5', 'g');
  await step(['u'], 'ZUNIONSTORE', 'u', '2', 's1', 's2');
  await step(['i'], 'ZINTERSTORE', 'i', '2', 's1', 's2', 'WEIGHTS', '0.5', '-1');
  await step(['d'], 'ZDIFFSTORE', 'd', '2', 's1', 's2');
  await step(['rs'], 'ZRANGESTORE', 'rs', 's1', '1', '3');
  await both('CONFIG', 'SET', 'zset-max-listpack-entries', '4');
  await step(['u2'], 'ZUNIONSTORE', 'u2', '2', 's1', 's2');
  await step(['rs2'], 'ZRANGESTORE', 'rs2', 'u', '0', '-1');
  await step(['s1'], 'ZADD', 's1', '0', 'zz');
  // GEO stores 52-bit integer scores
  await both('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
  await step(['g'], 'GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania');
  await step(['gs'], 'GEOSEARCHSTORE', 'gs', 'g', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'ASC');
  await both('GEOPOS', 'g', 'Palermo');
});

test('RESTORE both ways, DEBUG RELOAD and corrupt payloads', { skip: !HAVE_REDIS && SKIP_NO_REDIS }, async () => {
  await both('FLUSHALL');
  await both('CONFIG', 'SET', 'hash-max-listpack-entries', '128');
  await both('CONFIG', 'SET', 'hash-max-listpack-value', '64');
  await both('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
  await both('CONFIG', 'SET', 'zset-max-listpack-value', '64');
  await step(['h', 'z'], 'HSET', 'h', 'a', '1', 'b', 'two', 'c', 'x'.repeat(40));
  await step(['z'], 'ZADD', 'z', '1', 'a', '2.5', 'b', '-7', 'c');
  // redis's payload restored into tredis, and tredis's into redis
  for (const [from, to] of [[r, t], [t, r]] as const) {
    for (const k of ['h', 'z']) {
      const payload = (await from.call('DUMP', k)) as string;
      assert.equal(await to.call('RESTORE', k + '-copy', '0', Buffer.from(payload, 'latin1')), 'OK');
    }
  }
  await sameKeys('RESTORE', 'h-copy', 'z-copy');
  // lowering the value limit: a listpack loaded from an RDB stays a listpack (only the entry count converts on load)
  await both('CONFIG', 'SET', 'hash-max-listpack-value', '4');
  await both('CONFIG', 'SET', 'zset-max-listpack-value', '0');
  await both('DEBUG', 'RELOAD');
  await sameKeys('DEBUG RELOAD with smaller value limits', 'h', 'z', 'h-copy', 'z-copy');
  await both('CONFIG', 'SET', 'hash-max-listpack-entries', '2');
  await both('CONFIG', 'SET', 'zset-max-listpack-entries', '2');
  await both('DEBUG', 'RELOAD');
  await sameKeys('DEBUG RELOAD with smaller entry limits', 'h', 'z');
  await both('CONFIG', 'SET', 'hash-max-listpack-entries', '128');
  await both('CONFIG', 'SET', 'hash-max-listpack-value', '64');
  await both('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
  await both('CONFIG', 'SET', 'zset-max-listpack-value', '64');
  await both('DEBUG', 'RELOAD');
  // h was saved as a hashtable: Redis builds the listpack in its dict's (seeded, random) order
  await sameKeysIn(false, 'DEBUG RELOAD back to listpack', 'h', 'z');
  await both('DEBUG', 'DIGEST-VALUE', 'h', 'z');

  // corrupt payloads: redis with sanitize-dump-payload yes and tredis both refuse with the same error
  await r.call('CONFIG', 'SET', 'sanitize-dump-payload', 'yes');
  await both('HSET', 'hc', 'a', '1', 'b', '2');
  const good = Buffer.from((await r.call('DUMP', 'hc')) as string, 'latin1');
  // the listpack follows the type byte and its one-byte length; break its count, a string length, a backlen, an encoding
  const lpAt = 2;
  const withCrc = (b: Buffer): Buffer => {
    b.writeBigUInt64LE(crc64(b, 0, b.length - 8), b.length - 8);
    return b;
  };
  const mut = (i: number, v: number): Buffer => {
    const b = Buffer.from(good);
    b[lpAt + i] = v;
    return withCrc(b);
  };
  const cases = [mut(4, 3), mut(6, 0x8f), mut(8, 9), mut(6, 0xf7)];
  // a hash listpack with a duplicate field: a,1,a,2
  const dup = Buffer.from(good);
  dup[lpAt + 12] = 0x61; // the second field 'b' becomes 'a'
  cases.push(withCrc(dup));
  for (const payload of cases) {
    const a = await r.callRaw('RESTORE', 'bad', '0', payload);
    const b = await t.callRaw('RESTORE', 'bad', '0', payload);
    assert.equal(a, '-ERR Bad data format\r\n', `redis RESTORE of ${payload.toString('hex')}`);
    assert.equal(b, a, `tredis RESTORE of ${payload.toString('hex')}`);
  }
  // the untouched payload still restores on both, with the same bytes
  await both('RESTORE', 'ok', '0', withCrc(Buffer.from(good)) as unknown as string);
  await sameKeys('RESTORE of a valid payload', 'ok');
  assert.equal(await t.call('EXISTS', 'bad'), 0);
  await both('PING');
});
