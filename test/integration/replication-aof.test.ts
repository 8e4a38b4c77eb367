/**
 * A replica with appendonly yes: its AOF stops while a full sync replaces the
 * data and restarts afterwards with a new base, so a restart of the replica
 * from its AOF holds the master's data, not its own old data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTredis, tempDir, waitFor } from '../helpers/servers';
import { tredisNode, waitInSync, digest, infoField, ok } from './replication-helpers';

test('a replica with AOF on rewrites its AOF after a full sync; a restart from it has the master data', async () => {
  const m = await startTredis({ enableDebugCommand: 'yes', replDisklessSyncDelay: 0 });
  const rdir = tempDir();
  let r = await startTredis({ enableDebugCommand: 'yes', dir: rdir, appendonly: true });
  const M = await tredisNode(m);
  let R = await tredisNode(r);
  try {
    await ok(R.c, 'SET', 'replica-own-key', 'old');
    for (let i = 0; i < 50; i++) await ok(M.c, 'SET', `k${i}`, `v${i}`);
    await ok(M.c, 'RPUSH', 'list', 'a', 'b', 'c');
    await ok(R.c, 'REPLICAOF', '127.0.0.1', String(m.port));
    await waitInSync(M, R);
    await ok(M.c, 'SET', 'after-sync', 'yes');
    await waitInSync(M, R);
    await waitFor(async () => (await infoField(R, 'aof_enabled', 'persistence')) === '1' && (await infoField(R, 'aof_rewrite_in_progress', 'persistence')) === '0', 10000, 'AOF back on');
    assert.equal(await R.c.call('EXISTS', 'replica-own-key'), 0);
    const want = await digest(M);
    assert.equal(await digest(R), want);
    R.c.close();
    await r.close();
    // restart the replica alone from its AOF
    r = await startTredis({ enableDebugCommand: 'yes', dir: rdir, appendonly: true });
    R = await tredisNode(r);
    assert.equal(await digest(R), want);
    assert.equal(await R.c.call('GET', 'after-sync'), 'yes');
    assert.equal(await R.c.call('EXISTS', 'replica-own-key'), 0);
  } finally {
    M.c.close();
    R.c.close();
    await r.close();
    await m.close();
  }
});
