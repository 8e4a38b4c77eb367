/**
 * PSYNC2 and the harder paths, tredis with tredis and with redis-server 7.0:
 * promotion of a replica (the others follow it with a partial resync),
 * FAILOVER, a master and a replica restarted from their RDB resyncing
 * partially, output buffer limits for a replica that stopped reading, and
 * replication timeouts both ways.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as net from 'node:net';
import { startTredis, startRedis, startTredisProcess, redisAvailable, SKIP_NO_REDIS, waitFor, tempDir, freePort, type ChildServer } from '../helpers/servers';
import { Server } from '../../src/server/server';
import { optionsToDirectives, type TredisServer } from '../../src/index';
import { Snapshot } from '../../src/persistence/snapshot';
import {
  type Node,
  tredisNode,
  childNode,
  info,
  infoField,
  waitInSync,
  digest,
  configSet,
  captureLog,
  logged,
  waitLog,
  ok,
  sleep,
  writeEveryType,
  liveWrites,
} from '../integration/replication-helpers';

const skip = redisAvailable() ? false : SKIP_NO_REDIS;

interface Track {
  t: TredisServer[];
  r: ChildServer[];
  n: Node[];
}

async function withServers(fn: (tr: Track) => Promise<void>): Promise<void> {
  const tr: Track = { t: [], r: [], n: [] };
  try {
    await fn(tr);
  } finally {
    for (const n of tr.n) n.c.close();
    for (const r of tr.r) {
      try {
        r.proc.kill('SIGCONT');
      } catch {
        /* gone */
      }
      await r.stop();
    }
    for (const t of tr.t) await t.close();
  }
}

async function tredis(tr: Track, opts: Record<string, unknown>): Promise<{ t: TredisServer; n: Node; log: string[] }> {
  const t = await startTredis({ enableDebugCommand: 'yes', replDisklessSyncDelay: 0, ...opts });
  tr.t.push(t);
  const n = await tredisNode(t);
  tr.n.push(n);
  return { t, n, log: captureLog(t.server) };
}

async function redis(tr: Track, args: string[]): Promise<{ r: ChildServer; n: Node }> {
  const r = await startRedis(['--repl-diskless-sync-delay', '0', ...args]);
  tr.r.push(r);
  const n = await childNode(r.port);
  tr.n.push(n);
  return { r, n };
}

test('promotion: after SLAVEOF NO ONE the other replicas and the old master follow it with a partial resync', { skip }, async () => {
  await withServers(async (tr) => {
    const A = await tredis(tr, {});
    await writeEveryType(A.n.c);
    const B = await tredis(tr, { replicaof: `127.0.0.1 ${A.t.port}` });
    const C = await redis(tr, ['--replicaof', '127.0.0.1', String(A.t.port)]);
    await waitInSync(A.n, B.n);
    await waitInSync(A.n, C.n);
    await liveWrites(A.n.c);
    await waitInSync(A.n, B.n);
    await waitInSync(A.n, C.n);
    const oldId = await infoField(A.n, 'master_replid');

    await ok(B.n.c, 'SLAVEOF', 'NO', 'ONE');
    assert.equal(await infoField(B.n, 'master_replid2'), oldId);
    await ok(C.n.c, 'REPLICAOF', '127.0.0.1', B.t.port);
    await ok(A.n.c, 'REPLICAOF', '127.0.0.1', B.t.port);
    await waitInSync(B.n, C.n);
    await waitInSync(B.n, A.n);
    const st = await info(B.n, 'stats');
    assert.equal(st.get('sync_partial_ok'), '2', 'both followed with a partial resync');
    assert.equal(st.get('sync_full'), '0');
    assert.match(C.r.log(), /Master replication ID changed to [0-9a-f]{40}/);
    assert.ok(logged(A.log, 'Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.'));
    assert.ok(logged(A.log, /Master replication ID changed to [0-9a-f]{40}/));
    await ok(B.n.c, 'SET', 'fromB', '1');
    await waitInSync(B.n, C.n);
    await waitInSync(B.n, A.n);
    const d = await digest(B.n);
    assert.equal(await digest(A.n), d);
    assert.equal(await digest(C.n), d);
  });
});

test('promotion of a redis-server replica: a tredis replica follows it partially', { skip }, async () => {
  await withServers(async (tr) => {
    const A = await tredis(tr, {});
    await writeEveryType(A.n.c);
    const B = await redis(tr, ['--replicaof', '127.0.0.1', String(A.t.port)]);
    const C = await tredis(tr, { replicaof: `127.0.0.1 ${A.t.port}` });
    await waitInSync(A.n, B.n);
    await waitInSync(A.n, C.n);
    await liveWrites(A.n.c);
    await waitInSync(A.n, B.n);
    await waitInSync(A.n, C.n);
    await ok(B.n.c, 'REPLICAOF', 'NO', 'ONE');
    await ok(C.n.c, 'REPLICAOF', '127.0.0.1', B.r.port);
    await waitInSync(B.n, C.n);
    assert.equal(await infoField(B.n, 'sync_partial_ok', 'stats'), '1');
    assert.ok(logged(C.log, 'Successful partial resynchronization with master.'));
    assert.ok(logged(C.log, /Master replication ID changed to [0-9a-f]{40}/));
    await ok(B.n.c, 'SET', 'x', '1');
    await waitInSync(B.n, C.n);
    assert.equal(await digest(C.n), await digest(B.n));
  });
});

test('FAILOVER: the master hands over to its replica, both keep their history', async () => {
  await withServers(async (tr) => {
    const A = await tredis(tr, {});
    const B = await tredis(tr, {});
    await ok(B.n.c, 'REPLICAOF', '127.0.0.1', A.t.port);
    await ok(A.n.c, 'SET', 'a', '1');
    await waitInSync(A.n, B.n);
    assert.equal((await A.n.c.call('FAILOVER', 'TO', '127.0.0.1', 1) as { message: string }).message, 'ERR FAILOVER target HOST and PORT is not a replica.');
    assert.equal(await A.n.c.call('FAILOVER'), 'OK');
    assert.equal(await infoField(A.n, 'master_failover_state'), 'waiting-for-sync');
    await waitFor(async () => (await infoField(B.n, 'role')) === 'master', 10000, 'B promoted');
    await waitFor(async () => (await infoField(A.n, 'master_link_status')) === 'up', 10000, 'A follows B');
    assert.equal(await infoField(A.n, 'master_failover_state'), 'no-failover');
    assert.equal(await infoField(B.n, 'sync_partial_ok', 'stats'), '1');
    assert.ok(logged(A.log, 'FAILOVER requested to any replica.'));
    assert.ok(logged(A.log, `Failover target 127.0.0.1:${B.t.port} is synced, failing over.`));
    assert.ok(logged(B.log, /Failover request received for replid [0-9a-f]{40}\./));
    assert.ok(logged(B.log, /MASTER MODE enabled \(failover request from 'id=\d+ /));
    assert.equal(await B.n.c.call('SET', 'b', '2'), 'OK');
    await waitInSync(B.n, A.n);
    assert.equal(await A.n.c.call('GET', 'b'), '2');
    // FAILOVER ABORT when nothing is going on
    assert.equal((await B.n.c.call('FAILOVER', 'ABORT') as { message: string }).message, 'ERR No failover in progress.');
  });
});

/** Write a point-in-time RDB of a server with its replication AUX fields (what SHUTDOWN would save). */
async function saveRdb(s: Server, file: string): Promise<{ id: string; offset: number }> {
  const fh = await fs.promises.open(file, 'w');
  const repl = s.replication.saveInfo() ?? undefined;
  try {
    await new Snapshot(s, { write: (c) => fh.write(c) }, { aux: { repl } }).start();
  } finally {
    await fh.close();
  }
  return { id: repl?.id ?? '', offset: repl?.offset ?? -1 };
}

/** Start a tredis that loads `file` as its dump (the replication AUX fields restored from it, as at any start-up). */
async function startFromRdb(tr: Track, opts: Record<string, unknown>, file: string): Promise<{ t: TredisServer; n: Node; log: string[] }> {
  const server = new Server({});
  const dirs = { dir: path.dirname(file), dbfilename: path.basename(file) };
  server.config.loadDirectives(optionsToDirectives({ bind: '127.0.0.1', save: '', replDisklessSyncDelay: 0, enableDebugCommand: 'yes', ...dirs, ...opts }, server));
  const log = captureLog(server);
  await server.start();
  const t: TredisServer = {
    get port() {
      return server.port;
    },
    host: '127.0.0.1',
    dir: server.dataDir,
    server,
    close: () => server.close(),
  };
  tr.t.push(t);
  const n = await tredisNode(t);
  tr.n.push(n);
  return { t, n, log };
}

test('a master restarted from its RDB lets its replicas resync partially', { skip }, async () => {
  await withServers(async (tr) => {
    const port = await freePort();
    const A = await tredis(tr, { port });
    await writeEveryType(A.n.c);
    const B = await redis(tr, ['--replicaof', '127.0.0.1', String(port)]);
    const C = await tredis(tr, { replicaof: `127.0.0.1 ${port}` });
    await liveWrites(A.n.c);
    await waitInSync(A.n, B.n);
    await waitInSync(A.n, C.n);
    // no more PINGs from the old master: one sent after the save would put the replicas ahead of the dump's offset
    A.t.server.cron.stop();
    const file = path.join(tempDir(), 'dump.rdb');
    const saved = await saveRdb(A.t.server, file);
    A.n.c.close();
    await A.t.close();
    const A2 = await startFromRdb(tr, { port }, file);
    const after = await info(A2.n);
    assert.equal(after.get('master_replid2'), saved.id);
    assert.equal(after.get('second_repl_offset'), String(saved.offset + 1));
    assert.equal(after.get('repl_backlog_first_byte_offset'), String(saved.offset + 1));
    await waitInSync(A2.n, B.n);
    await waitInSync(A2.n, C.n);
    const st = await info(A2.n, 'stats');
    assert.equal(st.get('sync_full'), '0');
    assert.equal(st.get('sync_partial_ok'), '2');
    await ok(A2.n.c, 'SET', 'after', 'restart');
    await waitInSync(A2.n, B.n);
    await waitInSync(A2.n, C.n);
    const d = await digest(A2.n);
    assert.equal(await digest(B.n), d);
    assert.equal(await digest(C.n), d);
  });
});

test('a replica restarted from its RDB resyncs partially with its master', { skip }, async () => {
  await withServers(async (tr) => {
    const M = await redis(tr, []);
    await writeEveryType(M.n.c);
    const R = await tredis(tr, { replicaof: `127.0.0.1 ${M.r.port}` });
    await liveWrites(M.n.c);
    await waitInSync(M.n, R.n);
    const file = path.join(tempDir(), 'dump.rdb');
    await saveRdb(R.t.server, file);
    R.n.c.close();
    await R.t.close();
    await ok(M.n.c, 'SET', 'while', 'down');
    const R2 = await startFromRdb(tr, { replicaof: `127.0.0.1 ${M.r.port}` }, file);
    await waitInSync(M.n, R2.n);
    assert.ok(logged(R2.log, /Trying a partial resynchronization \(request [0-9a-f]{40}:\d+\)\./));
    assert.ok(logged(R2.log, 'Successful partial resynchronization with master.'));
    assert.equal(await R2.n.c.call('GET', 'while'), 'down');
    assert.equal(await digest(R2.n), await digest(M.n));
  });
});

test('a replica that stops reading is dropped by the output buffer limit; the master stays healthy', { skip }, async () => {
  await withServers(async (tr) => {
    const A = await tredis(tr, {});
    const B = await redis(tr, ['--replicaof', '127.0.0.1', String(A.t.port)]);
    const C = await tredis(tr, { replicaof: `127.0.0.1 ${A.t.port}` });
    await ok(A.n.c, 'SET', 'a', '1');
    await waitInSync(A.n, B.n);
    await waitInSync(A.n, C.n);
    await configSet(A.n, 'client-output-buffer-limit', 'replica 1mb 256kb 1');
    B.r.proc.kill('SIGSTOP');
    const value = 'v'.repeat(64 * 1024);
    for (let i = 0; i < 200 && !logged(A.log, 'for overcoming of output buffer limits.'); i++) {
      await ok(A.n.c, 'SET', `big${i % 10}`, value);
      if (i % 20 === 19) await sleep(50);
    }
    await waitLog(A.log, /Client id=\d+ addr=127\.0\.0\.1:\d+ .*flags=S .* scheduled to be closed ASAP for overcoming of output buffer limits\./);
    await waitLog(A.log, `Connection with replica 127.0.0.1:${B.r.port} lost.`);
    assert.equal(await A.n.c.call('PING'), 'PONG');
    await waitFor(async () => (await infoField(A.n, 'connected_slaves')) === '1', 5000, 'one replica left');
    await waitInSync(A.n, C.n);
    assert.equal(await digest(C.n), await digest(A.n));
    B.r.proc.kill('SIGCONT');
    // the stopped replica comes back and catches up
    await waitInSync(A.n, B.n, 20000);
    assert.equal(await digest(B.n), await digest(A.n));
  });
});

test('repl-timeout both ways: a silent replica is disconnected, a silent master is dropped', { skip }, async () => {
  await withServers(async (tr) => {
    const A = await tredis(tr, { replTimeout: 1 });
    const B = await redis(tr, ['--replicaof', '127.0.0.1', String(A.t.port)]);
    await waitInSync(A.n, B.n);
    B.r.proc.kill('SIGSTOP');
    await waitLog(A.log, `Disconnecting timedout replica (streaming sync): 127.0.0.1:${B.r.port}`, 8000);
    B.r.proc.kill('SIGCONT');

    const M = await redis(tr, ['--repl-ping-replica-period', '1']);
    const R = await tredis(tr, { replicaof: `127.0.0.1 ${M.r.port}`, replTimeout: 1 });
    await waitInSync(M.n, R.n);
    M.r.proc.kill('SIGSTOP');
    await waitLog(R.log, 'MASTER timeout: no data nor PING received...', 8000);
    await waitLog(R.log, 'Connection with master lost.');
    await waitLog(R.log, 'Timeout connecting to the MASTER...', 8000);
    M.r.proc.kill('SIGCONT');
    await waitInSync(M.n, R.n, 15000);
  });
});

test('a raw replica sees newline keepalives while the diskless delay runs, and PSYNC errors in Redis words', async () => {
  await withServers(async (tr) => {
    const A = await tredis(tr, { replDisklessSyncDelay: 3 });
    await ok(A.n.c, 'SET', 'a', '1');
    const sock = net.createConnection({ port: A.t.port, host: '127.0.0.1' });
    let buf = '';
    sock.on('data', (d) => (buf += d.toString('latin1')));
    await new Promise((r) => sock.once('connect', r));
    sock.write('*3\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n');
    await waitFor(() => buf === '+OK\r\n', 10000, '+OK');
    sock.write('*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n');
    // the delay is counted in whole seconds: more than 2 s pass, so at least one newline (sent every second) arrives
    await waitFor(() => /^\+OK\r\n\n+\+FULLRESYNC [0-9a-f]{40} \d+\r\n\$EOF:/.test(buf), 8000, 'newlines then +FULLRESYNC');
    assert.ok(logged(A.log, 'Delay next BGSAVE for diskless SYNC'));
    sock.destroy();
    const bad = await A.n.c.call('PSYNC', '?', 'x');
    assert.equal((bad as { message: string }).message, 'ERR value is not an integer or out of range');
    assert.ok(logged(A.log, /Replica 127\.0\.0\.1:<unknown-replica-port> asks for synchronization but with a wrong offset/));
  });
});

test('FAILOVER between tredis and redis-server, both directions', { skip }, async () => {
  await withServers(async (tr) => {
    // a tredis master hands over to a Redis replica
    const A = await tredis(tr, {});
    await writeEveryType(A.n.c);
    const B = await redis(tr, ['--replicaof', '127.0.0.1', String(A.t.port)]);
    await waitInSync(A.n, B.n);
    assert.equal(await A.n.c.call('FAILOVER', 'TO', '127.0.0.1', B.r.port, 'TIMEOUT', 5000), 'OK');
    await waitFor(async () => (await infoField(B.n, 'role')) === 'master', 10000, 'redis promoted');
    await waitFor(async () => (await infoField(A.n, 'master_link_status')) === 'up', 10000, 'tredis follows');
    assert.ok(logged(A.log, `FAILOVER requested to 127.0.0.1:${B.r.port}.`));
    assert.match(B.r.log(), /MASTER MODE enabled \(failover request from/);
    assert.equal(await infoField(B.n, 'sync_partial_ok', 'stats'), '1');
    await ok(B.n.c, 'SET', 'after', 'failover');
    await waitInSync(B.n, A.n);
    assert.equal(await digest(A.n), await digest(B.n));

    // a Redis master hands over to a tredis replica
    const C = await redis(tr, []);
    await writeEveryType(C.n.c);
    const D = await tredis(tr, { replicaof: `127.0.0.1 ${C.r.port}` });
    await waitInSync(C.n, D.n);
    assert.equal(await C.n.c.call('FAILOVER'), 'OK');
    await waitFor(async () => (await infoField(D.n, 'role')) === 'master', 10000, 'tredis promoted');
    await waitFor(async () => (await infoField(C.n, 'master_link_status')) === 'up', 10000, 'redis follows');
    assert.ok(logged(D.log, /Failover request received for replid [0-9a-f]{40}\./));
    assert.equal(await infoField(D.n, 'sync_partial_ok', 'stats'), '1');
    await ok(D.n.c, 'SET', 'after', 'failover');
    await waitInSync(D.n, C.n);
    assert.equal(await digest(C.n), await digest(D.n));
  });
});

test('SHUTDOWN waits for lagging replicas, saves repl-id/offset; the restarted binary resyncs its replicas partially', { skip }, async () => {
  await withServers(async (tr) => {
    const port = await freePort();
    const dir = tempDir();
    // C's REPLCONF ACK answering the shutdown's GETACK carries the offset before that GETACK (as in Redis 7.0),
    // so C counts as in sync only at its next once-a-second ACK: the stopped B makes the master wait the whole
    // timeout, and 3 s leave that ACK room to arrive when the machine is loaded (1 s did not)
    const args = ['--repl-diskless-sync-delay', '0', '--shutdown-timeout', '3'];
    const A = await startTredisProcess(args, { port, dir });
    tr.r.push(A);
    const AN = await childNode(port);
    await writeEveryType(AN.c);
    const B = await redis(tr, ['--replicaof', '127.0.0.1', String(port)]);
    const C = await tredis(tr, { replicaof: `127.0.0.1 ${port}` });
    await liveWrites(AN.c);
    await waitInSync(AN, B.n);
    await waitInSync(AN, C.n);
    B.r.proc.kill('SIGSTOP');
    await ok(AN.c, 'SET', 'last', 'write');
    await AN.c.call('SHUTDOWN', 'SAVE').catch(() => undefined);
    AN.c.close();
    await waitFor(() => A.proc.exitCode !== null, 10000, 'master exit');
    B.r.proc.kill('SIGCONT');
    const log = A.log();
    assert.match(log, /\* Waiting for replicas before shutting down\./);
    assert.match(log, new RegExp(`# Lagging replica 127\\.0\\.0\\.1:${B.r.port} reported offset \\d+ behind master, lag=\\d+, state=online\\.`));
    assert.match(log, /\* 1 of 2 replicas are in sync when shutting down\./);

    const A2 = await startTredisProcess(args, { port, dir });
    tr.r.push(A2);
    const A2N = await childNode(port);
    tr.n.push(A2N);
    await waitInSync(A2N, B.n);
    await waitInSync(A2N, C.n);
    const st = await info(A2N, 'stats');
    assert.equal(st.get('sync_full'), '0');
    assert.equal(st.get('sync_partial_ok'), '2');
    await ok(A2N.c, 'SET', 'after', 'restart');
    await waitInSync(A2N, B.n);
    await waitInSync(A2N, C.n);
    const d = await digest(A2N);
    assert.equal(await digest(B.n), d);
    assert.equal(await digest(C.n), d);
  });
});
