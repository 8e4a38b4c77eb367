/**
 * HyperLogLog through a real socket (the cases of Redis's
 * tests/unit/hyperloglog.tcl and more): PFADD/PFCOUNT/PFMERGE/PFDEBUG/
 * PFSELFTEST, known bytes of Redis 7.0.15, the cached cardinality and its
 * invalidation bit, sparse -> dense promotion, corrupt values rejected with
 * Redis's errors and never a crash, what is propagated and keyspace events.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTredis } from '../helpers/servers';
import { TestClient } from '../helpers/resp';
import { mulberry32 } from '../helpers/prng';
import { rawReplies as raw, WRONGTYPE, int, OK, err } from '../helpers/compare';
import { murmurHash64A, hllPatLen } from '../../src/keyspace/hll';
import type { TredisServer } from '../../src/index';

let srv: TredisServer;
const propagated: string[][] = [];
const events: string[] = [];
const HLL_WRONGTYPE = err('WRONGTYPE Key is not a valid HyperLogLog string value.');
const INVALIDOBJ = err('INVALIDOBJ Corrupted HLL object detected');

before(async () => {
  srv = await startTredis({ 'notify-keyspace-events': 'KEA' });
  srv.server.propagation.listeners.push({ feed: (_db, argv) => propagated.push(argv) });
  const s = srv.server;
  const orig = s.notifyKeyspaceEvent.bind(s);
  s.notifyKeyspaceEvent = (type: string, event: string, key: string, dbid: number) => {
    events.push(`${event}:${key}`);
    orig(type, event, key, dbid);
  };
});
after(async () => {
  await srv.close();
});

async function client(): Promise<TestClient> {
  return TestClient.connect(srv.port);
}

const hex = (s: string): string => Buffer.from(s, 'latin1').toString('hex');

test('the register and run of an element are Redis\'s (MurmurHash64A, seed 0xadc83b19)', () => {
  // registers redis-server 7.0.15 sets (PFADD x <e>; PFDEBUG GETREG x)
  assert.deepEqual(hllPatLen('a'), { index: 12711, count: 2 });
  assert.deepEqual(hllPatLen('hello'), { index: 9216, count: 1 });
  assert.deepEqual(hllPatLen('foobar123'), { index: 638, count: 1 });
  assert.equal(murmurHash64A('a') & 0x3fffn, 12711n);
});

test('PFADD creates a sparse HLL with Redis\'s exact bytes; PFCOUNT caches the cardinality in the header', async () => {
  const c = await client();
  try {
    assert.deepEqual(await raw(c, ['DEL', 'hll'], ['PFADD', 'hll'], ['EXISTS', 'hll'], ['PFCOUNT', 'hll']), [int(0), int(1), int(1), int(0)]);
    await c.call('DEL', 'hll');
    assert.equal(await c.callRaw('PFADD', 'hll', 'a', 'b', 'c', 'd', 'e', 'f', 'g'), int(1));
    // bytes of redis-server 7.0.15 after the same command
    const want = '48594c4c01000000000000000000008046' + '6d80560c80443c84388050b184498c80426d80425a';
    assert.equal(hex((await c.call('GET', 'hll')) as string), want);
    assert.equal(await c.callRaw('PFCOUNT', 'hll'), int(7));
    assert.equal(hex((await c.call('GET', 'hll')) as string), want.slice(0, 16) + '0700000000000000' + want.slice(32));
    assert.deepEqual(await raw(c, ['PFADD', 'hll', 'a', 'b', 'c'], ['PFADD', 'hll', ''], ['PFCOUNT', 'hll']), [int(0), int(1), int(8)]);
  } finally {
    c.close();
  }
});

test('PFADD / PFCOUNT cache invalidation bit', async () => {
  const c = await client();
  try {
    await c.call('DEL', 'hll');
    await c.call('PFADD', 'hll', 'a', 'b', 'c');
    await c.call('PFCOUNT', 'hll');
    assert.equal(await c.call('GETRANGE', 'hll', '15', '15'), '\x00');
    await c.call('PFADD', 'hll', 'a', 'b', 'c');
    assert.equal(await c.call('GETRANGE', 'hll', '15', '15'), '\x00');
    await c.call('PFADD', 'hll', '1', '2', '3');
    assert.equal(await c.call('GETRANGE', 'hll', '15', '15'), '\x80');
    assert.deepEqual(await raw(c, ['DEL', 'hll'], ['PFADD', 'hll', '1', '2', '3', '4', '5'], ['PFCOUNT', 'hll'], ['PFADD', 'hll', '6', '7', '8', '8', '9', '10'], ['PFCOUNT', 'hll']), [int(1), int(1), int(5), int(1), int(10)]);
  } finally {
    c.close();
  }
});

test('sparse -> dense promotion at hll-sparse-max-bytes, estimates within 5%', async () => {
  const c = await client();
  const r = mulberry32(7);
  try {
    await c.call('DEL', 'hll');
    await c.call('CONFIG', 'SET', 'hll-sparse-max-bytes', '3000');
    let n = 0;
    while (n < 30000) {
      const els = Array.from({ length: 100 }, () => String(r()));
      n += 100;
      await c.call('PFADD', 'hll', ...els);
      const card = Number(await c.call('PFCOUNT', 'hll'));
      assert.ok(Math.abs(card - n) < (card / 100) * 5, `${card} vs ${n}`);
      const enc = await c.call('PFDEBUG', 'ENCODING', 'hll');
      if (n < 1000) assert.equal(enc, 'sparse');
      else if (n > 10000) assert.equal(enc, 'dense');
    }
    assert.equal(((await c.call('GET', 'hll')) as string).length, 12304);
    // a tiny limit promotes at once
    await c.call('CONFIG', 'SET', 'hll-sparse-max-bytes', '30');
    await c.call('DEL', 'h2');
    await c.call('PFADD', 'h2', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j');
    assert.equal(await c.call('PFDEBUG', 'ENCODING', 'h2'), 'dense');
  } finally {
    await c.call('CONFIG', 'SET', 'hll-sparse-max-bytes', '3000');
    c.close();
  }
});

test('sparse and dense give the same estimates (sparse encoding stress)', async () => {
  const c = await client();
  const r = mulberry32(11);
  try {
    for (let x = 0; x < 200; x++) {
      await c.call('DEL', 'hll1', 'hll2');
      const els = Array.from({ length: Math.floor(r() * 100) }, () => String(r()));
      await c.call('PFADD', 'hll2');
      await c.call('PFDEBUG', 'TODENSE', 'hll2');
      if (els.length) {
        await c.call('PFADD', 'hll1', ...els);
        await c.call('PFADD', 'hll2', ...els);
      } else await c.call('PFADD', 'hll1');
      assert.equal(await c.call('PFDEBUG', 'ENCODING', 'hll1'), 'sparse');
      assert.equal(await c.call('PFDEBUG', 'ENCODING', 'hll2'), 'dense');
      assert.equal(await c.call('PFCOUNT', 'hll1'), await c.call('PFCOUNT', 'hll2'));
    }
  } finally {
    c.close();
  }
});

test('corrupt HLLs: WRONGTYPE for a bad header, INVALIDOBJ for bad opcodes, fuzzing never crashes', async () => {
  const c = await client();
  const r = mulberry32(3);
  try {
    await c.call('DEL', 'hll');
    await c.call('PFADD', 'hll', 'a', 'b', 'c');
    await c.call('APPEND', 'hll', 'hello');
    assert.equal(await c.callRaw('PFCOUNT', 'hll'), INVALIDOBJ);
    for (const [off, bytes] of [['0', '0123'], ['4', 'x'], ['4', '\x00']]) {
      await c.call('DEL', 'hll');
      await c.call('PFADD', 'hll', 'a', 'b', 'c');
      await c.call('SETRANGE', 'hll', off, bytes);
      assert.equal(await c.callRaw('PFCOUNT', 'hll'), HLL_WRONGTYPE);
    }
    assert.deepEqual(await raw(c, ['SET', 'short', 'HYLL'], ['PFADD', 'short', 'a'], ['PFCOUNT', 'short'], ['PFMERGE', 'x', 'short'], ['PFDEBUG', 'GETREG', 'short']), [OK, HLL_WRONGTYPE, HLL_WRONGTYPE, HLL_WRONGTYPE, HLL_WRONGTYPE]);
    for (let j = 0; j < 300; j++) {
      await c.call('DEL', 'hll');
      const items = Array.from({ length: Math.floor(r() * 3000) }, () => String(r()));
      await c.call('PFADD', 'hll', ...items);
      for (let i = 0; i < 5; i++) {
        const len = Number(await c.call('STRLEN', 'hll'));
        await c.call('SETRANGE', 'hll', String(Math.floor(r() * len)), String.fromCharCode(Math.floor(r() * 256)));
        if (r() < 0.5) break;
      }
      for (const argv of [['PFCOUNT', 'hll'], ['PFADD', 'hll', 'x', 'y'], ['PFCOUNT', 'hll', 'nokey'], ['PFMERGE', 'dst', 'hll'], ['PFDEBUG', 'DECODE', 'hll'], ['PFDEBUG', 'GETREG', 'hll']]) {
        const rep = await c.callRaw(...argv);
        assert.ok(!rep.startsWith('-ERR internal'), rep);
      }
    }
    assert.equal(await c.callRaw('PING'), '+PONG\r\n');
  } finally {
    c.close();
  }
});

test('type checking, PFMERGE and multi-key PFCOUNT', async () => {
  const c = await client();
  try {
    await c.call('SET', 'foo', 'bar');
    await c.call('ZADD', 'zs', '1', 'a');
    assert.deepEqual(await raw(c, ['PFADD', 'foo', '1'], ['PFCOUNT', 'foo'], ['PFMERGE', 'bar', 'foo'], ['PFMERGE', 'foo', 'bar'], ['PFADD', 'zs', 'a'], ['PFCOUNT', 'zs', 'foo']), [HLL_WRONGTYPE, HLL_WRONGTYPE, HLL_WRONGTYPE, HLL_WRONGTYPE, WRONGTYPE, WRONGTYPE]);
    await c.call('DEL', 'hll', 'hll1', 'hll2', 'hll3');
    await c.call('PFADD', 'hll1', 'a', 'b', 'c');
    await c.call('PFADD', 'hll2', 'b', 'c', 'd');
    await c.call('PFADD', 'hll3', 'c', 'd', 'e');
    assert.deepEqual(await raw(c, ['PFMERGE', 'hll', 'hll1', 'hll2', 'hll3'], ['PFCOUNT', 'hll'], ['PFCOUNT', 'hll1', 'hll2', 'hll3', 'nokey'], ['PFMERGE', 'empty'], ['PFCOUNT', 'empty']), [OK, int(5), int(5), OK, int(0)]);
    await c.call('DEL', 'hll1', 'hll2', 'hll3');
    for (let x = 1; x < 2000; x++) {
      await c.call('PFADD', 'hll1', `foo-${x}`);
      await c.call('PFADD', 'hll2', `bar-${x}`);
      await c.call('PFADD', 'hll3', `zap-${x}`);
    }
    const card = Number(await c.call('PFCOUNT', 'hll1', 'hll2', 'hll3'));
    assert.ok(Math.abs(card - 5997) < (card / 100) * 5, String(card));
  } finally {
    c.close();
  }
});

test('PFDEBUG subcommands and errors, PFSELFTEST', async () => {
  const c = await client();
  try {
    await c.call('DEL', 'hll');
    await c.call('PFADD', 'hll', '1', '2', '3');
    assert.equal(await c.call('PFDEBUG', 'ENCODING', 'hll'), 'sparse');
    assert.match((await c.call('PFDEBUG', 'DECODE', 'hll')) as string, /^(Z:\d+|z:\d+|v:\d+,\d+)( (Z:\d+|z:\d+|v:\d+,\d+))*$/);
    const regs = (await c.call('PFDEBUG', 'GETREG', 'hll')) as number[];
    assert.equal(regs.length, 16384);
    assert.equal(regs.filter((x) => x > 0).length, 3);
    assert.deepEqual(await raw(c, ['PFDEBUG', 'ENCODING', 'hll'], ['PFDEBUG', 'TODENSE', 'hll'], ['PFDEBUG', 'DECODE', 'hll'], ['PFDEBUG', 'nope', 'hll'], ['PFDEBUG', 'GETREG', 'nokey'], ['PFDEBUG', 'GETREG']), [
      '+dense\r\n',
      int(0),
      err('ERR HLL encoding is not sparse'),
      err("ERR Unknown PFDEBUG subcommand 'nope'"),
      err('ERR The specified key does not exist'),
      err("ERR wrong number of arguments for 'pfdebug' command"),
    ]);
    assert.equal(await c.callRaw('PFSELFTEST'), OK);
  } finally {
    c.close();
  }
});

test('what is propagated: PFADD that changed, PFCOUNT that recomputed the cache, PFMERGE, PFDEBUG conversions; events', async () => {
  const c = await client();
  try {
    await c.call('DEL', 'p1', 'p2');
    propagated.length = 0;
    events.length = 0;
    await c.call('PFADD', 'p1', 'a');
    await c.call('PFADD', 'p1', 'a');
    await c.call('PFCOUNT', 'p1');
    await c.call('PFCOUNT', 'p1');
    await c.call('PFCOUNT', 'p1', 'p2');
    await c.call('PFMERGE', 'p2', 'p1');
    await c.call('PFDEBUG', 'ENCODING', 'p2');
    await c.call('PFDEBUG', 'TODENSE', 'p2');
    await c.call('PFDEBUG', 'TODENSE', 'p2');
    assert.deepEqual(propagated, [
      ['PFADD', 'p1', 'a'],
      ['PFCOUNT', 'p1'],
      ['PFMERGE', 'p2', 'p1'],
      ['PFDEBUG', 'TODENSE', 'p2'],
    ]);
    assert.deepEqual(events, ['pfadd:p1', 'pfadd:p2']);
  } finally {
    c.close();
  }
});
