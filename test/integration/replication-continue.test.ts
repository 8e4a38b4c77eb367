/**
 * A partial resynchronization whose backlog arrives together with the
 * +CONTINUE line: the bytes read with the reply and those read after it must
 * be applied in the order the master sent them. Found by `npm run chaos`
 * (seed 20261207, cycle 164): a replica restarted after kill -9 asked for
 * 75,960 bytes of backlog; the part read along with +CONTINUE was applied
 * after the next reads, so the stream was parsed from the middle of a value
 * ("ERR unknown command 'xxxx...'", then WRONGTYPE and XADD errors) and the
 * replica diverged.
 *
 * A scripted master answers PSYNC with +CONTINUE and a ~500 KB backlog in one
 * write (several socket reads on the replica); a second case runs the chaos
 * scenario against redis-server: SAVE on a tredis replica, kill -9, writes
 * on the master, restart from the RDB, partial resync, digests equal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTredis, startTredisProcess, startRedis, redisAvailable, SKIP_NO_REDIS, freePort, tempDir, waitFor } from '../helpers/servers';
import { encodeCommand } from '../../src/protocol/reply';
import { type Node, tredisNode, childNode, info, waitInSync, digest, fakeMaster, handshakeThen, ok } from './replication-helpers';

test('+CONTINUE with a backlog bigger than one socket read: applied in order', async () => {
  const N = 4000;
  const parts: Buffer[] = [];
  for (let i = 0; i < N; i++) parts.push(Buffer.from(encodeCommand(['RPUSH', 'l', `${i}:${'v'.repeat(100)}`]), 'latin1'));
  parts.push(Buffer.from(encodeCommand(['SET', 'done', String(N)]), 'latin1'));
  const stream = Buffer.concat(parts);
  assert.ok(stream.length > 4 * 65536, 'the backlog spans several reads');
  let asked = '';
  const fm = await fakeMaster(
    handshakeThen((sock, _conn, argv) => {
      asked = `${argv[1]} ${argv[2]}`;
      // the reply line and the whole backlog in one write, as a master sends them
      sock.write(Buffer.concat([Buffer.from(`+CONTINUE ${argv[1]}\r\n`, 'latin1'), stream]));
    }),
  );
  const r = await startTredis();
  const R: Node = await tredisNode(r);
  try {
    const replid = (await info(R)).get('master_replid');
    // a master turned replica PSYNCs with its own history (offset 0: nothing written yet)
    await ok(R.c, 'REPLICAOF', '127.0.0.1', fm.port);
    await waitFor(async () => (await info(R)).get('master_repl_offset') === String(stream.length) || (await R.c.call('GET', 'done')) !== null, 10000, 'the backlog applied');
    assert.equal(asked, `${replid} 1`);
    assert.equal((await info(R)).get('master_repl_offset'), String(stream.length));
    assert.equal((await info(R, 'stats')).get('unexpected_error_replies'), '0');
    assert.equal(await R.c.call('GET', 'done'), String(N));
    const got = (await R.c.call('LRANGE', 'l', 0, -1)) as string[];
    assert.equal(got.length, N);
    for (let i = 0; i < N; i++) if (!got[i].startsWith(`${i}:`)) assert.fail(`element ${i} is ${got[i].slice(0, 12)}...`);
  } finally {
    R.c.close();
    await r.close();
    await fm.close();
  }
});

test('kill -9 of a replica after SAVE, writes on redis-server, restart: partial resync and equal digests', { skip: !redisAvailable() && SKIP_NO_REDIS }, async () => {
  const m = await startRedis(['--repl-backlog-size', '4mb']);
  const M = await childNode(m.port);
  const port = await freePort();
  const dir = tempDir();
  let r = await startTredisProcess(['--replicaof', '127.0.0.1', String(m.port)], { port, dir });
  let R = await childNode(port);
  try {
    for (let i = 0; i < 200; i++) await ok(M.c, 'SET', `k${i}`, `v${i}`);
    await waitInSync(M, R);
    await ok(R.c, 'SAVE');
    R.c.close();
    await r.kill9();
    const before = Number((await info(M, 'stats')).get('sync_partial_ok'));
    // more than a socket read of backlog: big values and commands of every size
    for (let i = 0; i < 600; i++) {
      await ok(M.c, 'RPUSH', 'list', `${i}:${'x'.repeat(i % 7 === 0 ? 3000 : 40)}`);
      await ok(M.c, 'SADD', `set${i % 13}`, `m${i}`);
    }
    r = await startTredisProcess(['--replicaof', '127.0.0.1', String(m.port)], { port, dir });
    R = await childNode(port);
    await waitInSync(M, R);
    assert.equal(Number((await info(M, 'stats')).get('sync_partial_ok')), before + 1, 'the restarted replica resynced partially');
    assert.equal((await info(R, 'stats')).get('unexpected_error_replies'), '0');
    assert.equal(await digest(R), await digest(M));
  } finally {
    R.c.close();
    M.c.close();
    await r.kill9();
    await m.kill9();
  }
});
