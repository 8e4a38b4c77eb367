/**
 * redlock (the Redis distributed lock; acquire, extend and release are Lua
 * scripts run by EVALSHA with the NOSCRIPT fallback to EVAL) against tredis
 * and against redis-server 7.0: the same sequence of lock operations gives
 * the same outcomes, and the keys hold the lock values and TTLs redlock set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Redis from 'ioredis';
import { redisAvailable, startRedis, startTredis, SKIP_NO_REDIS } from '../helpers/servers';

// redlock 4 ships no types: the part of its API used here
interface Lock {
  value: string;
  resource: string | string[];
  unlock(): Promise<void>;
  extend(ttl: number): Promise<Lock>;
}
interface RedlockCtor {
  new (clients: Redis[], options: { retryCount: number; retryDelay?: number; driftFactor?: number }): {
    lock(resource: string | string[], ttl: number): Promise<Lock>;
    quit(): Promise<void>;
  };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Redlock = require('redlock') as RedlockCtor;

const skip = redisAvailable() ? false : SKIP_NO_REDIS;

async function sequence(port: number): Promise<string[]> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: false });
  const out: string[] = [];
  const rl = new Redlock([client], { retryCount: 0 });
  try {
    await client.script('FLUSH');
    const lock = await rl.lock('locks:a', 2000);
    out.push(`acquired ${lock.value === (await client.get('locks:a')) ? 'value-stored' : 'value-missing'}`);
    const pttl1 = await client.pttl('locks:a');
    out.push(`ttl ${pttl1 > 1500 && pttl1 <= 2000 ? 'ok' : pttl1}`);
    // a second acquire of a held lock fails (the script's NX), with no retries
    out.push(await rl.lock('locks:a', 2000).then(() => 'second acquire succeeded', (e: Error) => `second acquire: ${e.name}`));
    // extend pushes the TTL (the extend script checks the value first)
    const extended = await lock.extend(10000);
    const pttl2 = await client.pttl('locks:a');
    out.push(`extended ${pttl2 > 5000 ? 'ok' : pttl2} same-value ${extended.value === lock.value}`);
    // a lock on several resources at once, one of them held: refused as a whole
    out.push(await rl.lock(['locks:b', 'locks:a'], 2000).then(() => 'multi acquired', (e: Error) => `multi: ${e.name}`));
    out.push(`locks:b after the refused multi-lock: ${await client.exists('locks:b')}`);
    // release; then the lock can be taken again
    await extended.unlock();
    out.push(`released exists=${await client.exists('locks:a')}`);
    const again = await rl.lock(['locks:a', 'locks:b'], 2000);
    out.push(`reacquired both ${await client.exists('locks:a', 'locks:b')}`);
    // unlocking a lock someone else now holds does not delete it (the value check)
    await client.set('locks:c', 'someone-else', 'PX', 5000);
    const stale = { ...again, resource: ['locks:c'], value: again.value };
    await (again.unlock as (this: unknown) => Promise<void>).call(stale).catch(() => undefined);
    out.push(`foreign lock kept: ${await client.get('locks:c')}`);
    await again.unlock();
    out.push(`all released ${await client.exists('locks:a', 'locks:b')}`);
    // the scripts ran through EVALSHA (after one NOSCRIPT each) and are cached
    const info = await client.info('commandstats');
    out.push(`evalsha used ${/cmdstat_evalsha:calls=\d+/.test(info)}`);
  } finally {
    await rl.quit().catch(() => undefined);
    client.disconnect();
  }
  return out;
}

test('redlock: acquire, refuse, extend, multi-resource, release as on redis-server', { skip, timeout: 60000 }, async () => {
  const tredis = await startTredis();
  const redis = await startRedis();
  try {
    const want = await sequence(redis.port);
    const got = await sequence(tredis.port);
    assert.deepEqual(got, want);
    assert.ok(want.includes('second acquire: LockError'), JSON.stringify(want));
  } finally {
    await tredis.close();
    await redis.stop();
  }
});
