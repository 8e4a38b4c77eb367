/**
 * Replication between two embedded tredis servers: full sync, live writes of
 * every type, SELECT across dbs, INFO replication and ROLE, READONLY,
 * SLAVEOF NO ONE, partial resync after a link drop, backlog offsets,
 * stale data / MASTERDOWN, expiry on replicas, WAIT, min-replicas-to-write,
 * masterauth. Each test starts and stops its own servers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTredis, freePort, waitFor } from '../helpers/servers';
import { ReplyError } from '../helpers/resp';
import type { TredisServer } from '../../src/index';
import {
  type Node,
  tredisNode,
  info,
  infoField,
  waitInSync,
  digest,
  configSet,
  killMasterLink,
  captureLog,
  logged,
  waitLog,
  ok,
  sleep,
  writeEveryType,
  liveWrites,
} from './replication-helpers';

interface Pair {
  m: TredisServer;
  r: TredisServer;
  M: Node;
  R: Node;
  mlog: string[];
  rlog: string[];
  close(): Promise<void>;
}

/** A master and a replica of it, with their logs captured from the start. */
async function pair(masterOpts: Record<string, unknown> = {}, replicaOpts: Record<string, unknown> = {}, seed?: (M: Node) => Promise<void>): Promise<Pair> {
  const m = await startTredis({ enableDebugCommand: 'yes', replDisklessSyncDelay: 0, ...masterOpts });
  const M = await tredisNode(m);
  const mlog = captureLog(m.server);
  if (seed) await seed(M);
  const r = await startTredis({ enableDebugCommand: 'yes', replicaof: `127.0.0.1 ${m.port}`, ...replicaOpts });
  const rlog = captureLog(r.server);
  const R = await tredisNode(r);
  return {
    m,
    r,
    M,
    R,
    mlog,
    rlog,
    async close() {
      M.c.close();
      R.c.close();
      await r.close();
      await m.close();
    },
  };
}

test('full sync, then every write type follows, across dbs; digests equal', async () => {
  const p = await pair({}, {}, (M) => writeEveryType(M.c));
  try {
    await waitInSync(p.M, p.R);
    assert.equal(await digest(p.R), await digest(p.M));
    assert.equal(await p.R.c.call('GET', 'str'), 'hello');
    assert.deepEqual(await p.R.c.call('LRANGE', 'list', 0, -1), ['a', 'b', 'c', '1', '2']);
    await liveWrites(p.M.c);
    await waitInSync(p.M, p.R);
    assert.equal(await digest(p.R), await digest(p.M));
    await ok(p.R.c, 'SELECT', 7);
    assert.equal(await p.R.c.call('GET', 'db7'), 'seven');
    assert.equal(await p.R.c.call('GET', 'tx'), null);
    await ok(p.R.c, 'SELECT', 0);
    assert.equal(await p.R.c.call('GET', 'tx'), '2');
    // the replica's own backlog holds exactly the bytes it applied: same offsets as its master
    assert.equal(await infoField(p.R, 'master_repl_offset'), await infoField(p.M, 'master_repl_offset'));
    assert.equal(await infoField(p.R, 'master_replid'), await infoField(p.M, 'master_replid'));
    // the master link in CLIENT LIST: flags M, no ACL user, as Redis shows it
    const link = (await p.R.c.call('CLIENT', 'LIST', 'TYPE', 'master')) as string;
    assert.match(link, /^id=\d+ addr=127\.0\.0\.1:\d+ .* flags=M .* user=\(superuser\) /);
  } finally {
    await p.close();
  }
});

test('INFO replication fields in Redis order, ROLE, sync stats and the log story', async () => {
  const p = await pair({}, {}, async (M) => {
    await ok(M.c, 'SET', 'before', 'x');
  });
  try {
    await waitInSync(p.M, p.R);
    const mi = await info(p.M);
    assert.deepEqual(
      [...mi.keys()],
      [
        'role',
        'connected_slaves',
        'slave0',
        'master_failover_state',
        'master_replid',
        'master_replid2',
        'master_repl_offset',
        'second_repl_offset',
        'repl_backlog_active',
        'repl_backlog_size',
        'repl_backlog_first_byte_offset',
        'repl_backlog_histlen',
      ],
    );
    assert.equal(mi.get('role'), 'master');
    assert.equal(mi.get('connected_slaves'), '1');
    assert.match(mi.get('slave0') as string, new RegExp(`^ip=127\\.0\\.0\\.1,port=${p.r.port},state=online,offset=\\d+,lag=\\d+$`));
    assert.match(mi.get('master_replid') as string, /^[0-9a-f]{40}$/);
    assert.equal(mi.get('master_replid2'), '0'.repeat(40));
    assert.equal(mi.get('second_repl_offset'), '-1');
    assert.equal(mi.get('repl_backlog_active'), '1');
    assert.equal(mi.get('repl_backlog_size'), '1048576');
    // the write before the replica attached did not count: the backlog starts at offset 1
    assert.equal(mi.get('repl_backlog_first_byte_offset'), '1');
    const ri = await info(p.R);
    assert.deepEqual(
      [...ri.keys()],
      [
        'role',
        'master_host',
        'master_port',
        'master_link_status',
        'master_last_io_seconds_ago',
        'master_sync_in_progress',
        'slave_read_repl_offset',
        'slave_repl_offset',
        'slave_priority',
        'slave_read_only',
        'replica_announced',
        'connected_slaves',
        'master_failover_state',
        'master_replid',
        'master_replid2',
        'master_repl_offset',
        'second_repl_offset',
        'repl_backlog_active',
        'repl_backlog_size',
        'repl_backlog_first_byte_offset',
        'repl_backlog_histlen',
      ],
    );
    assert.equal(ri.get('role'), 'slave');
    assert.equal(ri.get('master_host'), '127.0.0.1');
    assert.equal(ri.get('master_port'), String(p.m.port));
    assert.equal(ri.get('master_link_status'), 'up');
    assert.equal(ri.get('master_sync_in_progress'), '0');
    assert.equal(ri.get('slave_priority'), '100');
    assert.equal(ri.get('slave_read_only'), '1');

    await ok(p.M.c, 'SET', 'k', 'v');
    await waitInSync(p.M, p.R);
    // the replica ACKs once a second; the cron's PING may move the offset meanwhile
    let mrole: [string, number, string[][]] = ['', 0, []];
    await waitFor(async () => {
      mrole = (await p.M.c.call('ROLE')) as [string, number, string[][]];
      return mrole[2].length === 1 && mrole[2][0][2] === String(mrole[1]);
    }, 5000, 'ROLE shows the ACKed offset');
    const off = mrole[1];
    assert.deepEqual(mrole, ['master', off, [['127.0.0.1', String(p.r.port), String(off)]]]);
    assert.deepEqual(await p.R.c.call('ROLE'), ['slave', '127.0.0.1', p.m.port, 'connected', off]);
    assert.equal(await infoField(p.M, 'sync_full', 'stats'), '1');

    for (const line of [
      `Connecting to MASTER 127.0.0.1:${p.m.port}`,
      'MASTER <-> REPLICA sync started',
      'Non blocking connect for SYNC fired the event.',
      'Master replied to PING, replication can continue...',
      'Partial resynchronization not possible (no cached master)',
      `Full resync from master: ${mi.get('master_replid')}:0`,
      'MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk',
      'MASTER <-> REPLICA sync: Flushing old data',
      'MASTER <-> REPLICA sync: Loading DB in memory',
      'MASTER <-> REPLICA sync: Finished with success',
    ]) {
      assert.ok(logged(p.rlog, line), `replica log: ${line}`);
    }
    const name = `127.0.0.1:${p.r.port}`;
    for (const line of [
      `Replica ${name} asks for synchronization`,
      `Full resync requested by replica ${name}`,
      'Starting BGSAVE for SYNC with target: replicas sockets',
      `Synchronization with replica ${name} succeeded`,
    ]) {
      assert.ok(logged(p.mlog, line), `master log: ${line}`);
    }
    assert.ok(p.rlog.some((l) => /^\d+:S \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} \* Connecting to MASTER/.test(l)), 'Redis log format');
  } finally {
    await p.close();
  }
});

test('READONLY on the replica; replica-read-only no allows local writes that are not propagated', async () => {
  const m = await startTredis({ enableDebugCommand: 'yes', replDisklessSyncDelay: 0 });
  const r1 = await startTredis({ enableDebugCommand: 'yes', replicaof: `127.0.0.1 ${m.port}`, replDisklessSyncDelay: 0 });
  const M = await tredisNode(m);
  const R1 = await tredisNode(r1);
  const r2 = await startTredis({ enableDebugCommand: 'yes', replicaof: `127.0.0.1 ${r1.port}` });
  const R2 = await tredisNode(r2);
  try {
    await waitInSync(M, R1);
    await waitInSync(R1, R2);
    assert.equal((await R1.c.call('SET', 'x', '1') as ReplyError).message, "READONLY You can't write against a read only replica.");
    await configSet(R1, 'replica-read-only', 'no');
    assert.equal(await R1.c.call('SET', 'local', '1'), 'OK');
    assert.equal(await R1.c.call('GET', 'local'), '1');
    await ok(M.c, 'SET', 'fromMaster', 'yes');
    await waitInSync(M, R1);
    await waitInSync(R1, R2);
    assert.equal(await R2.c.call('GET', 'fromMaster'), 'yes');
    assert.equal(await R2.c.call('GET', 'local'), null, 'local writes on a replica are not propagated');
  } finally {
    M.c.close();
    R1.c.close();
    R2.c.close();
    await r2.close();
    await r1.close();
    await m.close();
  }
});

test('partial resync after the master link drops (CLIENT KILL TYPE master)', async () => {
  const p = await pair();
  try {
    await ok(p.M.c, 'SET', 'a', '1');
    await waitInSync(p.M, p.R);
    await killMasterLink(p.R);
    await ok(p.M.c, 'SET', 'b', '2');
    await waitLog(p.rlog, 'Successful partial resynchronization with master.');
    await waitInSync(p.M, p.R);
    assert.equal(await p.R.c.call('GET', 'b'), '2');
    assert.ok(logged(p.rlog, 'Connection with master lost.'));
    assert.ok(logged(p.rlog, 'Caching the disconnected master state.'));
    assert.ok(logged(p.rlog, `Reconnecting to MASTER 127.0.0.1:${p.m.port}`));
    assert.ok(logged(p.rlog, /Trying a partial resynchronization \(request [0-9a-f]{40}:\d+\)\./));
    assert.ok(logged(p.mlog, /Partial resynchronization request from 127\.0\.0\.1:\d+ accepted\. Sending \d+ bytes of backlog starting from offset \d+\./));
    const st = await info(p.M, 'stats');
    assert.equal(st.get('sync_full'), '1');
    assert.equal(st.get('sync_partial_ok'), '1');
    assert.equal(await digest(p.R), await digest(p.M));
  } finally {
    await p.close();
  }
});

test('SLAVEOF NO ONE: replid2 keeps the old history, writes are accepted', async () => {
  const p = await pair();
  try {
    await ok(p.M.c, 'SET', 'a', '1');
    await waitInSync(p.M, p.R);
    const before = await info(p.R);
    assert.equal(await p.R.c.call('SLAVEOF', 'NO', 'ONE'), 'OK');
    const after = await info(p.R);
    assert.equal(after.get('role'), 'master');
    assert.equal(after.get('master_replid2'), before.get('master_replid'));
    assert.notEqual(after.get('master_replid'), before.get('master_replid'));
    assert.equal(after.get('second_repl_offset'), String(Number(after.get('master_repl_offset')) + 1));
    assert.ok(Number(after.get('master_repl_offset')) >= Number(before.get('master_repl_offset')));
    assert.deepEqual(await p.R.c.call('ROLE'), ['master', Number(after.get('master_repl_offset')), []]);
    assert.equal(await p.R.c.call('SET', 'w', '1'), 'OK');
    await waitLog(p.rlog, /MASTER MODE enabled \(user request from 'id=\d+ addr=/);
    assert.ok(logged(p.rlog, /Setting secondary replication ID to [0-9a-f]{40}, valid up to offset: \d+\. New replication ID is [0-9a-f]{40}/));
    // and back: REPLICAOF the same master again partially resyncs through replid2
    assert.equal(await p.R.c.call('REPLICAOF', '127.0.0.1', p.m.port), 'OK');
    assert.equal(await p.R.c.call('REPLICAOF', '127.0.0.1', p.m.port), 'OK Already connected to specified master');
    await waitInSync(p.M, p.R);
    assert.equal(await p.R.c.call('GET', 'w'), null, 'the full resync dropped the local write');
  } finally {
    await p.close();
  }
});

test('replica-serve-stale-data no: MASTERDOWN while the link is down; ROLE says connect', async () => {
  const dead = await freePort();
  const r = await startTredis({ enableDebugCommand: 'yes', replicaof: `127.0.0.1 ${dead}`, replicaServeStaleData: 'no' });
  const R = await tredisNode(r);
  const rlog = captureLog(r.server);
  try {
    await waitLog(rlog, 'Error condition on socket for SYNC: Connection refused');
    const e = (await R.c.call('GET', 'x')) as ReplyError;
    assert.equal(e.message, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
    const role = (await R.c.call('ROLE')) as unknown[];
    assert.equal(role[0], 'slave');
    assert.ok(['connect', 'connecting'].includes(role[3] as string));
    assert.equal(role[4], -1);
    const ri = await info(R);
    assert.equal(ri.get('master_link_status'), 'down');
    assert.equal(ri.get('master_link_down_since_seconds'), '-1');
    assert.equal(ri.get('slave_repl_offset'), '1');
    await configSet(R, 'replica-serve-stale-data', 'yes');
    assert.equal(await R.c.call('GET', 'x'), null);
    // it keeps retrying about once a second
    await waitFor(() => rlog.filter((l) => l.includes(`Connecting to MASTER 127.0.0.1:${dead}`)).length >= 2, 5000, 'retries');
  } finally {
    R.c.close();
    await r.close();
  }
});

test('expired keys: the replica hides them but waits for the master DEL', async () => {
  // both servers read one clock that the test moves past the TTL: the key is alive until then however slow the sync
  let skew = 0;
  const clock = () => Date.now() + skew;
  const p = await pair({ clock }, { clock });
  try {
    p.m.server.cron.activeExpireEnabled = false;
    await ok(p.M.c, 'SET', 'e', 'v', 'PX', 20000);
    await waitInSync(p.M, p.R);
    assert.equal(await p.R.c.call('GET', 'e'), 'v');
    skew += 20100; // less than repl-timeout (60 s): the link stays up
    assert.equal(await p.R.c.call('GET', 'e'), null, 'reported missing');
    assert.ok(p.r.server.dbs[0].peek('e') !== undefined, 'but not deleted by the replica');
    assert.equal(await p.M.c.call('GET', 'e'), null); // the master expires it and propagates DEL
    await waitFor(() => p.r.server.dbs[0].peek('e') === undefined, 5000, 'DEL from the master');
  } finally {
    await p.close();
  }
});

test('WAIT counts replicas that acknowledged; min-replicas-to-write refuses writes', async () => {
  const p = await pair();
  try {
    await ok(p.M.c, 'SET', 'a', '1');
    await waitInSync(p.M, p.R);
    await ok(p.M.c, 'SET', 'b', '2');
    assert.equal(await p.M.c.call('WAIT', 1, 2000), 1);
    const t0 = Date.now();
    assert.equal(await p.M.c.call('WAIT', 2, 300), 1);
    assert.ok(Date.now() - t0 >= 250, 'WAIT blocked until its timeout');
    assert.equal((await p.R.c.call('WAIT', 1, 0) as ReplyError).message.startsWith('ERR WAIT cannot be used with replica instances.'), true);

    await configSet(p.M, 'min-replicas-to-write', '2');
    assert.equal((await p.M.c.call('SET', 'c', '3') as ReplyError).message, 'NOREPLICAS Not enough good replicas to write.');
    assert.equal(await infoField(p.M, 'min_slaves_good_slaves'), '1');
    await configSet(p.M, 'min-replicas-to-write', '1');
    assert.equal(await p.M.c.call('SET', 'c', '3'), 'OK');
    await p.r.close();
    await waitFor(async () => (await infoField(p.M, 'connected_slaves')) === '0', 5000, 'replica gone');
    assert.equal((await p.M.c.call('SET', 'd', '4') as ReplyError).message, 'NOREPLICAS Not enough good replicas to write.');
  } finally {
    await p.close();
  }
});

test('masterauth: a wrong password is logged and retried, nothing is loaded; fixing it syncs', async () => {
  const p = await pair({ requirepass: 'secret' }, { masterauth: 'wrong' });
  try {
    await ok(p.M.c, 'AUTH', 'secret');
    await ok(p.M.c, 'SET', 'k', 'v');
    await waitFor(
      () => p.rlog.filter((l) => l.includes('Unable to AUTH to MASTER: -WRONGPASS invalid username-password pair or user is disabled.')).length >= 2,
      6000,
      'two failed AUTH attempts',
    );
    assert.equal(await p.R.c.call('DBSIZE').then((r) => (r instanceof ReplyError ? p.r.server.dbs[0].size : r)), 0);
    assert.equal(await infoField(p.R, 'master_link_status'), 'down');
    await configSet(p.R, 'masterauth', 'secret');
    await waitInSync(p.M, p.R);
    assert.equal(await p.R.c.call('GET', 'k'), 'v');
  } finally {
    await p.close();
  }
});

test('disk-based sync, diskless load (swapdb and on-empty-db), several replicas share one snapshot', async () => {
  const m = await startTredis({ enableDebugCommand: 'yes', replDisklessSync: 'no', replDisklessSyncDelay: 0 });
  const M = await tredisNode(m);
  const mlog = captureLog(m.server);
  await writeEveryType(M.c);
  const r1 = await startTredis({ enableDebugCommand: 'yes', replicaof: `127.0.0.1 ${m.port}`, replDisklessLoad: 'swapdb' });
  const r2 = await startTredis({ enableDebugCommand: 'yes', replicaof: `127.0.0.1 ${m.port}`, replDisklessLoad: 'on-empty-db' });
  const R1 = await tredisNode(r1);
  const R2 = await tredisNode(r2);
  const r1log = captureLog(r1.server);
  try {
    await waitInSync(M, R1);
    await waitInSync(M, R2);
    const d = await digest(M);
    assert.equal(await digest(R1), d);
    assert.equal(await digest(R2), d);
    assert.ok(logged(mlog, 'Starting BGSAVE for SYNC with target: disk'));
    assert.ok(logged(mlog, 'Background saving terminated with success'));
    await waitLog(r1log, 'MASTER <-> REPLICA sync: Finished with success');
    // dropped links resync partially: no new snapshot
    await liveWrites(M.c);
    const count = (): number => mlog.filter((l) => l.includes('Starting BGSAVE for SYNC')).length;
    const before = count();
    for (const c of m.server.clients.values()) if (c.isReplica) c.kill();
    await waitInSync(M, R1);
    await waitInSync(M, R2);
    assert.equal(count(), before);
    assert.equal(await digest(R1), await digest(M));
    // with diskless sync and a delay, two replicas needing a full sync share one snapshot
    await configSet(M, 'repl-diskless-sync', 'yes');
    await configSet(M, 'repl-diskless-sync-delay', '1');
    for (const R of [R1, R2]) {
      await ok(R.c, 'REPLICAOF', 'NO', 'ONE');
      await ok(R.c, 'REPLICAOF', '127.0.0.1', m.port);
    }
    await waitLog(mlog, 'Delay next BGSAVE for diskless SYNC');
    await waitInSync(M, R1);
    await waitInSync(M, R2);
    assert.equal(count(), before + 1);
    assert.equal(await digest(R1), await digest(M));
    assert.equal(await digest(R2), await digest(M));
  } finally {
    M.c.close();
    R1.c.close();
    R2.c.close();
    await r1.close();
    await r2.close();
    await m.close();
  }
});

test('writes under load during a full sync are not lost', async () => {
  const m = await startTredis({ enableDebugCommand: 'yes', replDisklessSyncDelay: 0 });
  const M = await tredisNode(m);
  const big: string[] = [];
  for (let i = 0; i < 20000; i++) big.push(`k${i}`, 'v'.repeat(100));
  await ok(M.c, 'MSET', ...big);
  const r = await startTredis({ enableDebugCommand: 'yes', replicaof: `127.0.0.1 ${m.port}` });
  const R = await tredisNode(r);
  try {
    // keep writing (overwrites of snapshot keys, deletes, new keys) while the snapshot streams
    let stop = false;
    let n = 0;
    const writer = (async () => {
      while (!stop) {
        const batch: Array<Promise<unknown>> = [];
        for (let j = 0; j < 50; j++, n++) {
          batch.push(M.c.call('SET', `k${(n * 7919) % 20000}`, `w${n}`));
          batch.push(M.c.call('DEL', `k${(n * 104729) % 20000}`));
          batch.push(M.c.call('INCR', 'counter'));
        }
        await Promise.all(batch);
      }
    })();
    await waitFor(async () => (await infoField(R, 'master_link_status')) === 'up', 20000, 'sync done');
    await sleep(100);
    stop = true;
    await writer;
    await waitInSync(M, R);
    assert.equal(await digest(R), await digest(M));
    assert.ok(n > 0);
  } finally {
    M.c.close();
    R.c.close();
    await r.close();
    await m.close();
  }
});

test('clients get -LOADING while a replica loads the RDB (disk and diskless load)', async () => {
  const m = await startTredis({ enableDebugCommand: 'yes', replDisklessSyncDelay: 0 });
  const M = await tredisNode(m);
  for (let i = 0; i < 150000; i++) m.server.dbs[0].set(`key:${i}`, `value-${i}-${'x'.repeat(60)}`);
  try {
    for (const load of ['disabled', 'on-empty-db']) {
      const r = await startTredis({ enableDebugCommand: 'yes', replicaof: `127.0.0.1 ${m.port}`, replDisklessLoad: load });
      const R = await tredisNode(r);
      try {
        let loading = 0;
        let inSync = false;
        while (!inSync) {
          const g = await R.c.call('GET', 'key:1');
          if (g instanceof ReplyError) {
            assert.equal(g.message, 'LOADING Redis is loading the dataset in memory');
            loading++;
          }
          inSync = (await infoField(R, 'master_link_status')) === 'up';
        }
        assert.ok(loading > 0, `saw -LOADING while loading (${load})`);
        assert.equal(await R.c.call('DBSIZE'), 150000);
        assert.equal(await infoField(R, 'loading', 'persistence'), '0');
      } finally {
        R.c.close();
        await r.close();
      }
    }
  } finally {
    M.c.close();
    await m.close();
  }
});
