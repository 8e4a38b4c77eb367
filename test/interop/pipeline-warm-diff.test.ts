/**
 * Pipelined batches on a big keyspace and on big hashes, sets and sorted
 * sets run the read-ahead (Connections.warm: the parser looks at the frames
 * ahead, their keys and members are warmed in the caches). It must change
 * nothing: random pipelines, written in random pieces (frames cut anywhere,
 * inline commands, SELECT, errors, deletions and TTLs among them),
 * get byte-identical replies from tredis and redis-server 7.0, and the
 * read-ahead is seen to have run.
 *
 * Reproduce a failure with DIFF_SEED=<seed> (printed on failure).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { redisAvailable, startRedis, startTredis, SKIP_NO_REDIS, type ChildServer } from '../helpers/servers';
import { mulberry32 as rng } from '../helpers/prng';
import { TestClient } from '../helpers/resp';
import { warmCount } from '../../src/keyspace/string-index';
import type { TredisServer } from '../../src/index';

const HAVE_REDIS = redisAvailable();
/** above Connections' WARM_KEYS (65536): keys of db 0, members of each big aggregate */
const BIG = 70000;
let tredis: TredisServer;
let redis: ChildServer;

const resp = (argv: string[]): string => `*${argv.length}\r\n` + argv.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('');

/** The same setup on a server: db 0 with BIG keys and a big hash / set / zset; db 1 with only a big hash. */
async function fill(port: number): Promise<void> {
  const c = await TestClient.connect(port);
  try {
    assert.equal(await c.call('DEBUG', 'POPULATE', String(BIG)), 'OK');
    for (const db of ['0', '1']) {
      await c.call('SELECT', db);
      for (let i = 0; i < BIG; i += 1000) {
        const h = ['HSET', 'bh'];
        const s = ['SADD', 'bs'];
        const z = ['ZADD', 'bz'];
        for (let j = i; j < i + 1000; j++) {
          h.push('f:' + j, 'v:' + j);
          s.push('m:' + j);
          z.push(String(j % 977), 'm:' + j);
        }
        await c.call(...h);
        if (db === '0') {
          await c.call(...s);
          await c.call(...z);
        }
      }
    }
  } finally {
    c.close();
  }
}

/** Write `text` in random pieces and read until the final ECHO's reply: all the reply bytes. */
function exchange(port: number, pieces: Buffer[], marker: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    const end = `$${marker.length}\r\n${marker}\r\n`;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no final reply from ${port} (${got.length} bytes so far)`));
    }, 60_000);
    sock.on('data', (d) => {
      got += d.toString('latin1');
      if (got.endsWith(end)) {
        clearTimeout(timer);
        sock.destroy();
        resolve(got);
      }
    });
    sock.on('error', reject);
    sock.on('connect', async () => {
      // pieces written one at a time, each after the one before was flushed (separate reads, usually)
      for (const p of pieces) await new Promise<void>((ok) => sock.write(p, () => ok()));
    });
  });
}

before(async () => {
  if (!HAVE_REDIS) return;
  tredis = await startTredis({ enableDebugCommand: 'yes' });
  redis = await startRedis();
  await fill(tredis.port);
  await fill(redis.port);
});

after(async () => {
  await tredis?.close();
  await redis?.stop();
});

test('pipelined batches over a big keyspace and big aggregates: replies byte-identical to redis-server, read-ahead run', { skip: HAVE_REDIS ? false : SKIP_NO_REDIS }, async () => {
  const seed = Number(process.env.DIFF_SEED ?? Date.now() % 100000);
  const rnd = rng(seed);
  const ri = (n: number): number => Math.floor(rnd() * n);
  const key = (): string => (ri(10) === 0 ? 'nokey:' + ri(100) : 'key:' + ri(BIG + 100));
  const member = (): string => 'm:' + ri(BIG + 100);
  const field = (): string => 'f:' + ri(BIG + 100);
  const command = (): string[] => {
    switch (ri(22)) {
      case 0: return ['GET', key()];
      case 1: return ['SET', key(), 'new:' + ri(1000)];
      case 2: return ['INCR', ri(2) === 0 ? 'counter:' + ri(50) : key()];
      case 3: return ['DEL', key()];
      case 4: return ['EXISTS', key(), key()];
      case 5: return ['APPEND', key(), 'x'];
      case 6: return ['EXPIRE', key(), '1000'];
      case 7: return ['HSET', 'bh', field(), 'w:' + ri(5)];
      case 8: return ['HGET', 'bh', field()];
      case 9: return ['HDEL', 'bh', field()];
      case 10: return ['SADD', 'bs', member()];
      case 11: return ['SISMEMBER', 'bs', member()];
      case 12: return ['SREM', 'bs', member()];
      case 13: return ['ZADD', 'bz', String(ri(1000)), member()];
      case 14: return ['ZSCORE', 'bz', member()];
      case 15: return ['ZINCRBY', 'bz', '2', member()];
      case 16: return ['ZRANK', 'bz', member()];
      case 17: return ['HLEN', 'bh'];
      case 18: return ['STRLEN', key()];
      case 19: return ['GET', 'key:7'];
      case 20: return ['PING'];
      default: return ['SELECT', String(ri(2))];
    }
  };
  const before = warmCount();
  for (let round = 0; round < 12; round++) {
    let text = '';
    for (let i = 0; i < 400; i++) {
      text += ri(40) === 0 ? 'PING\r\n' : resp(command());
      // runs of one key, as a pipelining benchmark sends them
      if (ri(8) === 0) {
        const k = key();
        for (let r = ri(20); r > 0; r--) text += resp(['GET', k]);
      }
    }
    const marker = `end:${round}`;
    text += resp(['SELECT', '0']) + resp(['ECHO', marker]);
    const bytes = Buffer.from(text, 'latin1');
    const pieces: Buffer[] = [];
    for (let p = 0; p < bytes.length; ) {
      const n = ri(4) === 0 ? 1 + ri(40) : 1 + ri(4000);
      pieces.push(bytes.subarray(p, p + n));
      p += n;
    }
    const [mine, theirs] = await Promise.all([exchange(tredis.port, pieces, marker), exchange(redis.port, pieces, marker)]);
    if (mine !== theirs) {
      let at = 0;
      while (at < mine.length && mine[at] === theirs[at]) at++;
      assert.fail(`DIFF_SEED=${seed} round ${round}: replies differ at byte ${at}: tredis ${JSON.stringify(mine.slice(at, at + 80))} redis ${JSON.stringify(theirs.slice(at, at + 80))}`);
    }
  }
  assert.ok(warmCount() > before + 10, `the read-ahead ran (${warmCount() - before} warm calls)`);
});
