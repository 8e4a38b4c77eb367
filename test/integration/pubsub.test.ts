/**
 * Pub/Sub through real sockets: RESP2 subscribed mode and RESP3 push
 * messages, channels, patterns and shard channels, PUBSUB introspection,
 * what PUBLISH propagates, and a slow subscriber cut by
 * client-output-buffer-limit pubsub.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTredis, waitFor } from '../helpers/servers';
import { TestClient, PushReply, type Reply } from '../helpers/resp';
import type { TredisServer } from '../../src/index';

let srv: TredisServer;
const propagated: string[][] = [];

before(async () => {
  srv = await startTredis({ 'client-output-buffer-limit': 'pubsub 262144 0 0' });
  srv.server.propagation.listeners.push({ feed: (_db, argv) => propagated.push(argv) });
});
after(async () => {
  await srv.close();
});

async function client(): Promise<TestClient> {
  return TestClient.connect(srv.port);
}

const m = (...xs: Array<string | null>): string => `*${xs.length}\r\n` + xs.map((x) => (x === null ? '$-1\r\n' : `$${x.length}\r\n${x}\r\n`)).join('');
const conf = (kind: string, name: string | null, n: number, push = false): string =>
  `${push ? '>' : '*'}3\r\n$${kind.length}\r\n${kind}\r\n` + (name === null ? (push ? '_\r\n' : '$-1\r\n') : `$${name.length}\r\n${name}\r\n`) + `:${n}\r\n`;

/** Send one command expecting `n` replies (subscribe confirmations come one per argument). */
async function multi(c: TestClient, n: number, ...argv: string[]): Promise<string> {
  const p = c.readReplies(n, true);
  c.write(Buffer.from(`*${argv.length}\r\n` + argv.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join(''), 'latin1'));
  return ((await p) as string[]).join('');
}

test('RESP2: subscribe confirmations, messages, subscribed-mode restrictions, leaving the mode', async () => {
  const sub = await client();
  const pub = await client();
  try {
    assert.equal(await multi(sub, 1, 'UNSUBSCRIBE'), conf('unsubscribe', null, 0));
    assert.equal(await multi(sub, 1, 'PUNSUBSCRIBE'), conf('punsubscribe', null, 0));
    assert.equal(await multi(sub, 1, 'SUNSUBSCRIBE'), conf('sunsubscribe', null, 0));
    assert.equal(await multi(sub, 3, 'SUBSCRIBE', 'c1', 'c2', 'c1'), conf('subscribe', 'c1', 1) + conf('subscribe', 'c2', 2) + conf('subscribe', 'c1', 2));
    assert.equal(await multi(sub, 1, 'PSUBSCRIBE', 'c*'), conf('psubscribe', 'c*', 3));
    assert.equal(await multi(sub, 1, 'SSUBSCRIBE', 's1'), conf('ssubscribe', 's1', 1));
    assert.equal(await sub.callRaw('PING'), m('pong', ''));
    assert.equal(await sub.callRaw('PING', 'x'), m('pong', 'x'));
    assert.equal(
      await sub.callRaw('GET', 'a'),
      "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
    );
    assert.equal(
      await sub.callRaw('PUBSUB', 'NUMSUB'),
      "-ERR Can't execute 'pubsub|numsub': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
    );
    // a channel subscriber gets "message", then its matching pattern "pmessage"
    assert.equal(await pub.callRaw('PUBLISH', 'c1', 'hello'), ':2\r\n');
    assert.deepEqual(await sub.nextPush(), ['message', 'c1', 'hello']);
    assert.deepEqual(await sub.nextPush(), ['pmessage', 'c*', 'c1', 'hello']);
    assert.equal(await pub.callRaw('PUBLISH', 'cx', 'p-only'), ':1\r\n');
    assert.deepEqual(await sub.nextPush(), ['pmessage', 'c*', 'cx', 'p-only']);
    assert.equal(await pub.callRaw('PUBLISH', 'nobody', 'x'), ':0\r\n');
    // shard channels: SPUBLISH only, never patterns
    assert.equal(await pub.callRaw('SPUBLISH', 's1', 'sharded'), ':1\r\n');
    assert.deepEqual(await sub.nextPush(), ['smessage', 's1', 'sharded']);
    assert.equal(await pub.callRaw('PUBLISH', 's1', 'not-shard'), ':0\r\n');
    // binary safe
    assert.equal(await pub.callRaw('PUBLISH', 'c2', 'a\r\n\x00\xff'), ':2\r\n');
    assert.deepEqual(await sub.nextPush(), ['message', 'c2', 'a\r\n\x00\xff']);
    assert.deepEqual(await sub.nextPush(), ['pmessage', 'c*', 'c2', 'a\r\n\x00\xff']);
    // unsubscribing everything leaves subscribed mode
    assert.equal(await multi(sub, 1, 'SUNSUBSCRIBE'), conf('sunsubscribe', 's1', 0));
    assert.equal(await multi(sub, 2, 'UNSUBSCRIBE', 'c2', 'c1'), conf('unsubscribe', 'c2', 2) + conf('unsubscribe', 'c1', 1));
    assert.equal(await multi(sub, 1, 'PUNSUBSCRIBE'), conf('punsubscribe', 'c*', 0));
    assert.equal(await sub.callRaw('GET', 'a'), '$-1\r\n');
    assert.equal(await sub.callRaw('PING'), '+PONG\r\n');
    assert.equal(sub.pushes.length, 0);
  } finally {
    sub.close();
    pub.close();
  }
});

test('RESP3: push messages, other commands keep working, publishing to oneself', async () => {
  const sub = await client();
  const pub = await client();
  try {
    await sub.call('HELLO', '3');
    assert.equal(await sub.callRaw('SUBSCRIBE', 'r3'), conf('subscribe', 'r3', 1, true));
    assert.equal(await sub.callRaw('PSUBSCRIBE', 'r*'), conf('psubscribe', 'r*', 2, true));
    assert.equal(await sub.callRaw('SET', 'r3-key', 'v'), '+OK\r\n');
    assert.equal(await sub.callRaw('GET', 'r3-key'), '$1\r\nv\r\n');
    assert.equal(await pub.callRaw('PUBLISH', 'r3', 'hi'), ':2\r\n');
    assert.deepEqual(await waitFor(() => (sub.pushes.length >= 2 ? sub.pushes.splice(0) : null), 10000, 'pushes'), [
      new PushReply(['message', 'r3', 'hi']),
      new PushReply(['pmessage', 'r*', 'r3', 'hi']),
    ]);
    // publishing to a channel one is subscribed to: the pushes come before the reply
    const replies = sub.readReplies(3, true);
    sub.write('*3\r\n$7\r\nPUBLISH\r\n$2\r\nr3\r\n$2\r\nme\r\n');
    assert.deepEqual(await replies, ['>3\r\n$7\r\nmessage\r\n$2\r\nr3\r\n$2\r\nme\r\n', '>4\r\n$8\r\npmessage\r\n$2\r\nr*\r\n$2\r\nr3\r\n$2\r\nme\r\n', ':2\r\n']);
    assert.equal(await sub.callRaw('UNSUBSCRIBE'), conf('unsubscribe', 'r3', 1, true));
    assert.equal(await sub.callRaw('PUNSUBSCRIBE'), conf('punsubscribe', 'r*', 0, true));
    assert.equal(await sub.callRaw('UNSUBSCRIBE'), conf('unsubscribe', null, 0, true));
  } finally {
    sub.close();
    pub.close();
  }
});

test('glob patterns: ?, [set], [^set], ranges, escapes', async () => {
  const sub = await client();
  const pub = await client();
  try {
    await multi(sub, 4, 'PSUBSCRIBE', 'h?llo', 'n[ae]t', 'x[^0-9]', 'lit\\*');
    const cases: Array<[string, number]> = [
      ['hello', 1],
      ['hallo', 1],
      ['hllo', 0],
      ['net', 1],
      ['nit', 0],
      ['xa', 1],
      ['x5', 0],
      ['lit*', 1],
      ['litx', 0],
    ];
    for (const [ch, n] of cases) assert.equal(await pub.callRaw('PUBLISH', ch, 'm'), `:${n}\r\n`, ch);
    const got: string[] = [];
    await waitFor(async () => {
      while (sub.pushes.length > 0) got.push(String((sub.pushes.shift() as Reply[])[2]));
      return got.length >= 5;
    });
    assert.deepEqual(got, ['hello', 'hallo', 'net', 'xa', 'lit*']);
  } finally {
    sub.close();
    pub.close();
  }
});

test('PUBSUB CHANNELS / NUMSUB / NUMPAT / SHARDCHANNELS / SHARDNUMSUB / HELP, and cleanup on disconnect', async () => {
  const a = await client();
  const b = await client();
  const q = await client();
  try {
    await multi(a, 2, 'SUBSCRIBE', 'news.1', 'news.2');
    await multi(b, 1, 'SUBSCRIBE', 'news.1');
    await multi(b, 1, 'PSUBSCRIBE', 'news.*');
    await multi(a, 1, 'PSUBSCRIBE', 'news.*');
    await multi(a, 1, 'SSUBSCRIBE', 'sh.1');
    assert.deepEqual(((await q.call('PUBSUB', 'CHANNELS')) as string[]).sort(), ['news.1', 'news.2']);
    assert.deepEqual(await q.call('PUBSUB', 'CHANNELS', '*.2'), ['news.2']);
    assert.equal(await q.callRaw('PUBSUB', 'NUMSUB', 'news.1', 'news.2', 'none'), '*6\r\n$6\r\nnews.1\r\n:2\r\n$6\r\nnews.2\r\n:1\r\n$4\r\nnone\r\n:0\r\n');
    assert.equal(await q.callRaw('PUBSUB', 'NUMSUB'), '*0\r\n');
    assert.equal(await q.callRaw('PUBSUB', 'NUMPAT'), ':1\r\n');
    assert.equal(await q.callRaw('PUBSUB', 'SHARDCHANNELS'), m('sh.1'));
    assert.equal(await q.callRaw('PUBSUB', 'SHARDCHANNELS', 'x*'), '*0\r\n');
    assert.equal(await q.callRaw('PUBSUB', 'SHARDNUMSUB', 'sh.1', 'sh.2'), '*4\r\n$4\r\nsh.1\r\n:1\r\n$4\r\nsh.2\r\n:0\r\n');
    assert.equal(await q.callRaw('PUBSUB', 'NUMPAT', 'x'), "-ERR wrong number of arguments for 'pubsub|numpat' command\r\n");
    assert.equal(await q.callRaw('pubsub', 'ChAnNeLs', 'a', 'b'), "-ERR unknown subcommand or wrong number of arguments for 'ChAnNeLs'. Try PUBSUB HELP.\r\n");
    assert.equal(await q.callRaw('PUBSUB', 'foo'), "-ERR unknown subcommand 'foo'. Try PUBSUB HELP.\r\n");
    assert.equal(await q.callRaw('PUBSUB'), "-ERR wrong number of arguments for 'pubsub' command\r\n");
    const help = (await q.call('PUBSUB', 'HELP')) as string[];
    assert.equal(help.length, 14);
    assert.equal(help[0], 'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    assert.equal(help[13], '    Prints this help.');
    await q.call('HELLO', '3');
    assert.equal(await q.callRaw('PUBSUB', 'NUMSUB', 'news.2'), '*2\r\n$6\r\nnews.2\r\n:1\r\n');
    // disconnecting drops every subscription
    a.close();
    await waitFor(async () => ((await q.call('PUBSUB', 'NUMSUB', 'news.2')) as Reply[])[1] === 0, 10000, 'unsubscribe on close');
    assert.deepEqual(await q.call('PUBSUB', 'SHARDCHANNELS'), []);
    assert.equal(await q.call('PUBSUB', 'NUMPAT'), 1);
    assert.equal(await b.callRaw('RESET'), '+RESET\r\n');
    assert.equal(await q.call('PUBSUB', 'NUMPAT'), 0);
    assert.deepEqual(await q.call('PUBSUB', 'CHANNELS'), []);
  } finally {
    a.close();
    b.close();
    q.close();
  }
});

test('PUBLISH and SPUBLISH are propagated to replicas but never to the AOF', async () => {
  const c = await client();
  const s = srv.server;
  const aofFed: string[][] = [];
  const savedAof = s.propagation.aof;
  s.propagation.aof = { feed: (_db, argv) => aofFed.push(argv) };
  try {
    propagated.length = 0;
    await c.call('PUBLISH', 'pp', 'x');
    await c.call('SPUBLISH', 'pp', 'y');
    await c.call('SET', 'pp-key', 'v');
    assert.deepEqual(propagated, [['PUBLISH', 'pp', 'x'], ['SPUBLISH', 'pp', 'y'], ['SET', 'pp-key', 'v']]);
    assert.deepEqual(aofFed, [['SET', 'pp-key', 'v']]);
    propagated.length = 0;
    aofFed.length = 0;
    await c.call('MULTI');
    await c.call('SET', 'pp-key', 'w');
    await c.call('PUBLISH', 'pp', 'z');
    await c.call('EXEC');
    assert.deepEqual(propagated, [['MULTI'], ['SET', 'pp-key', 'w'], ['PUBLISH', 'pp', 'z'], ['EXEC']]);
    assert.deepEqual(aofFed, [['MULTI'], ['SET', 'pp-key', 'w'], ['EXEC']]);
  } finally {
    s.propagation.aof = savedAof;
    c.close();
  }
});

test('a subscriber that does not read is disconnected by client-output-buffer-limit pubsub', async () => {
  const slow = await client();
  const pub = await client();
  const q = await client();
  try {
    await multi(slow, 1, 'SUBSCRIBE', 'flood');
    slow.socket.pause(); // stop reading: the server's output for it piles up
    const big = 'x'.repeat(64 * 1024);
    let receivers = 1;
    for (let i = 0; i < 2000 && receivers > 0; i++) {
      receivers = (await pub.call('PUBLISH', 'flood', big)) as number;
    }
    assert.equal(receivers, 0);
    assert.equal(await q.callRaw('PUBSUB', 'NUMSUB', 'flood'), '*2\r\n$5\r\nflood\r\n:0\r\n');
    // a subscriber that keeps up is not affected
    const fast = await client();
    await multi(fast, 1, 'SUBSCRIBE', 'flood');
    for (let i = 0; i < 20; i++) assert.equal(await pub.call('PUBLISH', 'flood', big), 1);
    fast.close();
  } finally {
    slow.close();
    pub.close();
    q.close();
  }
});

test('on a replica: PUBLISH from the master reaches its subscribers; local PUBLISH works (not a write)', async () => {
  const replica = await startTredis({ replicaof: `127.0.0.1 ${srv.port}` });
  const m = await client();
  const sub = await TestClient.connect(replica.port);
  const local = await TestClient.connect(replica.port);
  try {
    await waitFor(async () => String(await local.call('ROLE')).startsWith('slave') && ((await local.call('ROLE')) as Reply[])[3] === 'connected', 15000, 'replica link up');
    await multi(sub, 1, 'SUBSCRIBE', 'repl-ch');
    // the master has no subscriber there: 0 receivers, but the replica's subscriber gets it
    assert.equal(await m.callRaw('PUBLISH', 'repl-ch', 'from-master'), ':0\r\n');
    assert.deepEqual(await sub.nextPush(5000), ['message', 'repl-ch', 'from-master']);
    assert.equal(await local.callRaw('PUBLISH', 'repl-ch', 'local'), ':1\r\n');
    assert.deepEqual(await sub.nextPush(), ['message', 'repl-ch', 'local']);
    assert.equal(await local.callRaw('SET', 'k', 'v'), "-READONLY You can't write against a read only replica.\r\n");
  } finally {
    m.close();
    sub.close();
    local.close();
    await replica.close();
  }
});
