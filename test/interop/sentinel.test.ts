/**
 * The real redis-sentinel (Redis 7.0) monitoring tredis: a tredis master
 * with two tredis replicas, each a child process with its own config file
 * (Sentinel's reconfiguration ends with CONFIG REWRITE), one sentinel with
 * quorum 1.
 *
 * (a) Sentinel finds the master, discovers both replicas from the master's
 *     INFO replication slaveN lines, and its hello messages on
 *     __sentinel__:hello flow through tredis pub/sub on master and replicas.
 * (b) The master is killed: Sentinel fails over. It sends the chosen replica
 *     MULTI / SLAVEOF NO ONE / CONFIG REWRITE / CLIENT KILL TYPE normal /
 *     CLIENT KILL TYPE pubsub / EXEC, then the same with SLAVEOF new-master to
 *     the other one. Data written before is kept, and writes to the new
 *     master reach the remaining replica.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTredisProcess, tempDir, waitFor, redisAvailable, SKIP_NO_REDIS, type ChildServer } from '../helpers/servers';
import { startSentinel, sentinelAvailable, type SentinelProcess } from '../helpers/sentinel';
import { TestClient, type Reply } from '../helpers/resp';

const skip = (!redisAvailable() || !sentinelAvailable()) && SKIP_NO_REDIS;

/** Shared settings: no diskless delay (Redis's default waits 5 s before a full sync). */
const COMMON = ['repl-diskless-sync-delay 0', 'repl-ping-replica-period 1'];

/** A tredis-server process whose config lives in its own temp dir. */
async function startNode(lines: string[]): Promise<ChildServer & { config: string }> {
  const dir = tempDir('tredis-sentinel-');
  const config = path.join(dir, 'tredis.conf');
  fs.writeFileSync(config, [...COMMON, ...lines, ''].join('\n'));
  const s = await startTredisProcess([], { dir, config });
  return Object.assign(s, { config });
}

/** One command on a fresh connection (sentinel kills normal clients during failover). */
async function call(port: number, ...argv: Array<string | number>): Promise<Reply> {
  const c = await TestClient.connect(port);
  try {
    return await c.call(...argv);
  } finally {
    c.close();
  }
}

/** `call` that turns connection errors into null (a dead or restarting server). */
async function tryCall(port: number, ...argv: Array<string | number>): Promise<Reply | undefined> {
  try {
    return await call(port, ...argv);
  } catch {
    return undefined;
  }
}

/** A flat [k, v, k, v] reply (or a RESP3 map) as an object. */
function kv(r: Reply): Record<string, string> {
  const o: Record<string, string> = {};
  if (r instanceof Map) for (const [k, v] of r) o[String(k)] = String(v);
  else if (Array.isArray(r)) for (let i = 0; i + 1 < r.length; i += 2) o[String(r[i])] = String(r[i + 1]);
  return o;
}

/** INFO section as an object. */
async function info(port: number, section: string): Promise<Record<string, string>> {
  const text = String(await call(port, 'INFO', section));
  const o: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) o[line.slice(0, i)] = line.slice(i + 1);
  }
  return o;
}

describe('redis-sentinel with a tredis master and two tredis replicas', { skip, timeout: 120000 }, () => {
  let master: ChildServer & { config: string };
  let r1: ChildServer & { config: string };
  let r2: ChildServer & { config: string };
  let sentinel: SentinelProcess;
  const diag = (n = 4000) =>
    `--- sentinel ---\n${sentinel?.output().slice(-n)}\n--- r1 ---\n${r1?.log().slice(-n)}\n--- r2 ---\n${r2?.log().slice(-n)}`;

  before(async () => {
    master = await startNode([]);
    [r1, r2] = await Promise.all([startNode([`replicaof 127.0.0.1 ${master.port}`]), startNode([`replicaof 127.0.0.1 ${master.port}`])]);
    // both replicas online before Sentinel's first INFO (it refreshes masters only every 10 s)
    await waitFor(async () => (await info(master.port, 'replication')).connected_slaves === '2' && (await info(r1.port, 'replication')).master_link_status === 'up' && (await info(r2.port, 'replication')).master_link_status === 'up', 15000, 'replicas online');
    sentinel = await startSentinel([
      `sentinel monitor mymaster 127.0.0.1 ${master.port} 1`,
      // Not 1000: after +switch-master Sentinel resets the master link's ping clock but reconnects
      // only one ping period (1 s) after its last attempt on the dead master, and checks SDOWN in the
      // same timer tick, so with down-after == 1000 it sometimes declares the brand-new master down
      // and fails over a second time (a Sentinel race, seen with redis-server too). 1500 leaves room.
      'sentinel down-after-milliseconds mymaster 1500',
      'sentinel failover-timeout mymaster 5000',
      'sentinel parallel-syncs mymaster 1',
    ]);
  });

  after(async () => {
    if (process.env.SENTINEL_TEST_DEBUG) console.log(diag(1e6));
    await sentinel?.stop();
    await Promise.all([master?.stop(), r1?.stop(), r2?.stop()]);
  });

  test('(a) master address, both replicas discovered from INFO, hello messages over tredis pub/sub', async () => {
    assert.deepEqual(await call(sentinel.port, 'SENTINEL', 'get-master-addr-by-name', 'mymaster'), ['127.0.0.1', String(master.port)]);

    const replicas = (await waitFor(
      async () => {
        const list = ((await call(sentinel.port, 'SENTINEL', 'replicas', 'mymaster')) as Reply[]).map(kv);
        // runid appears once Sentinel has INFO from the replica itself
        const ok = list.filter((x) => x.flags === 'slave' && x['master-link-status'] === 'ok' && x.runid !== undefined);
        return ok.length === 2 ? ok : null;
      },
      15000,
      'sentinel lists both replicas',
    ).catch((e: Error): never => assert.fail(`${e.message}\n${diag()}`)))!;
    assert.deepEqual(replicas.map((x) => Number(x.port)).sort(), [r1.port, r2.port].sort());
    for (const x of replicas) {
      assert.equal(x.ip, '127.0.0.1');
      assert.equal(x['master-host'], '127.0.0.1');
      assert.equal(x['master-port'], String(master.port));
      assert.equal(x['slave-priority'], '100');
      assert.match(x.runid, /^[0-9a-f]{40}$/); // INFO server run_id
    }
    const m = kv(await call(sentinel.port, 'SENTINEL', 'master', 'mymaster'));
    assert.equal(m.flags, 'master');
    assert.equal(m['num-slaves'], '2');
    assert.equal(m['role-reported'], 'master');
    assert.equal(m.runid, (await info(master.port, 'server')).run_id);
    assert.match(String(await call(sentinel.port, 'SENTINEL', 'ckquorum', 'mymaster')), /^OK 1 usable Sentinels/);

    // Sentinel's command and pub/sub links are named clients on every node
    for (const node of [master, r1, r2]) {
      await waitFor(
        async () => {
          const list = String(await call(node.port, 'CLIENT', 'LIST'));
          return /name=sentinel-[0-9a-f]{8}-cmd /.test(list) && /name=sentinel-[0-9a-f]{8}-pubsub .*sub=1 /.test(list);
        },
        10000,
        `sentinel links on ${node.port}`,
      );
    }

    // hello messages (published every 2 s to masters and replicas) reach our subscribers
    const sentinelId = String(await call(sentinel.port, 'SENTINEL', 'myid'));
    for (const node of [master, r1]) {
      const sub = await TestClient.connect(node.port);
      try {
        assert.deepEqual(await sub.call('SUBSCRIBE', '__sentinel__:hello'), ['subscribe', '__sentinel__:hello', 1]);
        const msg = (await sub.nextPush(6000)) as Reply[];
        assert.equal(msg[0], 'message');
        assert.equal(msg[1], '__sentinel__:hello');
        // sentinel_ip,sentinel_port,sentinel_runid,current_epoch,master_name,master_ip,master_port,master_config_epoch
        const f = String(msg[2]).split(',');
        assert.equal(f.length, 8, String(msg[2]));
        assert.equal(f[1], String(sentinel.port));
        assert.equal(f[2], sentinelId);
        assert.deepEqual(f.slice(4, 7), ['mymaster', '127.0.0.1', String(master.port)]);
      } finally {
        sub.close();
      }
    }
    assert.ok(Number((await info(master.port, 'stats')).pubsub_channels) >= 1);
  });

  test('(b) master killed: a replica is promoted, the other follows it, data survives', async () => {
    // data written before the failover, acknowledged by both replicas
    const mc = await TestClient.connect(master.port);
    try {
      assert.equal(await mc.call('SET', 'before', 'failover'), 'OK');
      assert.equal(await mc.call('RPUSH', 'list', 'a', 'b', 'c'), 3);
      assert.equal(await mc.call('HSET', 'h', 'f', 'v'), 1);
      assert.equal(await mc.call('WAIT', 2, 5000), 2);
    } finally {
      mc.close();
    }

    await master.kill9();
    const t0 = Date.now();
    const newAddr = (await waitFor(
      async () => {
        const a = await tryCall(sentinel.port, 'SENTINEL', 'get-master-addr-by-name', 'mymaster');
        return Array.isArray(a) && a.length === 2 && a[1] !== String(master.port) ? (a as string[]) : null;
      },
      40000,
      'switch-master',
    ).catch((e: Error) => assert.fail(`${e.message}\n${diag()}`))) as string[];
    const elapsed = Date.now() - t0;
    const newPort = Number(newAddr[1]);
    assert.ok([r1.port, r2.port].includes(newPort), `new master ${newAddr}`);
    const promoted = newPort === r1.port ? r1 : r2;
    const other = promoted === r1 ? r2 : r1;
    // (during the failover Sentinel already answers with the promoted replica's address)

    // the promoted replica is a master now, the other one replicates from it
    const role = (await call(promoted.port, 'ROLE')) as Reply[];
    assert.equal(role[0], 'master', `ROLE after ${elapsed} ms: ${JSON.stringify(role)}\n${diag()}`);
    await waitFor(
      async () => {
        const r = (await tryCall(other.port, 'ROLE')) as Reply[] | undefined;
        return r !== undefined && r[0] === 'slave' && r[2] === newPort && r[3] === 'connected';
      },
      20000,
      'other replica follows the new master',
    ).catch((e: Error) => assert.fail(`${e.message}\n${diag()}`));

    // data from before the failover
    for (const node of [promoted, other]) {
      assert.equal(await call(node.port, 'GET', 'before'), 'failover');
      assert.deepEqual(await call(node.port, 'LRANGE', 'list', 0, -1), ['a', 'b', 'c']);
      assert.equal(await call(node.port, 'HGET', 'h', 'f'), 'v');
    }
    // writes to the new master reach the remaining replica
    assert.equal(await call(promoted.port, 'SET', 'after', 'failover'), 'OK');
    await waitFor(async () => (await tryCall(other.port, 'GET', 'after')) === 'failover', 10000, 'write replicated to the other replica');
    assert.match(String(await call(other.port, 'SET', 'x', 'y')), /^READONLY/);

    // CONFIG REWRITE persisted the new roles
    assert.doesNotMatch(fs.readFileSync(promoted.config, 'utf8'), /^replicaof /m);
    assert.match(fs.readFileSync(other.config, 'utf8'), new RegExp(`^replicaof 127\\.0\\.0\\.1 ${newPort}$`, 'm'));

    // Sentinel ends the failover (+failover-end, +switch-master) and sees the new topology
    await waitFor(
      async () => {
        if (!sentinel.output().includes(`+switch-master mymaster 127.0.0.1 ${master.port} 127.0.0.1 ${newPort}`)) return false;
        const m = kv(await call(sentinel.port, 'SENTINEL', 'master', 'mymaster'));
        const reps = ((await call(sentinel.port, 'SENTINEL', 'replicas', 'mymaster')) as Reply[]).map(kv);
        const otherSeen = reps.find((x) => Number(x.port) === other.port);
        return m.flags === 'master' && m['failover-state'] === undefined && otherSeen !== undefined && otherSeen.flags === 'slave' && otherSeen['master-port'] === String(newPort);
      },
      20000,
      'sentinel sees the new topology',
    ).catch((e: Error) => assert.fail(`${e.message}\n${diag()}`));
    assert.equal((await info(promoted.port, 'replication')).connected_slaves, '1');
    assert.doesNotMatch(sentinel.output(), /-failover-abort|-failover-end-for-timeout/, diag());
    assert.doesNotMatch(sentinel.output(), /\+new-epoch 2/, `a second failover happened\n${diag()}`);
    assert.match(sentinel.output(), new RegExp(`\\+slave-reconf-done slave 127\\.0\\.0\\.1:${other.port} `));
  });
});
