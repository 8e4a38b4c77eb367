/**
 * Cancelling a replica's sync attempt, against a scripted fake master: the
 * repl-timeout of the cron cancels a stalled handshake and the replica
 * reconnects at once; REPLICAOF NO ONE in the middle of a disk transfer
 * closes the connection, removes the temp file and stops reconnecting; a
 * connection lost during the transfer is logged and retried at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { startTredis, waitFor } from '../helpers/servers';
import { type Node, tredisNode, info, captureLog, logged, waitLog, ok, sleep, fakeMaster, handshakeThen } from './replication-helpers';

const MARK = 'b'.repeat(40);

const tempFiles = (dir: string): string[] => fs.readdirSync(dir).filter((f) => /^temp-\d+\.\d+\.rdb$/.test(f));

test('repl-timeout cancels a stalled handshake: the replica reconnects at once; REPLICAOF NO ONE stops it', async () => {
  const fm = await fakeMaster(() => {}); // accepts and never answers PING
  const r = await startTredis({ replicaof: `127.0.0.1 ${fm.port}`, replTimeout: 1 });
  const rlog = captureLog(r.server);
  const R: Node = await tredisNode(r);
  try {
    await waitLog(rlog, 'Timeout connecting to the MASTER...', 8000);
    await waitLog(rlog, `Reconnecting to MASTER 127.0.0.1:${fm.port} after failure`);
    await waitFor(() => fm.connections() >= 2, 5000, 'a second connection');
    const timeout = rlog.findIndex((l) => l.includes('Timeout connecting to the MASTER...'));
    assert.match(rlog[timeout + 1].trimEnd(), / Reconnecting to MASTER 127\.0\.0\.1:\d+ after failure$/);
    assert.deepEqual(((await R.c.call('ROLE')) as unknown[]).slice(3, 4), ['handshake']);
    await ok(R.c, 'REPLICAOF', 'NO', 'ONE');
    await waitFor(() => fm.openSockets() === 0, 5000, 'the connection closed');
    const conns = fm.connections();
    await sleep(1500);
    assert.equal(fm.connections(), conns, 'no reconnection after REPLICAOF NO ONE');
    assert.equal((await info(R)).get('role'), 'master');
  } finally {
    R.c.close();
    await r.close();
    await fm.close();
  }
});

test('REPLICAOF NO ONE during a disk transfer: connection closed, temp file removed, nothing loaded', async () => {
  const fm = await fakeMaster(handshakeThen((sock) => sock.write(`+FULLRESYNC ${'a'.repeat(40)} 0\r\n$EOF:${MARK}\r\nREDIS0010`)));
  const r = await startTredis({ replicaof: `127.0.0.1 ${fm.port}` });
  const rlog = captureLog(r.server);
  const R: Node = await tredisNode(r);
  try {
    await waitFor(async () => (await info(R)).get('master_sync_in_progress') === '1', 8000, 'the transfer in progress');
    await waitFor(() => tempFiles(r.server.dataDir).length === 1, 5000, 'the temp file');
    await ok(R.c, 'REPLICAOF', 'NO', 'ONE');
    await waitFor(() => fm.openSockets() === 0, 5000, 'the connection closed');
    await waitFor(() => tempFiles(r.server.dataDir).length === 0, 5000, 'the temp file removed');
    const i = await info(R);
    assert.equal(i.get('role'), 'master');
    assert.equal((await info(R, 'persistence')).get('loading'), '0');
    assert.ok(!logged(rlog, 'MASTER <-> REPLICA sync: Flushing old data'), 'nothing was flushed or loaded');
    assert.ok(!logged(rlog, /I\/O error|Timeout|Failed trying|Reconnecting/), 'a cancel logs no failure and does not retry');
    const conns = fm.connections();
    await sleep(1500);
    assert.equal(fm.connections(), conns, 'no reconnection after REPLICAOF NO ONE');
  } finally {
    R.c.close();
    await r.close();
    await fm.close();
  }
});

test('the master drops the connection during the transfer: logged in Redis words, retried at once', async () => {
  const fm = await fakeMaster(
    handshakeThen((sock, conn) => {
      if (conn > 1) return; // later attempts wait for the PSYNC reply
      sock.write(`+FULLRESYNC ${'a'.repeat(40)} 0\r\n$1000\r\nREDIS0010`);
      setTimeout(() => sock.destroy(), 50);
    }),
  );
  const r = await startTredis({ replicaof: `127.0.0.1 ${fm.port}` });
  const rlog = captureLog(r.server);
  const R: Node = await tredisNode(r);
  try {
    await waitLog(rlog, 'I/O error trying to sync with MASTER: connection lost', 8000);
    await waitLog(rlog, `Reconnecting to MASTER 127.0.0.1:${fm.port} after failure`);
    await waitFor(() => fm.connections() >= 2, 5000, 'a second connection');
    await waitFor(() => tempFiles(r.server.dataDir).length === 0, 5000, 'the first temp file removed');
    assert.equal((await info(R)).get('master_link_status'), 'down');
  } finally {
    R.c.close();
    await r.close();
    await fm.close();
  }
});

test('the master closes the connection right after the payload (a master turned replica drops its replicas): the link is seen down and retried', async () => {
  // an empty RDB: magic, EOF opcode, a zero checksum (not checked)
  const rdb = Buffer.concat([Buffer.from('REDIS0010', 'latin1'), Buffer.from([0xff]), Buffer.alloc(8)]);
  const fm = await fakeMaster(
    handshakeThen((sock, conn) => {
      if (conn > 1) return; // later attempts wait for the PSYNC reply
      // the whole payload and the close in one go: the close is seen while the payload loads
      sock.write(Buffer.concat([Buffer.from(`+FULLRESYNC ${'a'.repeat(40)} 0\r\n$${rdb.length}\r\n`, 'latin1'), rdb]));
      sock.destroy();
    }),
  );
  const r = await startTredis({ replicaof: `127.0.0.1 ${fm.port}` });
  const rlog = captureLog(r.server);
  const R: Node = await tredisNode(r);
  try {
    await waitLog(rlog, 'MASTER <-> REPLICA sync: Finished with success', 8000);
    await waitLog(rlog, 'Connection with master lost.', 5000);
    await waitFor(() => fm.connections() >= 2, 5000, 'a new connection to the master');
    assert.equal((await info(R)).get('master_link_status'), 'down');
  } finally {
    R.c.close();
    await r.close();
    await fm.close();
  }
});
