/**
 * Replication corner cases, run the same way on redis-server 7.0 and on
 * tredis and compared:
 * - a writable replica (`replica-read-only no`) expires the keys its own
 *   clients wrote with a TTL (Redis's slaveKeysWithExpire), never its
 *   master's;
 * - blocked clients woken by a key that already expired, in MULTI or after
 *   SWAPDB: the exact replication stream, read by a fake replica (PSYNC ? -1
 *   on a raw socket);
 * - BLPOP/BLMOVE woken by a key moved into place by RENAME, MOVE, SWAPDB,
 *   COPY or RESTORE.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startTredisProcess, redisAvailable, SKIP_NO_REDIS, waitFor, type ChildServer } from '../helpers/servers';
import { type Node, childNode, info, waitInSync, ok, sleep } from '../integration/replication-helpers';

const skip = redisAvailable() ? false : SKIP_NO_REDIS;

type Kind = 'redis' | 'tredis';

interface World {
  procs: ChildServer[];
  nodes: Node[];
}

async function withWorld<T>(fn: (w: World) => Promise<T>): Promise<T> {
  const w: World = { procs: [], nodes: [] };
  try {
    return await fn(w);
  } finally {
    for (const n of w.nodes) n.c.close();
    for (const p of w.procs) await p.stop();
  }
}

async function start(w: World, kind: Kind, args: string[] = []): Promise<{ p: ChildServer; n: Node }> {
  const all = ['--repl-diskless-sync-delay', '0', '--repl-ping-replica-period', '3600', ...args];
  const p = kind === 'redis' ? await startRedis(all) : await startTredisProcess(all);
  w.procs.push(p);
  const n = await childNode(p.port);
  w.nodes.push(n);
  return { p, n };
}

async function expiredKeys(n: Node): Promise<number> {
  return Number((await info(n, 'stats')).get('expired_keys'));
}

/** What a writable replica of `kind` (its master of the same kind) shows once local TTLs passed. */
async function writableReplica(kind: Kind): Promise<Record<string, unknown>> {
  return withWorld(async (w) => {
    const M = await start(w, kind);
    const R = await start(w, kind, ['--replica-read-only', 'no']);
    await ok(R.n.c, 'REPLICAOF', '127.0.0.1', M.p.port);
    await waitInSync(M.n, R.n);
    // the master keeps its expired key (no active expiry, nobody reads it): only its DEL may remove it on the replica
    await ok(M.n.c, 'DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await ok(M.n.c, 'SET', 'm:ttl', 'v', 'PX', 200);
    await ok(M.n.c, 'SET', 'm:keep', 'v');
    await waitInSync(M.n, R.n);
    await ok(R.n.c, 'SET', 'l:ttl', 'v', 'PX', 200);
    await ok(R.n.c, 'SET', 'l:keep', 'v');
    await ok(R.n.c, 'SET', 'l:pexpire', 'v');
    await ok(R.n.c, 'PEXPIRE', 'l:pexpire', 200);
    await ok(R.n.c, 'SET', 'l:persisted', 'v', 'PX', 200);
    await ok(R.n.c, 'PERSIST', 'l:persisted');
    // a local TTL on a key of the master's: it is the replica's to expire now
    await ok(R.n.c, 'PEXPIRE', 'm:keep', 200);
    await ok(R.n.c, 'SELECT', 3);
    await ok(R.n.c, 'SET', 'l:db3', 'v', 'PX', 200);
    await ok(R.n.c, 'SELECT', 0);
    await waitFor(async () => (await expiredKeys(R.n)) >= 4, 10000, `${kind}: the replica expired its local keys`);
    await sleep(300);
    const keys = ((await R.n.c.call('KEYS', '*')) as string[]).sort();
    const out = {
      keys,
      dbsize: await R.n.c.call('DBSIZE'),
      db3: await R.n.c.call('EVAL', "redis.call('SELECT', 3) return redis.call('DBSIZE')", 0),
      expired: await expiredKeys(R.n),
      masterTtlVisible: await R.n.c.call('EXISTS', 'm:ttl'),
    };
    return out;
  });
}

test('a writable replica expires the keys its clients gave a TTL, not its master keys (as redis-server)', { skip }, async () => {
  const redis = await writableReplica('redis');
  const tredis = await writableReplica('tredis');
  assert.deepEqual(redis, { keys: ['l:keep', 'l:persisted'], dbsize: 3, db3: 0, expired: 4, masterTtlVisible: 0 }, 'redis-server as expected');
  assert.deepEqual(tredis, redis);
});
