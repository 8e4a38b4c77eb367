/**
 * What users try first (see the articles in shared/seeds): three tredis-server
 * processes from config files — a master with requirepass, replicas with
 * `slaveof`, `masterauth`, `slave-read-only`, their own `dbfilename` — one
 * started with `--slaveof host port` on the command line, one turned into a
 * replica at run time with SLAVEOF and back with SLAVEOF NO ONE.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTredisProcess, freePort, tempDir, waitFor, type ChildServer } from '../helpers/servers';
import { TestClient, ReplyError } from '../helpers/resp';
import { parseInfo, sleep } from './replication-helpers';

async function authed(port: number): Promise<TestClient> {
  const c = await TestClient.connect(port);
  assert.equal(await c.call('AUTH', 'centos'), 'OK');
  return c;
}

async function replInfo(c: TestClient): Promise<Map<string, string>> {
  return parseInfo((await c.call('INFO', 'replication')) as string);
}

test('three instances from config files, one from the command line, SLAVEOF at run time', async () => {
  const [p0, p1, p2, p3] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const dirs = [tempDir(), tempDir(), tempDir(), tempDir()];
  const conf = (i: number, body: string): string => {
    const f = path.join(dirs[i], `redis${i}.conf`);
    fs.writeFileSync(f, body);
    return f;
  };
  const masterConf = conf(0, `# Master/redis.conf\nbind 127.0.0.1\nport ${p0}\nrequirepass centos\nrepl-diskless-sync-delay 0\n`);
  const slave1Conf = conf(1, `dbfilename dump1.rdb\nport ${p1}\nslaveof 127.0.0.1 ${p0}\nmasterauth centos\nrequirepass centos\nslave-read-only yes\n`);
  const servers: ChildServer[] = [];
  const clients: TestClient[] = [];
  try {
    servers.push(await startTredisProcess([], { port: p0, dir: dirs[0], config: masterConf }));
    servers.push(await startTredisProcess([], { port: p1, dir: dirs[1], config: slave1Conf }));
    servers.push(await startTredisProcess(['--dbfilename', 'dump2.rdb', '--slaveof', '127.0.0.1', String(p0), '--masterauth', 'centos', '--requirepass', 'centos'], { port: p2, dir: dirs[2] }));
    servers.push(await startTredisProcess([], { port: p3, dir: dirs[3] }));
    const [m, s1, s2] = [await authed(p0), await authed(p1), await authed(p2)];
    const s3 = await TestClient.connect(p3);
    clients.push(m, s1, s2, s3);
    assert.equal(await m.call('SET', 'greeting', 'hello'), 'OK');
    for (const s of [s1, s2]) {
      await waitFor(async () => (await s.call('GET', 'greeting')) === 'hello', 10000, 'replicated');
    }
    await waitFor(async () => (await replInfo(m)).get('connected_slaves') === '2', 5000, 'two replicas');
    const mi = await replInfo(m);
    assert.equal(mi.get('role'), 'master');
    const slaves = [mi.get('slave0'), mi.get('slave1')].sort();
    assert.match(slaves.join('\n'), new RegExp(`ip=127\\.0\\.0\\.1,port=${p1},state=online,offset=\\d+,lag=\\d+`));
    assert.match(slaves.join('\n'), new RegExp(`ip=127\\.0\\.0\\.1,port=${p2},state=online,offset=\\d+,lag=\\d+`));
    const si = await replInfo(s1);
    assert.equal(si.get('role'), 'slave');
    assert.equal(si.get('master_port'), String(p0));
    assert.equal(si.get('master_link_status'), 'up');
    assert.equal(si.get('slave_read_only'), '1');
    assert.equal(((await s1.call('SET', 'x', '1')) as ReplyError).message, "READONLY You can't write against a read only replica.");
    assert.deepEqual(await s1.call('CONFIG', 'GET', 'replicaof'), ['replicaof', `127.0.0.1 ${p0}`]);

    // at run time: SLAVEOF on a fourth server, then SLAVEOF NO ONE
    assert.equal(await s3.call('CONFIG', 'SET', 'masterauth', 'centos'), 'OK');
    assert.equal(await s3.call('SLAVEOF', '127.0.0.1', p0), 'OK');
    await waitFor(async () => (await s3.call('GET', 'greeting')) === 'hello', 10000, 'runtime replica synced');
    assert.equal(await s3.call('SLAVEOF', 'NO', 'ONE'), 'OK');
    assert.equal((await replInfo(s3)).get('role'), 'master');
    assert.equal(await s3.call('SET', 'mine', '1'), 'OK');

    await sleep(100);
    const log1 = servers[1].log();
    for (const line of [
      `* Connecting to MASTER 127.0.0.1:${p0}`,
      '* MASTER <-> REPLICA sync started',
      '* Non blocking connect for SYNC fired the event.',
      '* Master replied to PING, replication can continue...',
      '* Partial resynchronization not possible (no cached master)',
      '* MASTER <-> REPLICA sync: Finished with success',
    ]) {
      assert.ok(log1.includes(line), `replica log has: ${line}`);
    }
    assert.match(log1, /^\d+:S \d\d \w{3} \d{4} [\d:.]+ \* Connecting to MASTER/m);
    const log0 = servers[0].log();
    assert.ok(log0.includes(`* Replica 127.0.0.1:${p1} asks for synchronization`));
    assert.ok(log0.includes(`* Synchronization with replica 127.0.0.1:${p2} succeeded`));
    const log3 = servers[3].log();
    assert.match(log3, new RegExp(`\\* REPLICAOF 127\\.0\\.0\\.1:${p0} enabled \\(user request from 'id=\\d+ `));
    assert.match(log3, /\* MASTER MODE enabled \(user request from 'id=\d+ /);
  } finally {
    for (const c of clients) c.close();
    for (const s of servers) await s.stop();
  }
});
