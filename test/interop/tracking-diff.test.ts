/**
 * Client-side caching against redis-server 7.0, byte for byte: the same
 * script of commands from several clients runs on both servers and every
 * client's whole byte stream (replies and invalidation pushes, in order)
 * must be identical. Covers RESP3 invalidations after the reply, MULTI/EXEC,
 * FLUSHALL/FLUSHDB null invalidations, expiry, eviction, OPTIN/OPTOUT and
 * CLIENT CACHING, BCAST with PREFIX and NOLOOP, REDIRECT (RESP3 and RESP2
 * through __redis__:invalidate), a broken redirection, CLIENT TRACKINGINFO /
 * GETREDIR, the option errors, the INFO fields, and CLIENT REPLY OFF/SKIP
 * leaving push messages through.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { startTredis, startRedis, redisAvailable, SKIP_NO_REDIS, waitFor, type ChildServer } from '../helpers/servers';
import { encode, TestClient } from '../helpers/resp';
import type { TredisServer } from '../../src/index';

/** One raw connection that records every byte it receives. */
class Recorder {
  data = '';
  id = 0;
  private constructor(readonly socket: net.Socket) {
    // no Nagle: a muted client's command must leave at once. With Nagle it waited for the ACK of its previous
    // unanswered write (a delayed ACK, ~40 ms), so whether it ran before another client's next step was a race
    socket.setNoDelay(true);
    socket.on('data', (d) => (this.data += d.toString('latin1')));
    socket.on('error', () => {});
  }
  static async connect(port: number): Promise<Recorder> {
    const s = await new Promise<net.Socket>((resolve, reject) => {
      const sock = net.createConnection({ port, host: '127.0.0.1' }, () => resolve(sock));
      sock.once('error', reject);
    });
    const r = new Recorder(s);
    s.write(encode(['CLIENT', 'ID']));
    await waitFor(() => /^:\d+\r\n$/.test(r.data), 5000, 'CLIENT ID');
    r.id = Number(r.data.slice(1, -2));
    r.data = '';
    return r;
  }
}

/** A step: [client index, ...argv]; `{id:N}` in an argument is client N's id. `['close', N]` closes client N. */
type Step = [number | 'close', ...string[]];

/**
 * Run steps on a server. Each command is followed by a `PING sync-<n>` on the
 * same connection and the step ends when that echo arrived (so every push
 * caused by earlier steps was written before it); inside MULTI the step ends
 * with its one-line reply; for a muted client (CLIENT REPLY OFF/SKIP) a round
 * trip on another connection stands in. Returns each client's byte stream
 * with client ids (HELLO's id, redirect ids, CLIENT GETREDIR) shown as `<idN>`.
 */
async function runScript(port: number, nClients: number, steps: Step[]): Promise<string[]> {
  const clients: Recorder[] = [];
  for (let i = 0; i < nClients; i++) clients.push(await Recorder.connect(port));
  const masked = clients.map(() => '');
  const consumed = clients.map(() => 0);
  const idName = (id: string): string => {
    const i = clients.findIndex((c) => String(c.id) === id);
    return i < 0 ? id : `<id${i}>`;
  };
  const take = (i: number, getredir: boolean): void => {
    let chunk = clients[i].data.slice(consumed[i]);
    consumed[i] = clients[i].data.length;
    chunk = chunk.replace(/(\$2\r\nid\r\n:|\$8\r\nredirect\r\n:|tracking-redir-broken\r\n:)(\d+)/g, (_m, head: string, id: string) => head + idName(id));
    if (getredir) chunk = chunk.replace(/^:(\d+)\r\n/, (_m, id: string) => `:${idName(id)}\r\n`);
    masked[i] += chunk;
  };
  let n = 0;
  const muted = new Set<number>();
  const inMulti = new Set<number>();
  try {
    for (const step of steps) {
      if (step[0] === 'close') {
        const gone = clients[Number(step[1])];
        gone.socket.destroy();
        const ctl = await TestClient.connect(port);
        await waitFor(async () => String(await ctl.call('CLIENT', 'LIST', 'ID', String(gone.id))) === '', 5000, 'the server to see the close');
        ctl.close();
        continue;
      }
      const who = step[0];
      const c = clients[who];
      const argv = (step.slice(1) as string[]).map((a) => a.replace(/\{id:(\d+)\}/g, (_m, i: string) => String(clients[Number(i)].id)));
      if (argv[0] === 'SLEEP') {
        await new Promise((r) => setTimeout(r, Number(argv[1])));
        continue;
      }
      const name = argv[0].toUpperCase();
      const sub = name === 'CLIENT' ? (argv[1] ?? '').toUpperCase() : '';
      const replyMode = sub === 'REPLY' ? argv[2].toUpperCase() : null;
      if (replyMode === 'OFF') muted.add(who);
      if (replyMode === 'ON') muted.delete(who);
      if (inMulti.has(who) || name === 'MULTI') {
        if (name === 'EXEC' || name === 'DISCARD') inMulti.delete(who);
        else inMulti.add(who);
        const before = c.data.length;
        c.socket.write(encode(argv));
        await waitFor(() => c.data.length > before && c.data.endsWith('\r\n'), 10000, `${argv.join(' ')} on ${port}`);
      } else {
        const marker = `sync-${n++}`;
        c.socket.write(Buffer.concat([encode(argv), encode(['PING', marker])]));
        if (!muted.has(who) && replyMode !== 'SKIP') await waitFor(() => c.data.includes(marker + '\r\n'), 10000, `${argv.join(' ')} on ${port}`);
        else await settle(port);
      }
      take(who, sub === 'GETREDIR');
    }
    // a last sync on every open client: everything sent to it has arrived
    for (const [i, c] of clients.entries()) {
      if (c.socket.destroyed || muted.has(i)) continue;
      const marker = `end-${i}`;
      c.socket.write(encode(['PING', marker]));
      await waitFor(() => c.data.includes(marker + '\r\n'), 10000, `final sync of client ${i}`);
    }
    for (let i = 0; i < clients.length; i++) take(i, false);
    return masked;
  } finally {
    for (const c of clients) c.socket.destroy();
  }
}

/** A muted client cannot sync itself: a round trip on another connection lets the server run what it was sent. */
async function settle(port: number): Promise<void> {
  const c = await TestClient.connect(port);
  await c.call('PING');
  await new Promise((r) => setImmediate(r));
  await c.call('PING');
  c.close();
}

describe('client tracking: byte-for-byte against redis-server', { skip: !redisAvailable() && SKIP_NO_REDIS }, () => {
  let tredis: TredisServer;
  let redis: ChildServer;
  before(async () => {
    tredis = await startTredis({ 'enable-debug-command': 'yes' });
    redis = await startRedis();
  });
  after(async () => {
    await tredis?.close();
    await redis?.stop();
  });

  async function same(name: string, nClients: number, steps: Step[]): Promise<string[]> {
    for (const port of [redis.port, tredis.port]) {
      const c = await TestClient.connect(port);
      await c.call('FLUSHALL');
      c.close();
    }
    const want = await runScript(redis.port, nClients, steps);
    const got = await runScript(tredis.port, nClients, steps);
    for (let i = 0; i < nClients; i++) assert.equal(JSON.stringify(got[i]), JSON.stringify(want[i]), `${name}: client ${i}`);
    return want;
  }

  test('RESP3: own writes invalidate after the reply, other clients at once, MULTI/EXEC, DEL, FLUSHALL/FLUSHDB as null', async () => {
    const out = await same('resp3 basics', 2, [
      [0, 'HELLO', '3'],
      [1, 'HELLO', '3'],
      [0, 'CLIENT', 'TRACKING', 'on'],
      [0, 'CLIENT', 'TRACKINGINFO'],
      [0, 'CLIENT', 'GETREDIR'],
      [0, 'GET', 'k'],
      [0, 'SET', 'k', 'v'],
      [0, 'GET', 'k'],
      [1, 'SET', 'k', 'x'],
      [1, 'SET', 'k', 'y'],
      [0, 'MGET', 'k', 'k2', 'k3'],
      [1, 'MSET', 'k2', 'a', 'k3', 'b'],
      [0, 'GET', 'k'],
      [0, 'MULTI'],
      [0, 'SET', 'k', '1'],
      [0, 'GET', 'k'],
      [0, 'EXEC'],
      [0, 'DEL', 'k'],
      [0, 'HGET', 'h', 'f'],
      [1, 'HSET', 'h', 'f', 'v'],
      [0, 'LRANGE', 'l', '0', '-1'],
      [1, 'RPUSH', 'l', 'a'],
      [1, 'RPUSH', 'l', 'b'],
      [0, 'GET', 'k'],
      [1, 'FLUSHALL'],
      [0, 'GET', 'k'],
      [0, 'FLUSHDB'],
      [1, 'CLIENT', 'TRACKING', 'on'],
      [1, 'GET', 'other'],
      [0, 'FLUSHALL'],
      [0, 'CLIENT', 'TRACKING', 'off'],
      [0, 'CLIENT', 'TRACKINGINFO'],
      [0, 'CLIENT', 'GETREDIR'],
    ]);
    assert.ok(out[0].includes('+OK\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n'), 'the invalidation follows the reply');
    assert.ok(out[0].includes('>2\r\n$10\r\ninvalidate\r\n_\r\n'), 'FLUSHALL: a null invalidation');
  });

  test('NOLOOP without BCAST: no invalidation for the client\'s own writes', async () => {
    await same('noloop', 2, [
      [0, 'HELLO', '3'],
      [0, 'CLIENT', 'TRACKING', 'on', 'NOLOOP'],
      [0, 'GET', 'n'],
      [0, 'SET', 'n', '1'],
      [1, 'SET', 'n', '2'],
      [0, 'GET', 'n'],
      [1, 'SET', 'n', '3'],
      [0, 'CLIENT', 'TRACKINGINFO'],
    ]);
  });

  test('pipelined: GET, SET, PING in one write', async () => {
    await same('pipeline', 1, [
      [0, 'HELLO', '3'],
      [0, 'CLIENT', 'TRACKING', 'on'],
      [0, 'GET', 'p'],
      [0, 'SET', 'p', '1'],
      [0, 'GET', 'p'],
      [0, 'INCR', 'p'],
    ]);
  });

  test('expiry and eviction invalidate', async () => {
    await same('expiry/eviction', 2, [
      [0, 'HELLO', '3'],
      [0, 'CLIENT', 'TRACKING', 'on'],
      [1, 'SET', 'e', 'v', 'PX', '1500'],
      [0, 'GET', 'e'],
      [0, 'SLEEP', '1700'],
      [1, 'GET', 'e'],
      [1, 'SET', 'm', 'v'],
      [0, 'GET', 'm'],
      [1, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random'],
      [1, 'CONFIG', 'SET', 'maxmemory', '1'],
      [1, 'CONFIG', 'SET', 'maxmemory', '0'],
    ]);
  });

  test("scripts: a script's reads track the keys its EVAL declared (EVAL_RO too), not the names it read", async () => {
    await same('scripts', 2, [
      [0, 'HELLO', '3'],
      [0, 'CLIENT', 'TRACKING', 'on'],
      [0, 'EVAL', "redis.call('get','other'); return redis.call('get',KEYS[1])", '1', 'sk'],
      [1, 'SET', 'sk', '1'],
      [1, 'SET', 'other', '1'],
      [0, 'EVAL_RO', "return redis.call('get',KEYS[1])", '1', 'rk'],
      [1, 'SET', 'rk', '1'],
      [0, 'EVAL', 'return 1', '1', 'nk'],
      [1, 'SET', 'nk', '1'],
      [0, 'EVAL', "return redis.call('set',KEYS[1],'x')", '1', 'sk'],
    ]);
  });

  test('SWAPDB does not invalidate, DEBUG RELOAD sends the null invalidation', async () => {
    await same('swapdb/reload', 2, [
      [0, 'HELLO', '3'],
      [0, 'CLIENT', 'TRACKING', 'on'],
      [1, 'SET', 'k', 'v'],
      [0, 'GET', 'k'],
      [1, 'SWAPDB', '0', '1'],
      [0, 'SELECT', '1'],
      [0, 'GET', 'k'],
      [1, 'DEBUG', 'RELOAD'],
      [0, 'GET', 'k'],
    ]);
  });

  test('OPTIN / OPTOUT with CLIENT CACHING, and the mode errors', async () => {
    await same('optin/optout', 2, [
      [0, 'HELLO', '3'],
      [0, 'CLIENT', 'CACHING', 'yes'],
      [0, 'CLIENT', 'TRACKING', 'on', 'optin'],
      [0, 'CLIENT', 'CACHING', 'no'],
      [0, 'CLIENT', 'CACHING', 'maybe'],
      [0, 'GET', 'a'],
      [0, 'CLIENT', 'CACHING', 'yes'],
      [0, 'CLIENT', 'TRACKINGINFO'],
      [0, 'GET', 'b'],
      [0, 'CLIENT', 'TRACKINGINFO'],
      [0, 'GET', 'c'],
      [0, 'CLIENT', 'CACHING', 'yes'],
      [0, 'MULTI'],
      [0, 'GET', 'd'],
      [0, 'GET', 'e'],
      [0, 'EXEC'],
      [1, 'MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'],
      [0, 'CLIENT', 'TRACKING', 'on', 'optout'],
      [0, 'CLIENT', 'TRACKING', 'on', 'bcast'],
      [0, 'CLIENT', 'TRACKING', 'off'],
      [0, 'CLIENT', 'TRACKING', 'on', 'optout'],
      [0, 'CLIENT', 'CACHING', 'yes'],
      [0, 'GET', 'a'],
      [0, 'CLIENT', 'CACHING', 'no'],
      [0, 'CLIENT', 'TRACKINGINFO'],
      [0, 'GET', 'b'],
      [1, 'MSET', 'a', '1', 'b', '2'],
      [0, 'CLIENT', 'TRACKING', 'on', 'optin', 'optout'],
      [0, 'CLIENT', 'TRACKING', 'maybe'],
      [0, 'CLIENT', 'TRACKING', 'on', 'foo'],
      [0, 'CLIENT', 'TRACKING', 'on', 'prefix'],
      [0, 'CLIENT', 'TRACKING', 'on', 'redirect', 'abc'],
      [0, 'CLIENT', 'TRACKING', 'on', 'redirect', '99999'],
      [0, 'CLIENT', 'TRACKING', 'on', 'redirect', '{id:1}', 'redirect', '{id:1}'],
      [0, 'CLIENT', 'TRACKING', 'off', 'foo'],
      [0, 'CLIENT', 'TRACKING', 'on', 'PREFIX', 'x'],
    ]);
  });

  test('BCAST with PREFIX and NOLOOP: one message per prefix per event-loop turn', async () => {
    await same('bcast', 3, [
      [0, 'HELLO', '3'],
      [2, 'HELLO', '3'],
      [0, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'b', 'PREFIX', 'a'],
      [0, 'CLIENT', 'TRACKINGINFO'],
      [0, 'SET', 'a1', 'x'],
      [0, 'MSET', 'a2', 'x', 'b1', 'y', 'c1', 'z'],
      [1, 'MSET', 'a9', 'x', 'b1', 'y', 'c1', 'z', 'a3', '1', 'a2', '2'],
      [0, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'ab'],
      [0, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'x', 'PREFIX', 'xy'],
      [0, 'CLIENT', 'TRACKING', 'on'],
      [0, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTIN'],
      [0, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'c'],
      [0, 'CLIENT', 'TRACKINGINFO'],
      [1, 'SET', 'c5', '1'],
      [2, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP'],
      [2, 'SET', 'z', '1'],
      [1, 'SET', 'z', '2'],
      [2, 'MSET', 'z', '3', 'y', '4'],
      [1, 'SET', 'y', '5'],
      [2, 'CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP', 'PREFIX', 'q'],
      [2, 'CLIENT', 'TRACKINGINFO'],
      [1, 'FLUSHALL'],
      [0, 'CLIENT', 'TRACKING', 'off'],
      [1, 'SET', 'a1', '1'],
    ]);
  });

  test('REDIRECT: RESP2 through __redis__:invalidate, RESP3 pushes, a broken redirection', async () => {
    await same('redirect', 4, [
      [1, 'SUBSCRIBE', '__redis__:invalidate'],
      [0, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '{id:1}'],
      [0, 'CLIENT', 'GETREDIR'],
      [0, 'CLIENT', 'TRACKINGINFO'],
      [0, 'GET', 'k'],
      [0, 'SET', 'k', '1'],
      [0, 'GET', 'k'],
      [2, 'SET', 'k', '2'],
      [0, 'GET', 'k'],
      [0, 'FLUSHDB'],
      [3, 'HELLO', '3'],
      [2, 'HELLO', '3'],
      [2, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '{id:3}'],
      [2, 'GET', 'r'],
      [0, 'SET', 'r', '1'],
      [2, 'GET', 'r'],
      ['close', '3'],
      [0, 'SET', 'r', '2'],
      [2, 'CLIENT', 'TRACKINGINFO'],
      [2, 'CLIENT', 'GETREDIR'],
      [2, 'CLIENT', 'TRACKING', 'on', 'REDIRECT', '{id:0}'],
      [2, 'CLIENT', 'TRACKINGINFO'],
    ]);
  });

  test('CLIENT REPLY OFF / SKIP never silence push messages', async () => {
    const out = await same('reply off', 4, [
      [0, 'CLIENT', 'REPLY', 'OFF'],
      [0, 'SUBSCRIBE', 'ch'],
      [1, 'PUBLISH', 'ch', 'm'],
      [2, 'HELLO', '3'],
      [2, 'CLIENT', 'REPLY', 'OFF'],
      [2, 'SUBSCRIBE', 'ch'],
      [2, 'GET', 'k'],
      [1, 'PUBLISH', 'ch', 'm2'],
      [2, 'CLIENT', 'TRACKING', 'on'],
      [2, 'GET', 'zz'],
      [1, 'SET', 'zz', '1'],
      [2, 'CLIENT', 'REPLY', 'ON'],
      [2, 'UNSUBSCRIBE'],
      [3, 'HELLO', '3'],
      [3, 'CLIENT', 'REPLY', 'SKIP'],
      [3, 'SUBSCRIBE', 'c2'],
      [1, 'PUBLISH', 'c2', 'x'],
    ]);
    // each muted SUBSCRIBE ran before the next PUBLISH: every subscriber was counted and got the message
    assert.ok(out[1].startsWith(':1\r\n$6\r\nsync-2\r\n:2\r\n'), JSON.stringify(out[1]));
    assert.ok(out[0].includes('*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n'), JSON.stringify(out[0]));
  });

  test('INFO tracking fields and CLIENT LIST flags', async () => {
    const info = async (port: number, c: TestClient) => {
      const text = String(await c.call('INFO', 'everything'));
      void port;
      return ['tracking_clients', 'tracking_total_keys', 'tracking_total_items', 'tracking_total_prefixes'].map((f) => text.match(new RegExp(`${f}:(\\d+)`))?.[1]);
    };
    const results: string[][] = [];
    for (const port of [redis.port, tredis.port]) {
      const a = await TestClient.connect(port);
      const b = await TestClient.connect(port);
      const d = await TestClient.connect(port);
      await a.call('FLUSHALL');
      await a.call('CLIENT', 'TRACKING', 'on');
      await a.call('MGET', 'x', 'y', 'z');
      await b.call('CLIENT', 'TRACKING', 'on');
      await b.call('GET', 'x');
      await d.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'p', 'PREFIX', 'q');
      const list = String(await d.call('CLIENT', 'INFO'));
      const row = (await info(port, a)).map(String);
      row.push(list.match(/flags=(\S+)/)![1], list.match(/redir=(\S+)/)![1]);
      results.push(row);
      a.close();
      b.close();
      d.close();
    }
    assert.deepEqual(results[1], results[0]);
    assert.deepEqual(results[0].slice(0, 4), ['3', '3', '4', '2']);
  });
});
