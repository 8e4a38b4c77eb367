/**
 * Replication against the real redis-server 7.0: a Redis replica of a tredis
 * master (diskless and disk, partial resync, digests equal), a tredis replica
 * of a Redis master holding every encoding, a chain redis -> tredis -> redis,
 * and the exact bytes a master sends to a replica on the wire.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { startTredis, startRedis, redisAvailable, SKIP_NO_REDIS, waitFor, type ChildServer } from '../helpers/servers';
import type { TredisServer } from '../../src/index';
import {
  type Node,
  tredisNode,
  childNode,
  info,
  infoField,
  waitInSync,
  digest,
  killMasterLink,
  captureLog,
  logged,
  waitLog,
  ok,
  writeEveryType,
  liveWrites,
} from '../integration/replication-helpers';

const skip = redisAvailable() ? false : SKIP_NO_REDIS;

async function withServers(fn: (track: { t: TredisServer[]; r: ChildServer[]; n: Node[] }) => Promise<void>): Promise<void> {
  const track = { t: [] as TredisServer[], r: [] as ChildServer[], n: [] as Node[] };
  try {
    await fn(track);
  } finally {
    for (const n of track.n) n.c.close();
    for (const r of track.r) await r.stop();
    for (const t of track.t) await t.close();
  }
}

for (const mode of ['diskless', 'disk'] as const) {
  test(`redis-server replica of a tredis master (${mode} sync): full sync, live writes, partial resync`, { skip }, async () => {
    await withServers(async (tr) => {
      const m = await startTredis({ enableDebugCommand: 'yes', replDisklessSync: mode === 'diskless' ? 'yes' : 'no', replDisklessSyncDelay: 0 });
      tr.t.push(m);
      const mlog = captureLog(m.server);
      const M = await tredisNode(m);
      tr.n.push(M);
      await writeEveryType(M.c);
      const r = await startRedis(['--replicaof', '127.0.0.1', String(m.port)]);
      tr.r.push(r);
      const R = await childNode(r.port);
      tr.n.push(R);
      await waitInSync(M, R);
      assert.equal(await digest(R), await digest(M));
      await liveWrites(M.c);
      await waitInSync(M, R);
      assert.equal(await digest(R), await digest(M));
      assert.ok(
        logged(mlog, `Starting BGSAVE for SYNC with target: ${mode === 'diskless' ? 'replicas sockets' : 'disk'}`),
        'master log names the target',
      );
      const rl = r.log();
      assert.match(rl, mode === 'diskless' ? /receiving streamed RDB from master with EOF to disk/ : /receiving \d+ bytes from master to disk/);
      assert.match(rl, /Done loading RDB, keys loaded: \d+, keys expired: 0\./);
      // the Redis replica ACKs what it applied: ROLE on the tredis master shows it
      await waitFor(async () => {
        const role = (await M.c.call('ROLE')) as [string, number, string[][]];
        return role[2][0]?.[2] === String(role[1]);
      }, 5000, 'ACK from the redis replica');

      await killMasterLink(R);
      await ok(M.c, 'SET', 'afterkill', 'yes');
      await waitFor(() => /Successful partial resynchronization with master\./.test(r.log()), 10000, 'partial resync');
      await waitInSync(M, R);
      assert.equal(await R.c.call('GET', 'afterkill'), 'yes');
      assert.equal(await digest(R), await digest(M));
      assert.equal(await infoField(M, 'sync_partial_ok', 'stats'), '1');
    });
  });
}

test('tredis replica of a redis-server master with every encoding, live writes, partial resync', { skip }, async () => {
  await withServers(async (tr) => {
    const m = await startRedis(['--repl-diskless-sync-delay', '0']);
    tr.r.push(m);
    const M = await childNode(m.port);
    tr.n.push(M);
    await writeEveryType(M.c);
    // compressed strings and quicklist nodes of a compressed list
    await ok(M.c, 'CONFIG', 'SET', 'list-compress-depth', '1');
    const items: string[] = [];
    for (let i = 0; i < 2000; i++) items.push(`item-${i}-${'z'.repeat(50)}`);
    await ok(M.c, 'RPUSH', 'compressed', ...items);
    await ok(M.c, 'SET', 'lzf', 'abc'.repeat(1000));
    for (const [k, enc] of [
      ['list', 'quicklist'],
      ['hash', 'listpack'],
      ['bighash', 'hashtable'],
      ['intset', 'intset'],
      ['set', 'hashtable'],
      ['zset', 'listpack'],
      ['bigzset', 'skiplist'],
    ]) {
      assert.equal(await M.c.call('OBJECT', 'ENCODING', k), enc, `${k} is ${enc} on the master`);
    }
    for (const load of ['disabled', 'swapdb']) {
      const r = await startTredis({ enableDebugCommand: 'yes', replicaof: `127.0.0.1 ${m.port}`, replDisklessLoad: load });
      tr.t.push(r);
      const rlog = captureLog(r.server);
      const R = await tredisNode(r);
      tr.n.push(R);
      await waitInSync(M, R);
      assert.equal(await digest(R), await digest(M), `digest after full sync (${load})`);
      assert.ok(logged(rlog, `MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF ${load === 'swapdb' ? 'to parser' : 'to disk'}`));
      if (load === 'swapdb') assert.ok(logged(rlog, 'MASTER <-> REPLICA sync: Swapping active DB with loaded DB'));
    }
    await liveWrites(M.c);
    await ok(M.c, 'LPUSH', 'compressed', 'head');
    await ok(M.c, 'EVAL', "redis.call('set', KEYS[1], 'fromlua'); redis.call('incr', KEYS[2])", 2, 'lua1', 'lua2');
    await ok(M.c, 'SET', 'lzf', 'def'.repeat(1000));
    for (let i = 0; i < tr.t.length; i++) {
      const R = tr.n[i + 1];
      await waitInSync(M, R);
      assert.equal(await digest(R), await digest(M), 'digest after live writes');
    }
    // the tredis replicas answer REPLCONF GETACK: WAIT on the Redis master counts them
    await ok(M.c, 'SET', 'w', '1');
    assert.equal(await M.c.call('WAIT', 2, 5000), 2);
    // link drop -> partial resync
    const R0 = tr.n[1];
    const r0log = captureLog(tr.t[0].server);
    await killMasterLink(R0);
    await ok(M.c, 'SET', 'afterkill', '1');
    await waitLog(r0log, 'MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
    await waitInSync(M, R0);
    assert.equal(await digest(R0), await digest(M));
    assert.match(m.log(), /Partial resynchronization request from 127\.0\.0\.1:\d+ accepted\./);
  });
});

test('a chain redis -> tredis -> redis shares one replication ID and offset space', { skip }, async () => {
  await withServers(async (tr) => {
    const top = await startRedis(['--repl-diskless-sync-delay', '0']);
    tr.r.push(top);
    const T = await childNode(top.port);
    tr.n.push(T);
    await writeEveryType(T.c);
    const mid = await startTredis({ enableDebugCommand: 'yes', replicaof: `127.0.0.1 ${top.port}`, replDisklessSyncDelay: 0 });
    tr.t.push(mid);
    const MID = await tredisNode(mid);
    tr.n.push(MID);
    await waitInSync(T, MID);
    const bottom = await startRedis(['--replicaof', '127.0.0.1', String(mid.port)]);
    tr.r.push(bottom);
    const B = await childNode(bottom.port);
    tr.n.push(B);
    await waitInSync(MID, B);
    await liveWrites(T.c);
    await waitInSync(T, MID);
    await waitInSync(MID, B);
    const d = await digest(T);
    assert.equal(await digest(MID), d);
    assert.equal(await digest(B), d);
    const [ti, mi, bi] = [await info(T), await info(MID), await info(B)];
    assert.equal(mi.get('master_replid'), ti.get('master_replid'));
    assert.equal(bi.get('master_replid'), ti.get('master_replid'));
    assert.equal(bi.get('master_repl_offset'), ti.get('master_repl_offset'));
    // the middle link drops: both tredis and the bottom replica continue partially
    await killMasterLink(MID);
    await ok(T.c, 'SET', 'x', 'y');
    await waitInSync(T, MID);
    await waitInSync(MID, B);
    assert.equal(await B.c.call('GET', 'x'), 'y');
    assert.doesNotMatch(bottom.log(), /Full resync from master: .*\n[\s\S]*Full resync from master/);
  });
});

/** Read from a raw replication socket until `pred` holds on the bytes so far. */
async function readUntil(sock: net.Socket, acc: { buf: Buffer }, pred: (b: Buffer) => boolean, ms = 10000): Promise<void> {
  await waitFor(() => pred(acc.buf), ms, 'replication bytes');
}

async function rawFullSync(port: number): Promise<{ sock: net.Socket; acc: { buf: Buffer }; head: string; mark: string; rdbLen: number }> {
  const sock = net.createConnection({ port, host: '127.0.0.1' });
  const acc = { buf: Buffer.alloc(0) };
  sock.on('data', (d) => (acc.buf = Buffer.concat([acc.buf, d])));
  await new Promise((r) => sock.once('connect', r));
  // the PSYNC must wait for the REPLCONF reply: a master refuses SYNC with pending output
  sock.write('*3\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n');
  await readUntil(sock, acc, (b) => b.length >= 5);
  sock.write('*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n');
  await readUntil(sock, acc, (b) => /\+FULLRESYNC [0-9a-f]{40} \d+\r\n(\n)*\$EOF:[0-9a-f]{40}\r\n/.test(b.toString('latin1')));
  const text = acc.buf.toString('latin1');
  const m = /^\+OK\r\n(\+FULLRESYNC [0-9a-f]{40} \d+)\r\n\n*\$EOF:([0-9a-f]{40})\r\n/.exec(text);
  assert.ok(m, `framing: ${JSON.stringify(text.slice(0, 120))}`);
  const mark = m[2];
  const start = m[0].length;
  await readUntil(sock, acc, (b) => b.indexOf(mark, start, 'latin1') >= 0);
  const end = acc.buf.indexOf(mark, start, 'latin1');
  assert.equal(acc.buf.toString('latin1', start, start + 9), 'REDIS0010');
  const rest = acc.buf.subarray(end + 40);
  acc.buf = Buffer.from(rest);
  return { sock, acc, head: m[1], mark, rdbLen: end - start };
}

test('on the wire: +FULLRESYNC, $EOF: framing, then SELECT and the command, same bytes as redis-server', { skip }, async () => {
  await withServers(async (tr) => {
    const t = await startTredis({ enableDebugCommand: 'yes', replDisklessSyncDelay: 0 });
    tr.t.push(t);
    const r = await startRedis(['--repl-diskless-sync-delay', '0']);
    tr.r.push(r);
    const streams: string[] = [];
    for (const port of [t.port, r.port]) {
      const n = port === t.port ? await tredisNode(t) : await childNode(port);
      tr.n.push(n);
      const { sock, acc, head } = await rawFullSync(port);
      assert.match(head, /^\+FULLRESYNC [0-9a-f]{40} 0$/);
      // nothing streams before the first ACK of a diskless replica
      sock.write('*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$1\r\n0\r\n');
      await ok(n.c, 'SELECT', 2);
      await ok(n.c, 'SET', 'k', 'v', 'PX', 100000);
      await ok(n.c, 'INCRBYFLOAT', 'f', '1.5');
      await ok(n.c, 'MULTI');
      await ok(n.c, 'LPUSH', 'l', 'a');
      await ok(n.c, 'LPUSH', 'l', 'b');
      await ok(n.c, 'EXEC');
      await ok(n.c, 'PING');
      await readUntil(sock, acc, (b) => b.toString('latin1').includes('EXEC'));
      // the SET's absolute expire time differs between the two servers: mask it
      // and the PING of the replication cron comes whenever its period ticks: leave it out
      streams.push(
        acc.buf
          .toString('latin1')
          .replace(/\$13\r\n\d{13}\r\n/, '$13\r\n<ms>\r\n')
          .split('*1\r\n$4\r\nPING\r\n')
          .join(''),
      );
      sock.destroy();
    }
    assert.equal(streams[0], streams[1]);
    assert.match(streams[0], /^\*2\r\n\$6\r\nSELECT\r\n\$1\r\n2\r\n\*5\r\n\$3\r\nSET\r\n/);
  });
});
