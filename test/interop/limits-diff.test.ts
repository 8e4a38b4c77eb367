/**
 * maxclients fitted to the open-file limit, side by side with redis-server
 * 7.0 started under the same `ulimit -n 256`: the same log lines, maxclients
 * lowered to 224, connections past it answered `-ERR max number of clients
 * reached` (none closed silently), and CONFIG SET maxclients above the limit
 * refused with Redis's error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { redisAvailable, startRedis, startTredisProcess, SKIP_NO_REDIS, type ChildServer } from '../helpers/servers';
import { TestClient } from '../helpers/resp';

const skip = redisAvailable() ? false : SKIP_NO_REDIS;

/** The log lines about the open-file limit, without pid and time. */
function fdLines(log: string): string[] {
  return log
    .split('\n')
    .filter((l) => /maxclients|open files|file descriptors/.test(l))
    .map((l) => l.replace(/^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ ([#*.-]) /, '$1 '));
}

/** Open n connections, PING on each; count the PONGs, the max-clients errors and anything else. */
async function flood(port: number, n: number): Promise<{ pong: number; refused: number; other: number; socks: net.Socket[] }> {
  const socks: net.Socket[] = [];
  const results = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<string>((resolve) => {
          const s = net.connect(port, '127.0.0.1');
          socks.push(s);
          let data = '';
          const t = setTimeout(() => resolve(`timeout:${data}`), 5000);
          s.on('data', (d) => {
            data += d.toString('latin1');
            if (data.endsWith('\r\n')) {
              clearTimeout(t);
              resolve(data);
            }
          });
          s.on('error', () => {});
          s.on('close', () => {
            clearTimeout(t);
            resolve(`closed:${data}`);
          });
          s.write('PING\r\n');
        }),
    ),
  );
  let pong = 0;
  let refused = 0;
  for (const r of results) {
    if (r === '+PONG\r\n') pong++;
    else if (r.includes('-ERR max number of clients reached')) refused++;
  }
  return { pong, refused, other: results.length - pong - refused, socks };
}

test('maxclients is lowered to fit ulimit -n as Redis does, and the extra clients are told why', { skip }, async () => {
  const servers: ChildServer[] = [];
  try {
    const redis = await startRedis([], { nofile: 256 });
    servers.push(redis);
    const tredis = await startTredisProcess([], { nofile: 256 });
    servers.push(tredis);
    const want = fdLines(redis.log());
    assert.equal(want.length, 3, redis.log());
    assert.deepEqual(fdLines(tredis.log()), want);
    for (const srv of [redis, tredis]) {
      const c = await TestClient.connect(srv.port);
      assert.deepEqual(await c.call('CONFIG', 'GET', 'maxclients'), ['maxclients', '224']);
      const r = await c.callRaw('CONFIG', 'SET', 'maxclients', '1000');
      assert.equal(
        r,
        "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating system is not able to handle the specified number of clients, try with 224\r\n",
      );
      assert.equal(await c.callRaw('CONFIG', 'SET', 'maxclients', '200'), '+OK\r\n');
      assert.equal(await c.callRaw('CONFIG', 'SET', 'maxclients', '224'), '+OK\r\n');
      const f = await flood(srv.port, 260);
      // 223 more clients fit beside `c`; every other one is answered, none dropped in silence
      assert.equal(f.pong, 223, `port ${srv.port}`);
      assert.equal(f.refused, 260 - 223);
      assert.equal(f.other, 0);
      for (const s of f.socks) s.destroy();
      c.close();
    }
  } finally {
    for (const s of servers) await s.stop();
  }
});
