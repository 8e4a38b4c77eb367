import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, startTredis, startRedis, redisAvailable, SKIP_NO_REDIS, type ChildServer } from '../helpers/servers';
import { TestClient, encode } from '../helpers/resp';
import type { TredisServer } from '../../src/index';

let srv: TredisServer;
let redis: ChildServer | null = null;
const haveRedis = redisAvailable();

before(async () => {
  srv = await startTredis();
  if (haveRedis) redis = await startRedis();
});
after(async () => {
  await srv.close();
  if (redis) await redis.stop();
});

/** Section name -> field names, in order. */
function fieldsBySection(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur = '';
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) {
      cur = line.slice(2);
      out.set(cur, []);
    } else if (line !== '') out.get(cur)!.push(line.slice(0, line.indexOf(':')));
  }
  return out;
}

async function info(port: number, ...sections: string[]): Promise<string> {
  const c = await TestClient.connect(port);
  try {
    return (await c.call('INFO', ...sections)) as string;
  } finally {
    c.close();
  }
}

test('INFO text: CRLF lines, "# Section" headers, one empty line between sections', async () => {
  const text = await info(srv.port);
  assert.ok(text.startsWith('# Server\r\nredis_version:7.0.15\r\n'));
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.match(text, new RegExp(`\r\ntredis_version:${pkg.version.replace(/\./g, '\\.')}\r\n`));
  assert.ok(text.endsWith('\r\n'));
  assert.ok(!text.endsWith('\r\n\r\n'));
  assert.ok(!/[^\r]\n/.test(text), 'every line ends in CRLF');
  const headers = text.split('\r\n').filter((l) => l.startsWith('#'));
  assert.deepEqual(headers, ['# Server', '# Clients', '# Memory', '# Persistence', '# Stats', '# Replication', '# CPU', '# Modules', '# Errorstats', '# Cluster', '# Keyspace']);
  for (const h of headers.slice(1)) assert.ok(text.includes(`\r\n\r\n${h}\r\n`), h);
});

test('INFO section selection: several sections, all, everything, default, unknown names', async () => {
  const heads = (t: string) => t.split('\r\n').filter((l) => l.startsWith('#'));
  assert.deepEqual(heads(await info(srv.port, 'CPU', 'cluster')), ['# CPU', '# Cluster']);
  assert.deepEqual(heads(await info(srv.port, 'keyspace', 'server')), ['# Server', '# Keyspace']);
  assert.deepEqual(heads(await info(srv.port, 'module_list')), ['# Modules']);
  assert.equal(await info(srv.port, 'nosuch'), '');
  const all = heads(await info(srv.port, 'all'));
  assert.deepEqual(all, ['# Server', '# Clients', '# Memory', '# Persistence', '# Stats', '# Replication', '# CPU', '# Modules', '# Commandstats', '# Errorstats', '# Latencystats', '# Cluster', '# Keyspace']);
  assert.deepEqual(heads(await info(srv.port, 'everything')), all);
  assert.deepEqual(heads(await info(srv.port, 'default', 'commandstats')), [...heads(await info(srv.port)).slice(0, 8), '# Commandstats', '# Errorstats', '# Cluster', '# Keyspace']);
});

test('INFO fields: server, keyspace, commandstats, errorstats, RESP3 verbatim', async () => {
  const c = await TestClient.connect(srv.port);
  try {
    await c.call('SET', 'a', '1');
    await c.call('SELECT', '3');
    await c.call('SET', 'b', '2');
    await c.call('PEXPIRE', 'b', '100000');
    await c.call('GET', 'b');
    await c.call('NOSUCHCMD');
    const text = (await c.call('INFO', 'server', 'keyspace', 'commandstats', 'errorstats', 'stats')) as string;
    assert.match(text, new RegExp(`\r\ntcp_port:${srv.port}\r\n`));
    assert.match(text, new RegExp(`\r\nprocess_id:${process.pid}\r\n`));
    assert.match(text, /\r\nrun_id:[0-9a-f]{40}\r\n/);
    assert.match(text, /\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n/);
    assert.match(text, /\r\ndb3:keys=1,expires=1,avg_ttl=\d+\r\n/);
    assert.match(text, /\r\ncmdstat_get:calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0\r\n/);
    assert.match(text, /\r\ncmdstat_select:calls=1,/);
    assert.match(text, /\r\nerrorstat_ERR:count=1\r\n/);
    assert.match(text, /\r\nkeyspace_hits:1\r\n/);
    assert.match(text, /\r\ntotal_error_replies:1\r\n/);
    await c.call('CONFIG', 'RESETSTAT');
    const after = (await c.call('INFO', 'commandstats', 'errorstats')) as string;
    assert.doesNotMatch(after, /cmdstat_get/);
    assert.doesNotMatch(after, /errorstat_ERR/);
    await c.call('HELLO', '3');
    const raw = await c.callRaw('INFO', 'cluster');
    assert.equal(raw, '=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n');
  } finally {
    c.close();
  }
});

test('INFO latencystats and LATENCY HISTOGRAM follow Redis HDR buckets', async () => {
  const c = await TestClient.connect(srv.port);
  try {
    await c.call('PING');
    const text = (await c.call('INFO', 'latencystats')) as string;
    assert.match(text, /\r\nlatency_percentiles_usec_ping:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}\r\n/);
    const h = (await c.call('LATENCY', 'HISTOGRAM', 'ping')) as unknown[];
    assert.equal(h[0], 'ping');
    const body = h[1] as unknown[];
    assert.equal(body[0], 'calls');
    assert.ok((body[1] as number) >= 1);
    assert.equal(body[2], 'histogram_usec');
  } finally {
    c.close();
  }
});

test('a pipelined run of fast commands is timed as a whole: exact calls, slowlog entries and histogram counts for each', async () => {
  // fast commands in one batch share one clock read (Executor.call); what INFO, SLOWLOG and LATENCY report of them
  // must still count every call, and a slow command ends the run: INFO inside the pipeline sees it timed already
  const c = await TestClient.connect(srv.port);
  try {
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0', 'slowlog-max-len', '1000');
    await c.call('CONFIG', 'RESETSTAT');
    await c.call('SLOWLOG', 'RESET');
    const cmds: string[][] = [];
    for (let i = 0; i < 100; i++) cmds.push(['INCR', 'run:ctr']);
    for (let i = 0; i < 30; i++) cmds.push(['SET', `run:k${i}`, 'v']);
    cmds.push(['KEYS', 'run:nomatch*']);
    for (let i = 0; i < 50; i++) cmds.push(['INCR', 'run:ctr']);
    cmds.push(['INFO', 'commandstats']);
    c.write(Buffer.concat(cmds.map((a) => encode(a))));
    const replies = await c.readReplies(cmds.length);
    assert.equal(replies[99], 100);
    assert.equal(replies[180], 150);
    const inside = replies[181] as string;
    const incr = /cmdstat_incr:calls=(\d+),usec=(\d+),/.exec(inside);
    assert.ok(incr, inside);
    assert.equal(Number(incr[1]), 150);
    assert.ok(Number(incr[2]) > 0, inside);
    assert.match(inside, /cmdstat_set:calls=30,usec=\d+,/);
    assert.match(inside, /cmdstat_keys:calls=1,usec=\d+,/);
    // every command has its own slowlog entry, in order (newest first), with its arguments
    const log = (await c.call('SLOWLOG', 'GET', '1000')) as unknown[][];
    const logged = log.map((e) => (e[3] as string[]).join(' ')).reverse();
    const sent = cmds.map((a) => a.join(' '));
    assert.deepEqual(logged.slice(logged.indexOf(sent[0]), logged.indexOf(sent[0]) + sent.length - 1), sent.slice(0, -1));
    for (const e of log) assert.ok(Number.isInteger(e[2]) && (e[2] as number) >= 0);
    const h = (await c.call('LATENCY', 'HISTOGRAM', 'incr', 'set')) as unknown[];
    const calls = new Map<string, unknown>();
    const recorded = new Map<string, unknown>();
    for (let i = 0; i < h.length; i += 2) {
      const body = h[i + 1] as unknown[];
      calls.set(h[i] as string, body[1]);
      // the histogram's last cumulative bucket: every call was recorded in it (a run's calls are recorded together)
      const buckets = body[3] as number[];
      recorded.set(h[i] as string, buckets[buckets.length - 1]);
    }
    assert.equal(calls.get('incr'), 150);
    assert.equal(calls.get('set'), 30);
    assert.equal(recorded.get('incr'), 150);
    assert.equal(recorded.get('set'), 30);
  } finally {
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000', 'slowlog-max-len', '128');
    c.close();
  }
});

/** INFO latencystats line -> [command, labels] (values differ between servers; labels and format must not). */
function latencyLines(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\r\n')) {
    const m = /^latency_percentiles_usec_([^:]+):(.*)$/.exec(line);
    if (!m) continue;
    out.set(
      m[1],
      m[2].split(',').map((kv) => {
        assert.match(kv, /^p[\d.]+=\d+\.\d{3}$/, line);
        return kv.slice(0, kv.indexOf('='));
      }),
    );
  }
  return out;
}

/** LATENCY HISTOGRAM's reply with the numbers replaced by their kind, plus checks Redis's reply satisfies. */
function histogramShape(reply: unknown): unknown {
  const top = reply as unknown[];
  const shape: unknown[] = [];
  for (let i = 0; i < top.length; i += 2) {
    const body = top[i + 1] as unknown[];
    assert.equal(body.length, 4);
    assert.equal(body[0], 'calls');
    assert.equal(body[2], 'histogram_usec');
    const b = body[3] as number[];
    let prevBound = -1;
    let prevCount = 0;
    for (let j = 0; j < b.length; j += 2) {
      // bounds are 2^n - 1 ns in usec (1, 2, 4, 8 ...), counts cumulative and growing
      assert.ok(b[j] > prevBound && b[j + 1] > prevCount, JSON.stringify(b));
      prevBound = b[j];
      prevCount = b[j + 1];
    }
    assert.equal(prevCount, body[1]);
    shape.push(top[i], ['calls', typeof body[1], 'histogram_usec', b.length > 0 ? 'buckets' : 'empty']);
  }
  return shape;
}

test('INFO latencystats and LATENCY HISTOGRAM have redis-server 7.0.15 shape and labels', { skip: !haveRedis && SKIP_NO_REDIS }, async () => {
  const s = await startTredis();
  const ports = [redis!.port, s.port];
  const results: Array<{ info: Map<string, string[]>; hist: unknown; histAll: string[]; unknown: unknown; raw: string }> = [];
  try {
    for (const port of ports) {
      const c = await TestClient.connect(port);
      try {
        await c.call('CONFIG', 'RESETSTAT');
        await c.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '0 12.5 50 99.9 99.99999 100');
        for (let i = 0; i < 20; i++) await c.call('SET', `k${i}`, 'v');
        await c.call('GET', 'k1');
        await c.call('CLIENT', 'ID');
        const info = latencyLines((await c.call('INFO', 'latencystats')) as string);
        const hist = histogramShape(await c.call('LATENCY', 'HISTOGRAM', 'set', 'get', 'client|id', 'nosuchcommand'));
        const all = (await c.call('LATENCY', 'HISTOGRAM')) as unknown[];
        const histAll = all.filter((_, i) => i % 2 === 0).map(String).sort();
        const unknown = await c.call('LATENCY', 'HISTOGRAM', 'nosuchcommand');
        await c.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '');
        const raw = (await c.callRaw('INFO', 'latencystats')) as string;
        await c.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99 99.9');
        results.push({ info, hist, histAll, unknown, raw });
      } finally {
        c.close();
      }
    }
    const [theirs, ours] = results;
    for (const cmd of ['set', 'get', 'client|id', 'config|set', 'config|resetstat']) {
      assert.deepEqual(ours.info.get(cmd), theirs.info.get(cmd), cmd);
    }
    assert.deepEqual(theirs.info.get('set'), ['p0', 'p12.5', 'p50', 'p99.9', 'p99.99999', 'p100']);
    assert.deepEqual(ours.hist, theirs.hist);
    assert.deepEqual(ours.histAll, theirs.histAll);
    assert.deepEqual(ours.unknown, theirs.unknown);
    // no percentiles configured: the lines stay, with an empty value
    for (const r of [theirs, ours]) assert.match(r.raw, /\r\nlatency_percentiles_usec_set:\r\n/);
  } finally {
    await s.close();
  }
});

test('INFO prints every field redis-server 7.0.15 prints, in the same order', { skip: !haveRedis && SKIP_NO_REDIS }, async () => {
  const sections = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'cluster'];
  const ours = fieldsBySection(await info(srv.port, ...sections));
  // tredis's one addition, right after redis_version (as Valkey adds server_name)
  const server = ours.get('Server')!;
  assert.equal(server[1], 'tredis_version');
  server.splice(1, 1);
  const theirs = fieldsBySection(await info(redis!.port, ...sections));
  assert.deepEqual([...ours.keys()], [...theirs.keys()]);
  for (const [name, fields] of theirs) assert.deepEqual(ours.get(name), fields, `section ${name}`);
  // keyspace lines have the same shape
  const a = await TestClient.connect(redis!.port);
  const b = await TestClient.connect(srv.port);
  try {
    for (const c of [a, b]) {
      await c.call('FLUSHALL');
      await c.call('SET', 'k', 'v');
    }
    assert.equal(await b.callRaw('INFO', 'keyspace'), await a.callRaw('INFO', 'keyspace'));
  } finally {
    a.close();
    b.close();
  }
});

test('INFO keyspace avg_ttl goes back to 0 once a db has no keys with a TTL, and on FLUSHDB', async () => {
  const c = await TestClient.connect(srv.port);
  try {
    await c.call('SELECT', '5');
    await c.call('SET', 'ttl:a', '1', 'EX', '1000');
    await c.call('SET', 'ttl:b', '1');
    const avg = async (): Promise<number> => Number(/\r\ndb5:keys=\d+,expires=\d+,avg_ttl=(\d+)\r\n/.exec((await c.call('INFO', 'keyspace')) as string)?.[1]);
    // the active expire cycle (hz 10) samples the TTLs
    for (let i = 0; i < 100 && (await avg()) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok((await avg()) > 990000);
    await c.call('PERSIST', 'ttl:a');
    for (let i = 0; i < 100 && (await avg()) !== 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await avg(), 0);
    await c.call('EXPIRE', 'ttl:a', '1000');
    for (let i = 0; i < 100 && (await avg()) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok((await avg()) > 0);
    await c.call('FLUSHDB');
    await c.call('SET', 'ttl:c', '1');
    assert.match((await c.call('INFO', 'keyspace')) as string, /\r\ndb5:keys=1,expires=0,avg_ttl=0\r\n/);
    await c.call('FLUSHDB');
  } finally {
    c.close();
  }
});
