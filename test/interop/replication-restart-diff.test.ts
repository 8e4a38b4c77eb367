/**
 * A master restarted from its RDB, the same scenario run with redis-server
 * 7.0 and with tredis as the master (both replicas: one redis-server, one
 * tredis), the INFO replication fields compared:
 * - keys that expired while the master was down: the load propagates their
 *   DELs into the backlog (rdbLoad with RDBFLAGS_FEED_REPL), the replicas
 *   resync partially and end digest-equal; when those DELs overflow the
 *   backlog the next sync is full;
 * - a master with replicas attached and no writes stays at offset 0 and a
 *   restart resyncs them partially from offset 0 (`second_repl_offset:1`).
 * The master runs with active expiry off (DEBUG SET-ACTIVE-EXPIRE 0) and
 * nothing reads the expiring keys, so however slow the machine, none of
 * them expires before the shutdown: they all expire while it is down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, startTredisProcess, redisAvailable, SKIP_NO_REDIS, waitFor, tempDir, freePort, type ChildServer } from '../helpers/servers';
import { type Node, childNode, info, waitInSync, digest, ok, sleep } from '../integration/replication-helpers';

const skip = redisAvailable() ? false : SKIP_NO_REDIS;

type Kind = 'redis' | 'tredis';

/** The master's fixed options: no PING from the cron (it would move the offsets), no save points. */
const MASTER_ARGS = ['--repl-diskless-sync-delay', '0', '--repl-ping-replica-period', '3600', '--shutdown-timeout', '3'];

interface World {
  procs: ChildServer[];
  nodes: Node[];
}

async function withWorld(fn: (w: World) => Promise<void>): Promise<void> {
  const w: World = { procs: [], nodes: [] };
  try {
    await fn(w);
  } finally {
    for (const n of w.nodes) n.c.close();
    for (const p of w.procs) await p.stop();
  }
}

async function start(w: World, kind: Kind, args: string[], opts: { port?: number; dir?: string } = {}): Promise<{ p: ChildServer; n: Node }> {
  const p = kind === 'redis' ? await startRedis(args, opts) : await startTredisProcess(args, opts);
  w.procs.push(p);
  const n = await childNode(p.port);
  w.nodes.push(n);
  return { p, n };
}

/** SHUTDOWN SAVE and wait for the process to exit. */
async function shutdownSave(p: ChildServer, n: Node): Promise<void> {
  await n.c.call('SHUTDOWN', 'SAVE').catch(() => undefined);
  n.c.close();
  await waitFor(() => p.proc.exitCode !== null || p.proc.signalCode !== null, 15000, 'master exit');
}

const FIELDS = ['master_repl_offset', 'second_repl_offset', 'repl_backlog_first_byte_offset', 'repl_backlog_histlen'];

interface Outcome {
  before: Record<string, string>;
  restarted: Record<string, string>;
  synced: Record<string, string>;
  stats: { full: string; partial: string };
  digestsEqual: boolean;
  replid2IsOld: boolean;
}

function pick(m: Map<string, string>): Record<string, string> {
  const o: Record<string, string> = {};
  for (const f of FIELDS) o[f] = m.get(f) ?? '?';
  return o;
}

/**
 * The scenario: a master of `kind` with a redis-server and a tredis replica;
 * `write` runs on the master before it is shut down (SHUTDOWN SAVE) and
 * returns the clock time (ms) its TTLs end; once the clock passed it, the
 * master restarts from its dump; the replicas resync.
 */
async function restartScenario(kind: Kind, write: (c: Node) => Promise<number>, backlog = '1mb'): Promise<Outcome> {
  let out: Outcome | null = null;
  await withWorld(async (w) => {
    const port = await freePort();
    const dir = tempDir(`restart-${kind}-`);
    const args = [...MASTER_ARGS, '--repl-backlog-size', backlog];
    const M = await start(w, kind, args, { port, dir });
    const R1 = await start(w, 'redis', ['--replicaof', '127.0.0.1', String(port)]);
    const R2 = await start(w, 'tredis', ['--replicaof', '127.0.0.1', String(port)]);
    await waitInSync(M.n, R1.n);
    await waitInSync(M.n, R2.n);
    // the keys must not expire while the master is up, however long the writes and syncs take under load
    await ok(M.n.c, 'DEBUG', 'SET-ACTIVE-EXPIRE', 0);
    const expiredAt = await write(M.n);
    await waitInSync(M.n, R1.n);
    await waitInSync(M.n, R2.n);
    const before = await info(M.n);
    await shutdownSave(M.p, M.n);
    // down until every TTL has passed (the clock, not a fixed sleep: the shutdown may itself have taken that long)
    await sleep(Math.max(0, expiredAt + 20 - Date.now()));
    const M2 = await start(w, kind, args, { port, dir });
    const restarted = await info(M2.n);
    await waitInSync(M2.n, R1.n, 20000);
    await waitInSync(M2.n, R2.n, 20000);
    const synced = await info(M2.n);
    const st = await info(M2.n, 'stats');
    const d = await digest(M2.n);
    out = {
      before: pick(before),
      restarted: pick(restarted),
      synced: pick(synced),
      stats: { full: st.get('sync_full') ?? '?', partial: st.get('sync_partial_ok') ?? '?' },
      digestsEqual: (await digest(R1.n)) === d && (await digest(R2.n)) === d,
      replid2IsOld: restarted.get('master_replid2') === before.get('master_replid'),
    };
  });
  return out as unknown as Outcome;
}

/** Keys with a TTL that passes while the master is down, plus keys that stay, in two dbs; returns when the TTLs end. */
function expiringWrites(n: number): (m: Node) => Promise<number> {
  return async (m) => {
    // 1.5 s ahead: the SETs (one EVAL) run well before it, so every key is written alive
    const at = Date.now() + 1500;
    await ok(m.c, 'EVAL', "for i = 1, tonumber(ARGV[1]) do redis.call('SET', 'gone:' .. i, 'v', 'PXAT', ARGV[2]) end", 0, n, at);
    await ok(m.c, 'SET', 'stays', '1');
    await ok(m.c, 'SELECT', 5);
    await ok(m.c, 'SET', 'gone:db5', 'v', 'PXAT', at);
    await ok(m.c, 'SET', 'stays:db5', 'v', 'PXAT', at + 3600_000);
    await ok(m.c, 'SELECT', 0);
    return at;
  };
}

test('keys that expired while the master was down: their DELs reach the replicas by a partial resync (same offsets as redis-server)', { skip }, async () => {
  const results: Record<Kind, Outcome> = {} as Record<Kind, Outcome>;
  for (const kind of ['redis', 'tredis'] as const) results[kind] = await restartScenario(kind, expiringWrites(20));
  for (const kind of ['redis', 'tredis'] as const) {
    const r = results[kind];
    assert.equal(r.digestsEqual, true, `${kind}: replicas digest-equal with the restarted master`);
    assert.deepEqual(r.stats, { full: '0', partial: '2' }, `${kind}: both replicas resynced partially`);
    assert.equal(r.replid2IsOld, true);
  }
  // the DELs (and their SELECTs) advance the offset by the same bytes as on redis-server
  const grow = (r: Outcome): number => Number(r.restarted.master_repl_offset) - Number(r.before.master_repl_offset);
  assert.ok(grow(results.redis) > 20 * 20, `redis-server fed DELs at load (${grow(results.redis)} bytes)`);
  assert.equal(grow(results.tredis), grow(results.redis));
  assert.deepEqual(results.tredis.restarted, relative(results.tredis, results.redis));
});

test('DELs of expired keys that overflow the backlog at load: the next sync is full, replicas digest-equal', { skip }, async () => {
  const offsets: string[] = [];
  for (const kind of ['redis', 'tredis'] as const) {
    const r = await restartScenario(kind, expiringWrites(5000), '16kb');
    assert.equal(r.digestsEqual, true, `${kind}: digests`);
    assert.deepEqual(r.stats, { full: '2', partial: '0' }, `${kind}: both replicas needed a full sync`);
    assert.ok(Number(r.restarted.repl_backlog_first_byte_offset) > Number(r.restarted.second_repl_offset), `${kind}: the saved offset left the backlog`);
    offsets.push(`${r.before.master_repl_offset} -> ${r.restarted.master_repl_offset}`);
  }
  assert.equal(offsets[1], offsets[0], 'the same stream bytes as redis-server');
});

test('no write before the restart: offset 0 stays 0, the restart resyncs partially from offset 0 (second_repl_offset 1), as redis-server', { skip }, async () => {
  const results: Record<Kind, Outcome> = {} as Record<Kind, Outcome>;
  for (const kind of ['redis', 'tredis'] as const) results[kind] = await restartScenario(kind, async () => 0);
  assert.deepEqual(results.redis.before, { master_repl_offset: '0', second_repl_offset: '-1', repl_backlog_first_byte_offset: '1', repl_backlog_histlen: '0' });
  assert.deepEqual(results.redis.restarted, { master_repl_offset: '0', second_repl_offset: '1', repl_backlog_first_byte_offset: '1', repl_backlog_histlen: '0' });
  for (const kind of ['redis', 'tredis'] as const) {
    const r = results[kind];
    assert.deepEqual(r.before, results.redis.before, `${kind}: before the restart`);
    assert.deepEqual(r.restarted, results.redis.restarted, `${kind}: after the restart`);
    assert.deepEqual(r.synced, results.redis.synced, `${kind}: after the resync`);
    assert.deepEqual(r.stats, { full: '0', partial: '2' }, `${kind}: partial resyncs`);
    assert.equal(r.digestsEqual, true);
    assert.equal(r.replid2IsOld, true);
  }
});

/** tredis's fields after the restart, expected to be redis-server's shifted by the difference of the saved offsets. */
function relative(t: Outcome, r: Outcome): Record<string, string> {
  const d = Number(t.before.master_repl_offset) - Number(r.before.master_repl_offset);
  const o: Record<string, string> = {};
  for (const f of FIELDS) o[f] = f === 'repl_backlog_histlen' ? r.restarted[f] : String(Number(r.restarted[f]) + d);
  return o;
}
