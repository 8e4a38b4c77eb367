import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTredis } from '../helpers/servers';
import { TestClient, ReplyError } from '../helpers/resp';
import type { TredisServer } from '../../src/index';
import type { Client } from '../../src/server/client';

let srv: TredisServer;
before(async () => {
  srv = await startTredis();
});
after(async () => {
  await srv.close();
});

test('PING, ECHO, unknown command and arity errors in Redis words', async () => {
  const c = await TestClient.connect(srv.port);
  try {
    assert.equal(await c.callRaw('PING'), '+PONG\r\n');
    assert.equal(await c.callRaw('PING', 'hi'), '$2\r\nhi\r\n');
    assert.equal(await c.callRaw('ECHO', 'a\r\nb'), '$4\r\na\r\nb\r\n');
    assert.equal(await c.callRaw('FOO', 'a', 'b'), "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n");
    assert.equal(await c.callRaw('GET'), "-ERR wrong number of arguments for 'get' command\r\n");
    assert.equal(await c.callRaw('SELECT', '99'), '-ERR DB index is out of range\r\n');
  } finally {
    c.close();
  }
});

test('inline commands and pipelines split across writes', async () => {
  const c = await TestClient.connect(srv.port);
  try {
    assert.equal(await c.send('PING\r\n', true), '+PONG\r\n');
    const frame = Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n');
    const replies = c.readReplies(2, true);
    for (let i = 0; i < frame.length; i++) {
      c.write(frame.subarray(i, i + 1));
      await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(await replies, ['+OK\r\n', '$5\r\nhello\r\n']);
  } finally {
    c.close();
  }
});

test('protocol errors reply and close', async () => {
  const c = await TestClient.connect(srv.port);
  const r = await c.send('*1\r\nfoo\r\n', true);
  assert.equal(r, "-ERR Protocol error: expected '$', got 'f'\r\n");
  assert.equal(await c.waitClose(), true);
  const d = await TestClient.connect(srv.port);
  assert.equal(await d.send('*abc\r\n', true), '-ERR Protocol error: invalid multibulk length\r\n');
  d.close();
  const e = await TestClient.connect(srv.port);
  assert.equal(await e.send('SET "a b\r\n', true), '-ERR Protocol error: unbalanced quotes in request\r\n');
  e.close();
});

test('HELLO 3 switches to RESP3 and replies with a map', async () => {
  const c = await TestClient.connect(srv.port);
  try {
    const r = await c.call('HELLO', '3');
    assert.ok(r instanceof Map);
    assert.equal(r.get('server'), 'redis');
    assert.equal(r.get('proto'), 3);
    assert.equal(await c.callRaw('GET', 'nosuchkey'), '_\r\n');
    const e = await c.call('HELLO', '4');
    assert.ok(e instanceof ReplyError && e.message.startsWith('NOPROTO'));
  } finally {
    c.close();
  }
});

test('before AUTH a frame may have at most 10 arguments of 16 KB; after AUTH up to INT_MAX arguments (Redis 7.0.15)', async () => {
  const p = await startTredis({ requirepass: 'pw' });
  try {
    const a = await TestClient.connect(p.port);
    assert.equal(await a.send('*11\r\n', true), '-ERR Protocol error: unauthenticated multibulk length\r\n');
    assert.equal(await a.waitClose(), true);
    const b = await TestClient.connect(p.port);
    assert.equal(await b.send('*1\r\n$16385\r\n', true), '-ERR Protocol error: unauthenticated bulk length\r\n');
    assert.equal(await b.waitClose(), true);
    // at the limits: answered with NOAUTH, the connection stays
    const c = await TestClient.connect(p.port);
    try {
      assert.equal(await c.callRaw('ECHO', 'x'.repeat(16384)), '-NOAUTH Authentication required.\r\n');
      assert.equal(await c.callRaw('MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e'), '-NOAUTH Authentication required.\r\n');
      assert.equal(await c.callRaw('AUTH', 'pw'), '+OK\r\n');
      // authenticated: the pre-AUTH limits are gone
      assert.equal(await c.callRaw('MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'), '+OK\r\n');
      assert.equal(await c.callRaw('ECHO', 'y'.repeat(20000)), `$20000\r\n${'y'.repeat(20000)}\r\n`);
      // more than 1024*1024 arguments in one command (redis-server 6 stopped there, 7.0 at INT_MAX)
      const n = 1024 * 1024 + 10;
      const parts = [`*${n + 2}\r\n$4\r\nSADD\r\n$3\r\nbig\r\n`];
      for (let i = 0; i < n; i++) {
        const m = String(i);
        parts.push(`$${m.length}\r\n${m}\r\n`);
      }
      assert.equal(await c.send(parts.join(''), true), `:${n}\r\n`);
      assert.equal(await c.callRaw('SCARD', 'big'), `:${n}\r\n`);
    } finally {
      c.close();
    }
    // a count over INT_MAX is refused
    const d = await TestClient.connect(p.port);
    assert.equal(await d.send('AUTH pw\r\n*2147483648\r\n', true), '+OK\r\n');
    assert.equal(await d.waitClose(), true);
  } finally {
    await p.close();
  }
});

test('a command that fails half way through its reply leaves no half reply (the client gets the error and stays in step)', async () => {
  const c = await TestClient.connect(srv.port);
  const cmd = srv.server.executor.lookup(['ECHO', 'x']);
  assert.ok(typeof cmd !== 'string');
  const patchable = cmd as unknown as { handler: (cl: Client, argv: string[]) => void };
  const real = patchable.handler;
  // a bug stand-in: an array header and one element written, then an exception
  patchable.handler = (cl) => {
    cl.reply.arrayLen(3);
    cl.reply.bulk('partial');
    throw new TypeError('boom');
  };
  try {
    const r = await c.call('ECHO', 'x');
    assert.ok(r instanceof ReplyError);
    assert.equal(r.message, "ERR internal error executing 'echo': boom");
    // the connection is still in step: the next reply is the next command's
    assert.equal(await c.call('PING'), 'PONG');
    // inside MULTI too: EXEC's array holds exactly one reply per command
    assert.equal(await c.call('MULTI'), 'OK');
    assert.equal(await c.call('ECHO', 'x'), 'QUEUED');
    assert.equal(await c.call('PING'), 'QUEUED');
    const exec = (await c.call('EXEC')) as unknown[];
    assert.equal(exec.length, 2);
    assert.ok(exec[0] instanceof ReplyError);
    assert.equal(exec[1], 'PONG');
  } finally {
    patchable.handler = real;
    c.close();
  }
});
