/**
 * http-port: /metrics (redis_exporter's names), /api/topology (the whole
 * topology reachable from a node: its master chain and replicas,
 * recursively) and the dashboard page, on a chain master -> r1 -> r2 plus
 * master -> r3, all embedded.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTredis, startRedis, redisAvailable, SKIP_NO_REDIS, freePort, waitFor, tempDir } from '../helpers/servers';
import { TestClient } from '../helpers/resp';
import type { TredisServer } from '../../src/index';
import type { NodeView } from '../../src/http/node-info';

let master: TredisServer;
let r1: TredisServer;
let r2: TredisServer;
let r3: TredisServer;
const httpPorts: number[] = [];

async function get(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

async function info(port: number, section: string): Promise<string> {
  const c = await TestClient.connect(port);
  try {
    return (await c.call('INFO', section)) as string;
  } finally {
    c.close();
  }
}

before(async () => {
  for (let i = 0; i < 2; i++) httpPorts.push(await freePort());
  master = await startTredis({ httpPort: httpPorts[0], replDisklessSyncDelay: 0 });
  r1 = await startTredis({ replicaof: `127.0.0.1 ${master.port}`, replDisklessSyncDelay: 0 });
  r3 = await startTredis({ replicaof: `127.0.0.1 ${master.port}` });
  r2 = await startTredis({ replicaof: `127.0.0.1 ${r1.port}`, httpPort: httpPorts[1] });
  const c = await TestClient.connect(master.port);
  try {
    for (let i = 0; i < 3; i++) await c.call('SET', `k${i}`, 'v');
  } finally {
    c.close();
  }
  await waitFor(async () => /connected_slaves:2\r\n(.|\r\n)*state=online(.|\r\n)*state=online/.test(await info(master.port, 'replication')), 20000, 'two replicas online on the master');
  await waitFor(async () => /slave0:.*state=online/.test(await info(r1.port, 'replication')), 20000, 'r2 online on r1');
  await waitFor(async () => (await info(r2.port, 'keyspace')).includes('db0:keys=3'), 20000, 'r2 has the keys');
  // one write through the replication stream, so master_repl_offset has moved whatever the PING timer did
  const c2 = await TestClient.connect(master.port);
  try {
    await c2.call('SET', 'k0', 'v');
  } finally {
    c2.close();
  }
});

after(async () => {
  for (const s of [r2, r3, r1, master]) await s?.close();
});

test('the http directives are hidden from CONFIG GET * and readable by name', async () => {
  const c = await TestClient.connect(master.port);
  try {
    const all = (await c.call('CONFIG', 'GET', '*')) as string[];
    assert.ok(!all.includes('http-port') && !all.includes('http-bind'));
    assert.deepEqual(await c.call('CONFIG', 'GET', 'http-port'), ['http-port', String(httpPorts[0])]);
    assert.deepEqual(await c.call('CONFIG', 'GET', 'http-bind'), ['http-bind', '127.0.0.1']);
  } finally {
    c.close();
  }
});

test("/metrics speaks Prometheus text with redis_exporter's names", async () => {
  const m = await get(httpPorts[0], '/metrics');
  assert.equal(m.status, 200);
  assert.match(m.type, /^text\/plain; version=0\.0\.4/);
  for (const line of m.body.trimEnd().split('\n')) {
    assert.match(line, /^(# (HELP|TYPE) \w+ .+|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[\d.e+-]+)$/, line);
  }
  const value = (re: RegExp) => Number(re.exec(m.body)?.[1]);
  assert.equal(value(/^redis_up (\d+)$/m), 1, m.body);
  assert.equal(value(/^redis_connected_slaves (\d+)$/m), 2, m.body);
  const offset = value(/^redis_master_repl_offset (\d+)$/m);
  assert.ok(offset > 0, m.body);
  assert.match(m.body, new RegExp(`^redis_connected_slave_offset_bytes\\{slave_ip="127\\.0\\.0\\.1",slave_port="${r1.port}",slave_state="online"\\} \\d+$`, 'm'), m.body);
  assert.match(m.body, new RegExp(`^redis_connected_slave_lag_seconds\\{slave_ip="127\\.0\\.0\\.1",slave_port="${r3.port}",slave_state="online"\\} \\d+$`, 'm'), m.body);
  assert.ok(value(/^redis_memory_used_bytes (\d+)$/m) > 0, m.body);
  assert.ok(value(/^redis_commands_processed_total (\d+)$/m) >= 3, m.body);
  assert.equal(value(/^redis_db_keys\{db="db0"\} (\d+)$/m), 3, m.body);
  assert.equal(value(/^redis_commands_total\{cmd="set"\} (\d+)$/m), 4, m.body);
  assert.ok(value(/^redis_commands_duration_seconds_total\{cmd="set"\} ([\d.e-]+)$/m) > 0, m.body);
  assert.match(m.body, /^# TYPE redis_commands_processed_total counter$/m);
  assert.match(m.body, /^redis_instance_info\{role="master",redis_version="7\.0\.15",tredis_version="[^"]+",/m);
  // a replica says so
  const r = await get(httpPorts[1], '/metrics');
  assert.match(r.body, /^redis_master_link_up 1$/m, r.body);
  assert.match(r.body, /^redis_instance_info\{role="slave"/m);
});

test('/api/topology from the end of the chain reaches every node, with offsets and lag', async () => {
  const t = (await (await fetch(`http://127.0.0.1:${httpPorts[1]}/api/topology`)).json()) as { self: string; nodes: NodeView[]; events: string[] };
  const id = (s: TredisServer) => `127.0.0.1:${s.port}`;
  assert.equal(t.self, id(r2));
  const byId = new Map(t.nodes.map((n) => [n.id, n]));
  assert.deepEqual([...byId.keys()].sort(), [id(master), id(r1), id(r2), id(r3)].sort());
  for (const n of t.nodes) assert.equal(n.up, true, n.id);
  const m = byId.get(id(master))!;
  assert.equal(m.role, 'master');
  assert.deepEqual(m.replicas!.map((r) => r.id).sort(), [id(r1), id(r3)].sort());
  for (const r of m.replicas!) {
    assert.equal(r.state, 'online');
    assert.equal(r.lagBytes, m.masterReplOffset! - r.offset);
  }
  assert.equal(byId.get(id(r2))!.master, id(r1));
  assert.equal(byId.get(id(r1))!.master, id(master));
  assert.equal(byId.get(id(r1))!.masterLinkStatus, 'up');
  assert.equal(byId.get(id(r2))!.replid, m.replid, 'the chain shares one replid');
  assert.deepEqual(byId.get(id(r2))!.keys, { db0: 3 });
  assert.ok(t.events.some((e) => /MASTER <-> REPLICA sync: Finished with success/.test(e)), t.events.join('\n'));
});

test('an unreachable node is shown as down, not dropped', async () => {
  const s = await startTredis({ httpPort: await freePort() });
  const dead = await freePort();
  const c = await TestClient.connect(s.port);
  try {
    await c.call('REPLICAOF', '127.0.0.1', String(dead));
    const t = (await (await fetch(`http://127.0.0.1:${s.server.http.port}/api/topology`)).json()) as { nodes: NodeView[] };
    const d = t.nodes.find((n) => n.id === `127.0.0.1:${dead}`);
    assert.ok(d && d.up === false, JSON.stringify(t.nodes));
  } finally {
    c.close();
    await s.close();
  }
});

test('the page is served and reads the topology API; other paths are 404', async () => {
  const p = await get(httpPorts[0], '/');
  assert.equal(p.status, 200);
  assert.match(p.type, /^text\/html/);
  assert.ok(p.body.includes('fetch("api/topology"'));
  assert.equal((await get(httpPorts[0], '/nope')).status, 404);
});

test("the page's script draws the live topology: replicas under their master, offsets, lag (DOM stub, no browser)", async () => {
  const html = (await get(httpPorts[1], '/')).body;
  const script = html.split('<script>')[1].split('</script>')[0];
  const els = new Map<string, { innerHTML: string; textContent: string }>();
  const el = (id: string) => els.get(id) ?? (els.set(id, { innerHTML: '', textContent: '' }), els.get(id)!);
  const topology = await (await fetch(`http://127.0.0.1:${httpPorts[1]}/api/topology`)).json();
  const timers: Array<() => void> = [];
  const sandbox = {
    document: { getElementById: el },
    fetch: async () => ({ json: async () => topology }),
    setTimeout: (fn: () => void) => timers.push(fn),
    Map,
    Set,
    Math,
    Date,
    Object,
    String,
  };
  const vm = await import('node:vm');
  vm.runInNewContext(script, sandbox);
  await new Promise((r) => setImmediate(r));
  const tree = el('tree').innerHTML;
  // master at the top, r1 and r3 nested under it, r2 under r1
  const pos = (s: TredisServer) => tree.indexOf(`data-node="127.0.0.1:${s.port}"`);
  assert.ok(pos(master) >= 0 && pos(master) < pos(r1) && pos(r1) < pos(r2), tree);
  assert.ok(pos(r3) > 0);
  assert.match(tree, new RegExp(`data-replica="127\\.0\\.0\\.1:${r1.port}" data-state="online" data-offset="\\d+" data-lag-bytes="\\d+" data-lag-seconds="\\d+"><td>127\\.0\\.0\\.1:${r1.port}</td><td class="good">online</td>`));
  assert.match(tree, /data-field="master_repl_offset">\d+</);
  assert.match(tree, /data-field="lag \(bytes\)">0</);
  assert.match(tree, /class="node self" data-node="127\.0\.0\.1:\d+"/);
  assert.match(el('status').textContent, /^4 node\(s\), updated /);
  assert.equal(timers.length, 1, 'it polls again');
});

test('a redis-server replica (with requirepass) appears in the topology, read with masterauth', { skip: !redisAvailable() && SKIP_NO_REDIS }, async () => {
  const m = await startTredis({ httpPort: await freePort(), requirepass: 'pw', masterauth: 'pw', replDisklessSyncDelay: 0 });
  const r = await startRedis(['--replicaof', '127.0.0.1', String(m.port), '--masterauth', 'pw', '--requirepass', 'pw']);
  try {
    const id = `127.0.0.1:${r.port}`;
    const t = (await waitFor(async () => {
      const j = (await (await fetch(`http://127.0.0.1:${m.server.http.port}/api/topology`)).json()) as { nodes: NodeView[] };
      const n = j.nodes.find((x) => x.id === id);
      return n?.up && n.masterLinkStatus === 'up' ? j : null;
    }, 20000, 'the redis-server replica in the topology'))!;
    const n = t.nodes.find((x) => x.id === id)!;
    assert.equal(n.role, 'slave');
    assert.equal(n.tredisVersion, null);
    assert.equal(n.redisVersion, '7.0.15');
    assert.equal(n.master, `127.0.0.1:${m.port}`);
    assert.equal(n.replid, t.nodes.find((x) => x.id === `127.0.0.1:${m.port}`)!.replid);
  } finally {
    await r.stop();
    await m.close();
  }
});

test('an http-port already taken: the server starts without the dashboard and logs why', async () => {
  const net = await import('node:net');
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const taken = (holder.address() as import('node:net').AddressInfo).port;
  const dir = tempDir();
  const s = await startTredis({ dir, logfile: path.join(dir, 'tredis.log'), httpPort: taken });
  try {
    const c = await TestClient.connect(s.port);
    try {
      assert.equal(await c.call('PING'), 'PONG');
      assert.deepEqual(await c.call('CONFIG', 'GET', 'http-port'), ['http-port', String(taken)]);
    } finally {
      c.close();
    }
    assert.equal(s.server.http.port, 0);
    const log = fs.readFileSync(path.join(dir, 'tredis.log'), 'utf8').split('\n').map((l) => l.replace(/^\d+:[MS] \d\d \w{3} \d{4} [\d:.]+ /, ''));
    assert.ok(log.includes(`# Warning: Could not create HTTP dashboard listening socket 127.0.0.1:${taken}: bind: Address already in use`), log.join('\n'));
    assert.ok(log.includes(`# Failed listening on HTTP port ${taken}, going on without the dashboard.`), log.join('\n'));
    assert.ok(log.includes('* Ready to accept connections'));
    assert.ok(!log.some((l) => l.includes('Dashboard: http')));
  } finally {
    await s.close();
    await new Promise((r) => holder.close(r));
  }
});

test('a started dashboard logs its URL at notice level', async () => {
  const dir = tempDir();
  const hp = await freePort();
  const s = await startTredis({ dir, logfile: path.join(dir, 'tredis.log'), httpPort: hp });
  try {
    assert.equal(s.server.http.port, hp);
    const log = fs.readFileSync(path.join(dir, 'tredis.log'), 'utf8');
    assert.match(log, new RegExp(`^\\d+:M \\d\\d \\w{3} \\d{4} [\\d:.]+ \\* Dashboard: http://127\\.0\\.0\\.1:${hp}/ \\(also /metrics, /api/topology\\)$`, 'm'));
    assert.equal((await get(hp, '/')).status, 200);
  } finally {
    await s.close();
  }
});
