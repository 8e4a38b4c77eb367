/**
 * The request parser's edges against redis-server 7.0: malformed lengths
 * (leading zeros, -0) get Redis's protocol error, a protocol error closes
 * the connection for good (a client that keeps writing sees it end), and
 * client-query-buffer-limit closes a client whose single large argument
 * grows past it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { redisAvailable, startRedis, startTredis, SKIP_NO_REDIS, type ChildServer } from '../helpers/servers';
import type { TredisServer } from '../../src/index';

const skip = redisAvailable() ? false : SKIP_NO_REDIS;
let tredis: TredisServer;
let redis: ChildServer;

before(async () => {
  if (skip) return;
  tredis = await startTredis();
  redis = await startRedis();
});
after(async () => {
  if (skip) return;
  await tredis.close();
  await redis.stop();
});

/**
 * Send bytes, then keep sending `more` in small pieces while the peer lets us;
 * collect what comes back. The socket is half-open capable, so a server that
 * only half-closes (FIN, then goes on reading) does not count as closed while
 * we still write: closed means the peer reset us (or, with nothing more to
 * send, ended).
 */
function exchange(port: number, first: string, more = '', waitMs = 3000, step = 4): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let data = '';
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(drip);
      s.destroy();
      resolve({ data, closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    let i = 0;
    const drip = setInterval(() => {
      if (i < more.length && !s.destroyed) s.write(more.slice(i, (i += step)));
    }, 5);
    s.on('data', (d) => (data += d.toString('latin1')));
    s.on('end', () => {
      if (more === '') finish(true);
    });
    s.on('error', () => finish(true));
    s.on('close', () => finish(true));
    s.write(first);
  });
}

const MALFORMED = [
  '*01\r\n$4\r\nPING\r\n',
  '*00\r\n',
  '*-0\r\n',
  '*1\r\n$04\r\nPING\r\n',
  '*1\r\n$-0\r\n\r\n',
  '*1\r\n$00\r\n\r\n',
  '*2\r\n$4\r\nECHO\r\n$01\r\nx\r\n',
  '*+1\r\n$4\r\nPING\r\n',
  // a header line ends at its CR, the next byte skipped whatever it is (found by npm run fuzz)
  '*2\r*3\r\n$4\r\nPING\r\n',
];

test('malformed multibulk and bulk lengths: the same protocol error and close as redis-server', { skip }, async () => {
  for (const input of MALFORMED) {
    const [r, t] = await Promise.all([exchange(redis.port, input), exchange(tredis.port, input)]);
    assert.equal(t.data, r.data, `reply to ${JSON.stringify(input)}`);
    assert.equal(t.closed, r.closed, `closed after ${JSON.stringify(input)}`);
    assert.equal(t.closed, true);
  }
  // lengths that are fine stay fine
  const ok = await exchange(tredis.port, '*1\r\n$4\r\nPING\r\n*0\r\n*-1\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n', '', 300);
  assert.equal(ok.data, '+PONG\r\n$0\r\n\r\n');
  // "$4\rX" is a whole bulk header to Redis (CR, then any byte): the same reply here
  const quirk = '*2\r\n$4\rXECHO\r\n$2\r\nhi\r\n*1\r\n$4\r\x00PING\r\n';
  const [rq, tq] = await Promise.all([exchange(redis.port, quirk, '', 300), exchange(tredis.port, quirk, '', 300)]);
  assert.equal(tq.data, rq.data);
  assert.equal(tq.data, '$2\r\nhi\r\n+PONG\r\n');
});

test('after a protocol error the connection ends even if the client keeps writing', { skip }, async () => {
  // an inline request with no newline, streamed in small pieces past the 64 KB inline limit, and on
  const stream = 'x'.repeat(8 * 1024 * 1024);
  for (const port of [redis.port, tredis.port]) {
    const r = await exchange(port, 'PING'.repeat(10), stream, 20000, 1024);
    assert.equal(r.closed, true, `port ${port} closed the connection`);
    assert.equal(r.data, '-ERR Protocol error: too big inline request\r\n');
  }
  // a bad header, then more requests: one error, then the end
  for (const port of [redis.port, tredis.port]) {
    const r = await exchange(port, '*1\r\nfoo\r\n', '*1\r\n$4\r\nPING\r\n'.repeat(200000), 5000, 1024);
    assert.equal(r.closed, true);
    assert.equal(r.data, "-ERR Protocol error: expected '$', got 'f'\r\n");
  }
});

test('client-query-buffer-limit closes a client whose one large argument passes it', { skip }, async () => {
  const set = (port: number) => exchange(port, '*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$25\r\nclient-query-buffer-limit\r\n$3\r\n1mb\r\n', '', 300);
  assert.equal((await set(redis.port)).data, '+OK\r\n');
  assert.equal((await set(tredis.port)).data, '+OK\r\n');
  // a 4 MB argument (within proto-max-bulk-len) announced, then sent in 64 KB pieces
  const header = '*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$4000000\r\n';
  for (const port of [redis.port, tredis.port]) {
    const closed = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      const piece = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const timer = setTimeout(() => {
        s.destroy();
        resolve(false);
      }, 10000);
      const end = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      s.on('close', end);
      s.on('error', () => {});
      s.write(header);
      const pump = (): void => {
        while (sent < 4_000_000 && !s.destroyed) {
          sent += piece.length;
          if (!s.write(piece)) return void s.once('drain', pump);
        }
      };
      pump();
    });
    assert.equal(closed, true, `port ${port} closed the client at the limit`);
  }
  // the server is fine and the key was not written
  const after = await exchange(tredis.port, '*2\r\n$6\r\nEXISTS\r\n$3\r\nbig\r\n', '', 300);
  assert.equal(after.data, ':0\r\n');
});

test('an inline line with a NUL before its newline never ends (Redis finds the newline with strchr): no reply, then the 64 KB error', { skip }, async () => {
  for (const port of [redis.port, tredis.port]) {
    // nothing comes back for the line (nor for a complete request after it): the server still waits for a newline
    const r = await exchange(port, 'SET a\x00b 1\r\nPING\r\n*1\r\n$4\r\nPING\r\n', '', 600);
    assert.equal(r.data, '', `port ${port}`);
    assert.equal(r.closed, false, `port ${port}`);
    // once the unfinished line passes 64 KB: the inline error, and the end
    const big = await exchange(port, 'GET k\x00', 'x'.repeat(80 * 1024), 15000, 4096);
    assert.equal(big.data, '-ERR Protocol error: too big inline request\r\n', `port ${port}`);
    assert.equal(big.closed, true, `port ${port}`);
  }
  // a NUL inside a multibulk argument is just a byte
  for (const port of [redis.port, tredis.port]) {
    const r = await exchange(port, '*2\r\n$4\r\nECHO\r\n$3\r\na\x00b\r\n', '', 600);
    assert.equal(r.data, '$3\r\na\x00b\r\n');
  }
});
