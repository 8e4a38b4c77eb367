/**
 * Replication with ACL users against the real redis-server 7.0: a tredis
 * replica authenticating with masteruser/masterauth to a Redis master whose
 * default user is locked, a Redis replica doing the same to a tredis master,
 * and a chain redis -> tredis -> redis where every hop needs a replication
 * user, while an application user limited to its keys writes on the master.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTredis, startRedis, redisAvailable, SKIP_NO_REDIS, waitFor, type ChildServer } from '../helpers/servers';
import type { TredisServer } from '../../src/index';
import { type Node, tredisNode, childNode, waitInSync, digest, captureLog, waitLog, ok } from '../integration/replication-helpers';

const skip = redisAvailable() ? false : SKIP_NO_REDIS;

/** The rules of each server: an admin, a replication user, an application user; the default user is off. */
const USERS: string[][] = [
  ['admin', 'on', '>adminpw', '~*', '&*', '+@all'],
  ['repl', 'on', '>replpw', '-@all', '+psync', '+replconf', '+ping'],
  ['app', 'on', '>apppw', '~app:*', '-@all', '+@write', '+@read', '-@dangerous'],
];

async function secure(n: Node): Promise<void> {
  for (const u of USERS) await ok(n.c, 'ACL', 'SETUSER', ...u);
  await ok(n.c, 'ACL', 'SETUSER', 'default', 'off');
  await ok(n.c, 'AUTH', 'admin', 'adminpw');
}

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

async function appWrites(port: number, prefix: string): Promise<void> {
  const app = await childNode(port);
  try {
    await ok(app.c, 'AUTH', 'app', 'apppw');
    for (let i = 0; i < 50; i++) await ok(app.c, 'SET', `app:${prefix}:${i}`, String(i));
    await ok(app.c, 'HSET', `app:${prefix}:h`, 'f', 'v');
    const denied = await app.c.call('SET', 'other', 'x');
    assert.match(String((denied as { message?: string }).message), /^NOPERM/);
  } finally {
    app.c.close();
  }
}

test('tredis replica authenticates with masteruser to a redis-server master', { skip }, async () => {
  await withServers(async (tr) => {
    const m = await startRedis(['--repl-diskless-sync-delay', '0']);
    tr.r.push(m);
    const M = await childNode(m.port);
    tr.n.push(M);
    await secure(M);
    await appWrites(m.port, 'before');
    const r = await startTredis({});
    tr.t.push(r);
    const rlog = captureLog(r.server);
    const R = await tredisNode(r);
    tr.n.push(R);
    // a wrong password first: logged in Redis's words and retried
    await ok(R.c, 'CONFIG', 'SET', 'masteruser', 'repl');
    await ok(R.c, 'CONFIG', 'SET', 'masterauth', 'wrong');
    await ok(R.c, 'REPLICAOF', '127.0.0.1', String(m.port));
    await waitLog(rlog, /Unable to AUTH to MASTER: -WRONGPASS invalid username-password pair or user is disabled\./);
    await ok(R.c, 'CONFIG', 'SET', 'masterauth', 'replpw');
    await waitInSync(M, R);
    assert.equal(await digest(R), await digest(M));
    await appWrites(m.port, 'after');
    await waitInSync(M, R);
    assert.equal(await digest(R), await digest(M));
    assert.equal(await R.c.call('GET', 'app:after:49'), '49');
    // the master sees the link as the repl user
    const list = String(await M.c.call('CLIENT', 'LIST', 'TYPE', 'replica'));
    assert.match(list, / user=repl /);
  });
});

test('redis-server replica authenticates with masteruser to a tredis master; chain redis -> tredis -> redis', { skip }, async () => {
  await withServers(async (tr) => {
    // tredis master, redis replica
    const m = await startTredis({ replDisklessSyncDelay: 0 });
    tr.t.push(m);
    const M = await tredisNode(m);
    tr.n.push(M);
    await secure(M);
    await appWrites(m.port, 'one');
    const r = await startRedis(['--replicaof', '127.0.0.1', String(m.port), '--masteruser', 'repl', '--masterauth', 'replpw']);
    tr.r.push(r);
    const R = await childNode(r.port);
    tr.n.push(R);
    await waitInSync(M, R);
    assert.equal(await digest(R), await digest(M));
    await appWrites(m.port, 'two');
    await waitInSync(M, R);
    assert.equal(await digest(R), await digest(M));
    const list = String(await M.c.call('CLIENT', 'LIST', 'TYPE', 'replica'));
    assert.match(list, / user=repl /);
    // a replication user without PSYNC gets NOPERM: the Redis replica logs it and keeps retrying
    await ok(M.c, 'ACL', 'SETUSER', 'repl', '-psync');
    await ok(M.c, 'CLIENT', 'KILL', 'TYPE', 'replica');
    await waitFor(() => /NOPERM this user has no permissions to run the 'psync' command/.test(r.log()), 10000, 'replica logs NOPERM');
    await ok(M.c, 'ACL', 'SETUSER', 'repl', '+psync');
    await waitInSync(M, R);

    // chain: redis master -> tredis middle -> redis leaf, a replication user on every hop
    const top = await startRedis(['--repl-diskless-sync-delay', '0']);
    tr.r.push(top);
    const T = await childNode(top.port);
    tr.n.push(T);
    await secure(T);
    const mid = await startTredis({ replDisklessSyncDelay: 0 });
    tr.t.push(mid);
    const I = await tredisNode(mid);
    tr.n.push(I);
    await secure(I);
    await ok(I.c, 'CONFIG', 'SET', 'masteruser', 'repl');
    await ok(I.c, 'CONFIG', 'SET', 'masterauth', 'replpw');
    await ok(I.c, 'REPLICAOF', '127.0.0.1', String(top.port));
    const leaf = await startRedis(['--replicaof', '127.0.0.1', String(mid.port), '--masteruser', 'repl', '--masterauth', 'replpw']);
    tr.r.push(leaf);
    const L = await childNode(leaf.port);
    tr.n.push(L);
    await appWrites(top.port, 'chain');
    await waitInSync(T, I);
    await waitInSync(I, L);
    const d = await digest(T);
    assert.equal(await digest(I), d);
    assert.equal(await digest(L), d);
    assert.equal(await L.c.call('GET', 'app:chain:7'), '7');
  });
});
