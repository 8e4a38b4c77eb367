import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { startTredis, startRedis, redisAvailable, SKIP_NO_REDIS, freePort, tempDir, waitFor, type ChildServer } from '../helpers/servers';
import { TestClient, type Reply } from '../helpers/resp';
import { sameBytesOn } from '../helpers/compare';
import type { TredisServer } from '../../src/index';

let srv: TredisServer;
let redis: ChildServer | null = null;
const haveRedis = redisAvailable();

before(async () => {
  srv = await startTredis({ enableDebugCommand: 'yes' });
  if (haveRedis) redis = await startRedis();
});
after(async () => {
  await srv.close();
  if (redis) await redis.stop();
});

async function withClient<T>(port: number, fn: (c: TestClient) => Promise<T>): Promise<T> {
  const c = await TestClient.connect(port);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/** Send the same commands to redis-server and tredis; each reply must be byte-identical. */
async function sameBytes(cmds: string[][], proto = 2): Promise<void> {
  await sameBytesOn(redis!.port, srv.port, cmds, proto);
}

const skipRedis = { skip: !haveRedis && SKIP_NO_REDIS };

// ---------------------------------------------------------------- CONFIG

test('CONFIG GET/SET replies and errors are byte-identical to redis-server', skipRedis, async () => {
  await sameBytes([
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'GET', 'MAXmemory'],
    ['CONFIG', 'GET', 'slave-read-only'],
    ['CONFIG', 'GET', 'use-exit-on-panic'],
    ['CONFIG', 'GET', 'use*'],
    ['CONFIG', 'GET', 'nosuch'],
    ['CONFIG', 'GET', 'latency-tracking-info-percentiles'],
    ['CONFIG', 'GET', 'client-output-buffer-limit'],
    ['CONFIG', 'SET', 'foo', 'bar'],
    ['CONFIG', 'SET', 'daemonize', 'yes'],
    ['CONFIG', 'SET', 'dbfilename', 'x.rdb'],
    ['CONFIG', 'SET', 'maxmemory', '-1'],
    ['CONFIG', 'SET', 'maxclients', '0'],
    ['CONFIG', 'SET', 'hz', 'abc'],
    ['CONFIG', 'SET', 'maxmemory-policy', 'foo'],
    ['CONFIG', 'SET', 'save', '3600 x'],
    ['CONFIG', 'SET', 'a'],
    ['CONFIG', 'SET', 'hz', '5', 'maxmemory'],
    ['CONFIG', 'SET', 'maxmemory', '1', 'maxmemory', '2'],
    ['CONFIG', 'SET', 'hz', '20', 'maxmemory', '2mb', 'notify-keyspace-events', 'KEA', 'maxmemory-clients', '5%'],
    ['CONFIG', 'GET', 'hz'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'GET', 'notify-keyspace-events'],
    ['CONFIG', 'GET', 'maxmemory-clients'],
    ['CONFIG', 'SET', 'hz', '0'],
    ['CONFIG', 'GET', 'hz'],
    ['CONFIG', 'SET', 'hz', '10', 'maxmemory', '0', 'notify-keyspace-events', '', 'maxmemory-clients', '0'],
    ['CONFIG', 'GET'],
    ['CONFIG', 'HELP'],
    ['CONFIG', 'FOO'],
  ]);
  await sameBytes([['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'GET', 'save']], 3);
});

test('CONFIG GET * lists the same names and values as redis-server', skipRedis, async () => {
  const get = (port: number) =>
    withClient(port, async (c) => {
      await c.call('HELLO', '3');
      return (await c.call('CONFIG', 'GET', '*')) as Map<string, string>;
    });
  const ours = await get(srv.port);
  const theirs = await get(redis!.port);
  const local = new Set(['port', 'dir', 'logfile', 'enable-debug-command', 'bind', 'save']);
  assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort());
  for (const [k, v] of theirs) if (!local.has(k as string)) assert.equal(ours.get(k), v, k as string);
});

test('CONFIG SET applies live: timeout closes idle clients, maxclients refuses, requirepass', async () => {
  const s = await startTredis({ hz: 50 });
  try {
    let admin = await TestClient.connect(s.port);
    assert.equal(await admin.call('CONFIG', 'SET', 'timeout', '1'), 'OK');
    const idle = await TestClient.connect(s.port);
    assert.equal(await idle.call('PING'), 'PONG');
    assert.equal(await idle.waitClose(10000), true, 'idle client closed after timeout');
    admin.close();
    admin = await TestClient.connect(s.port);
    assert.equal(await admin.call('CONFIG', 'SET', 'timeout', '0', 'maxclients', '1'), 'OK');
    // the refusal is written at accept time, before any command
    const extra = await TestClient.connect(s.port);
    assert.equal(await extra.waitClose(10000), true);
    assert.equal(String(extra.pushes[0]), 'ERR max number of clients reached');
    assert.equal(await admin.call('CONFIG', 'SET', 'maxclients', '100', 'requirepass', 'pw'), 'OK');
    const c2 = await TestClient.connect(s.port);
    assert.equal(String(await c2.call('GET', 'x')), 'NOAUTH Authentication required.');
    assert.equal(await c2.call('AUTH', 'pw'), 'OK');
    c2.close();
    admin.close();
  } finally {
    await s.close();
  }
});

test('CONFIG SET port binds the new port then closes the old one; bind changes addresses', async () => {
  const s = await startTredis();
  try {
    const oldPort = s.port;
    const c = await TestClient.connect(oldPort);
    const newPort = await freePort();
    assert.equal(await c.call('CONFIG', 'SET', 'port', String(newPort)), 'OK');
    assert.deepEqual(await c.call('CONFIG', 'GET', 'port'), ['port', String(newPort)]);
    assert.equal(s.port, newPort);
    assert.equal(await c.call('PING'), 'PONG', 'the connection survives');
    await withClient(newPort, async (d) => assert.equal(await d.call('PING'), 'PONG'));
    await assert.rejects(TestClient.connect(oldPort));
    // a port someone else holds is refused and nothing changes
    const busy = await TestClient.connect(newPort);
    const r = await c.call('CONFIG', 'SET', 'port', String(redis ? redis.port : newPort), 'hz', '33');
    if (redis) {
      assert.equal(String(r), "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.");
      assert.deepEqual(await c.call('CONFIG', 'GET', 'hz'), ['hz', '10']);
    }
    busy.close();
    assert.equal(await c.call('CONFIG', 'SET', 'bind', '127.0.0.1 -::1'), 'OK');
    assert.deepEqual(await c.call('CONFIG', 'GET', 'bind'), ['bind', '127.0.0.1 -::1']);
    await withClient(newPort, async (d) => assert.equal(await d.call('PING'), 'PONG'));
    assert.equal(String(await c.call('CONFIG', 'SET', 'bind', '192.0.2.1')), "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.");
    await withClient(newPort, async (d) => assert.equal(await d.call('PING'), 'PONG'));
    c.close();
  } finally {
    await s.close();
  }
});

/** Start redis-server from a config file (the first argument, so CONFIG REWRITE has a file). */
async function startRedisWithConf(conf: string, port: number): Promise<ChildProcess> {
  const proc = spawn('redis-server', [conf], { stdio: 'ignore' });
  await waitFor(async () => {
    try {
      const c = await TestClient.connect(port);
      c.close();
      return true;
    } catch {
      return false;
    }
  }, 10000, 'redis-server');
  return proc;
}

test('CONFIG REWRITE rewrites the file like redis-server (in place, then appended)', skipRedis, async () => {
  const dir = tempDir('tredis-rewrite-');
  const body = (port: number, d: string) =>
    `# my config\nport ${port}\nbind 127.0.0.1\n\n\nsave 900 1\nsave 300 10\nslave-read-only yes\nhash-max-ziplist-entries 64\nmaxmemory 1mb   \nloglevel notice\nappendonly no\ndir ${d}\nlogfile ""\n`;
  const rp = await freePort();
  const rdir = path.join(dir, 'r');
  const tdir = path.join(dir, 't');
  fs.mkdirSync(rdir);
  fs.mkdirSync(tdir);
  const rconf = path.join(rdir, 'redis.conf');
  const tconf = path.join(tdir, 'redis.conf');
  fs.writeFileSync(rconf, body(rp, rdir));
  const proc = await startRedisWithConf(rconf, rp);
  const s = await startTredis({ dir: tdir });
  try {
    s.server.config.loadDirectives([
      { name: 'save', args: ['900', '1'], file: null, line: 1, text: '' },
      { name: 'save', args: ['300', '10'], file: null, line: 2, text: '' },
      { name: 'hash-max-ziplist-entries', args: ['64'], file: null, line: 3, text: '' },
      { name: 'maxmemory', args: ['1mb'], file: null, line: 4, text: '' },
    ]);
    fs.writeFileSync(tconf, body(s.port, tdir));
    s.server.config.file = tconf;
    const steps = [
      ['CONFIG', 'SET', 'maxmemory', '2gb', 'loglevel', 'warning', 'save', '60 5'],
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1mb 0 0', 'maxmemory-clients', '10%', 'notify-keyspace-events', 'KEA'],
      ['CONFIG', 'REWRITE'],
    ];
    for (const port of [rp, s.port]) {
      await withClient(port, async (c) => {
        for (const st of steps) assert.equal(await c.call(...st), 'OK', st.join(' '));
      });
    }
    const norm = (t: string) => t.replace(/^port \d+$/m, 'port P').replace(/^dir .*$/m, 'dir D');
    const r = norm(fs.readFileSync(rconf, 'latin1')).split('\n');
    const t = norm(fs.readFileSync(tconf, 'latin1')).split('\n');
    const sig = (l: string[]) => l.indexOf('# Generated by CONFIG REWRITE');
    assert.deepEqual(t.slice(0, sig(t)), r.slice(0, sig(r)), 'lines before the signature');
    assert.deepEqual(t.slice(sig(t)).sort(), r.slice(sig(r)).sort(), 'appended lines (Redis appends in dict order)');
    await withClient(s.port, async (c) => assert.equal(await c.call('CONFIG', 'REWRITE'), 'OK'));
  } finally {
    proc.kill('SIGKILL');
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('CONFIG REWRITE without a file, CONFIG RESETSTAT', async () => {
  await withClient(srv.port, async (c) => {
    assert.equal(await c.callRaw('CONFIG', 'REWRITE'), '-ERR The server is running without a config file\r\n');
    await c.call('PING');
    assert.equal(await c.call('CONFIG', 'RESETSTAT'), 'OK');
    const text = (await c.call('INFO', 'stats')) as string;
    // RESETSTAT itself is counted after the reset, as in Redis
    assert.match(text, /total_commands_processed:1\r\n/);
  });
});

// ---------------------------------------------------------------- COMMAND

test('COMMAND INFO / DOCS / GETKEYS replies are byte-identical to redis-server', skipRedis, async () => {
  const cmds = [
    ['COMMAND', 'INFO', 'get'],
    ['COMMAND', 'INFO', 'set', 'nosuch', 'lpush', 'config|get', 'client|list'],
    ['COMMAND', 'DOCS', 'get'],
    ['COMMAND', 'DOCS', 'set', 'nosuch', 'zadd', 'config|set'],
    ['COMMAND', 'GETKEYS', 'get'],
    ['COMMAND', 'GETKEYS', 'foo', 'a'],
    ['COMMAND', 'GETKEYS', 'ping', 'x'],
    ['COMMAND', 'GETKEYS', 'config', 'get', 'x'],
    ['COMMAND', 'GETKEYS', 'mset', 'a', '1', 'b', '2'],
    ['COMMAND', 'GETKEYS', 'get', 'a', 'b'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'lmove', 'a', 'b', 'left', 'right'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'a', 'b'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'a', 'b', 'GET'],
    ['COMMAND', 'LIST', 'foo'],
    ['COMMAND', 'LIST', 'FILTERBY', 'foo', 'x'],
    ['COMMAND', 'LIST', 'FILTERBY', 'module', 'x'],
    ['COMMAND', 'LIST', 'FILTERBY', 'pattern', 'config|g*'],
    ['COMMAND', 'HELP'],
    ['COMMAND', 'FOO'],
  ];
  await sameBytes(cmds);
  await sameBytes(cmds, 3);
});

test('COMMAND, COMMAND COUNT, COMMAND LIST agree with the command table', async () => {
  await withClient(srv.port, async (c) => {
    const all = (await c.call('COMMAND')) as Reply[][];
    const count = (await c.call('COMMAND', 'COUNT')) as number;
    assert.equal(all.length, count);
    assert.equal(count, srv.server.commands.size);
    const names = all.map((e) => e[0]);
    assert.ok(names.includes('get') && names.includes('config') && names.includes('client'));
    const config = all.find((e) => e[0] === 'config')!;
    const subs = (config[9] as Reply[][]).map((e) => e[0]).sort();
    assert.deepEqual(subs, ['config|get', 'config|help', 'config|resetstat', 'config|rewrite', 'config|set']);
    const list = (await c.call('COMMAND', 'LIST')) as string[];
    assert.ok(list.includes('config|get') && list.includes('get'));
    const admin = (await c.call('COMMAND', 'LIST', 'FILTERBY', 'aclcat', 'admin')) as string[];
    assert.ok(admin.includes('config|set') && !admin.includes('get'));
    const docs = (await c.call('COMMAND', 'DOCS')) as Reply[];
    assert.equal(docs.length, count * 2);
  });
});

// ---------------------------------------------------------------- CLIENT

test('CLIENT replies and errors are byte-identical to redis-server', skipRedis, async () => {
  await sameBytes([
    ['CLIENT', 'HELP'],
    ['CLIENT', 'KILL', '1.2.3.4:5'],
    ['CLIENT', 'KILL', 'ID', '999999'],
    ['CLIENT', 'KILL', 'SKIPME', 'maybe'],
    ['CLIENT', 'KILL', 'ID', '0'],
    ['CLIENT', 'KILL', 'USER', 'bob'],
    ['CLIENT', 'KILL', 'TYPE', 'foo'],
    ['CLIENT', 'KILL', 'ID'],
    ['CLIENT', 'LIST', 'ID', '1', 'abc'],
    ['CLIENT', 'LIST', 'TYPE', 'foo'],
    ['CLIENT', 'LIST', 'foo'],
    ['CLIENT', 'LIST', 'ID', '999999'],
    ['CLIENT', 'PAUSE', '10', 'all', 'extra'],
    ['CLIENT', 'PAUSE', 'abc'],
    ['CLIENT', 'PAUSE', '-1'],
    ['CLIENT', 'PAUSE', '10', 'foo'],
    ['CLIENT', 'UNBLOCK', 'abc'],
    ['CLIENT', 'UNBLOCK', '1', 'foo'],
    ['CLIENT', 'UNBLOCK', '999999'],
    ['CLIENT', 'SETNAME', 'a b'],
    ['CLIENT', 'GETNAME'],
    ['CLIENT', 'SETNAME', 'x'],
    ['CLIENT', 'GETNAME'],
    ['CLIENT', 'SETNAME', ''],
    ['CLIENT', 'GETNAME'],
    ['CLIENT', 'NO-EVICT', 'maybe'],
    ['CLIENT', 'NO-EVICT', 'on'],
    ['CLIENT', 'NO-EVICT', 'off'],
    ['CLIENT', 'REPLY', 'foo'],
    ['CLIENT', 'GETREDIR'],
    ['CLIENT', 'TRACKINGINFO'],
    ['CLIENT', 'CACHING', 'yes'],
    ['CLIENT', 'ID', 'x'],
  ]);
  await sameBytes([['CLIENT', 'TRACKINGINFO'], ['CLIENT', 'GETNAME']], 3);
});

test('CLIENT ID, INFO, LIST with TYPE and ID, SETINFO', async () => {
  const a = await TestClient.connect(srv.port);
  const b = await TestClient.connect(srv.port);
  try {
    const ida = (await a.call('CLIENT', 'ID')) as number;
    const idb = (await b.call('CLIENT', 'ID')) as number;
    await b.call('CLIENT', 'SETNAME', 'bee');
    await b.call('SUBSCRIBE', 'ch');
    const info = (await a.call('CLIENT', 'INFO')) as string;
    assert.match(
      info,
      new RegExp(
        `^id=${ida} addr=127\\.0\\.0\\.1:\\d+ laddr=127\\.0\\.0\\.1:${srv.port} fd=-?\\d+ name= age=\\d+ idle=\\d+ flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=\\d+ qbuf-free=\\d+ argv-mem=\\d+ multi-mem=0 rbs=\\d+ rbp=\\d+ obl=\\d+ oll=\\d+ omem=\\d+ tot-mem=\\d+ events=r cmd=client\\|info user=default redir=-1 resp=2\\n$`,
      ),
    );
    const list = (await a.call('CLIENT', 'LIST')) as string;
    assert.equal(list.split('\n').filter(Boolean).length, srv.server.clients.size);
    const pubsub = (await a.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
    assert.match(pubsub, new RegExp(`^id=${idb} .* name=bee .* flags=P .* sub=1 `));
    assert.equal(pubsub.split('\n').filter(Boolean).length, 1);
    const byId = (await a.call('CLIENT', 'LIST', 'ID', String(idb), '999999', String(ida))) as string;
    assert.deepEqual(
      byId
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ')[0]),
      [`id=${idb}`, `id=${ida}`],
    );
    assert.equal(await a.call('CLIENT', 'SETINFO', 'LIB-NAME', 'redis-py'), 'OK');
    assert.equal(String(await a.call('CLIENT', 'SETINFO', 'LIB-NAME', 'a b')), 'ERR lib-name cannot contain spaces, newlines or special characters.');
    assert.equal(await a.call('CLIENT', 'NO-EVICT', 'on'), 'OK');
    assert.match((await a.call('CLIENT', 'INFO')) as string, / flags=e /);
    assert.equal(await a.call('CLIENT', 'TRACKING', 'on'), 'OK');
    assert.match((await a.call('CLIENT', 'INFO')) as string, / flags=te .* redir=0 /);
    assert.equal(await a.call('CLIENT', 'TRACKING', 'off'), 'OK');
  } finally {
    a.close();
    b.close();
  }
});

test('CLIENT KILL: old form, filters, SKIPME, killing itself', async () => {
  const a = await TestClient.connect(srv.port);
  const b = await TestClient.connect(srv.port);
  const p = await TestClient.connect(srv.port);
  try {
    await p.call('SUBSCRIBE', 'x');
    const infoB = (await b.call('CLIENT', 'INFO')) as string;
    const addrB = /addr=(\S+)/.exec(infoB)![1];
    assert.equal(await a.call('CLIENT', 'KILL', addrB), 'OK');
    assert.equal(await b.waitClose(), true);
    assert.equal(await a.call('CLIENT', 'KILL', 'TYPE', 'pubsub'), 1);
    assert.equal(await p.waitClose(), true);
    const infoA = (await a.call('CLIENT', 'INFO')) as string;
    const addrA = /addr=(\S+)/.exec(infoA)![1];
    const laddr = /laddr=(\S+)/.exec(infoA)![1];
    assert.equal(await a.call('CLIENT', 'KILL', 'ADDR', addrA), 0, 'SKIPME yes by default');
    const n = srv.server.clients.size;
    assert.equal(await a.call('CLIENT', 'KILL', 'LADDR', laddr, 'SKIPME', 'no'), n);
    assert.equal(await a.waitClose(), true);
  } finally {
    a.close();
    b.close();
    p.close();
  }
});

test('CLIENT REPLY OFF/ON/SKIP, CLIENT PAUSE WRITE/UNPAUSE, CLIENT UNBLOCK', async () => {
  const a = await TestClient.connect(srv.port);
  const b = await TestClient.connect(srv.port);
  try {
    // OFF: nothing until ON; SKIP: only the next command is silent
    a.write('*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$3\r\nOFF\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n');
    assert.equal(await a.callRaw('CLIENT', 'REPLY', 'ON'), '+OK\r\n');
    a.write('*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$4\r\nSKIP\r\n*2\r\n$4\r\nECHO\r\n$1\r\ny\r\n');
    assert.equal(await a.callRaw('ECHO', 'z'), '$1\r\nz\r\n');
    // PAUSE WRITE holds writes, not reads
    assert.equal(await a.call('CLIENT', 'PAUSE', '10000', 'WRITE'), 'OK');
    let done = false;
    const pending = b.call('SET', 'paused', '1').then((r) => {
      done = true;
      return r;
    });
    assert.equal(await a.call('GET', 'paused'), null);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(done, false);
    assert.equal(await a.call('CLIENT', 'UNPAUSE'), 'OK');
    assert.equal(await pending, 'OK');
    // UNBLOCK a BLPOP with TIMEOUT and with ERROR
    const idb = (await b.call('CLIENT', 'ID')) as number;
    const blocked = b.call('BLPOP', 'nolist', '0');
    await waitFor(() => srv.server.blocking.blockedClients.size > 0, 10000, 'blocked');
    assert.equal(await a.call('CLIENT', 'UNBLOCK', String(idb)), 1);
    assert.equal(await blocked, null);
    const blocked2 = b.call('BLPOP', 'nolist', '0');
    await waitFor(() => srv.server.blocking.blockedClients.size > 0, 10000, 'blocked');
    assert.equal(await a.call('CLIENT', 'UNBLOCK', String(idb), 'ERROR'), 1);
    assert.equal(String(await blocked2), 'UNBLOCKED client unblocked via CLIENT UNBLOCK');
    assert.equal(await a.call('CLIENT', 'UNBLOCK', String(idb)), 0);
  } finally {
    a.close();
    b.close();
  }
});

// ---------------------------------------------------------------- keyspace-wide commands

test('DBSIZE, FLUSHDB, FLUSHALL, SWAPDB and WATCH as Redis 7.0', async () => {
  const a = await TestClient.connect(srv.port);
  const b = await TestClient.connect(srv.port);
  const propagated: string[][] = [];
  const sink = { feed: (_db: number, argv: string[]) => propagated.push(argv) };
  srv.server.propagation.listeners.push(sink);
  try {
    await a.call('FLUSHALL');
    await a.call('MSET', 'k1', 'v', 'k2', 'v');
    assert.equal(await a.call('DBSIZE'), 2);
    // a watched key that exists is touched by FLUSHDB; one that does not is left alone by FLUSHALL
    await b.call('WATCH', 'k1');
    await a.call('FLUSHDB');
    await b.call('MULTI');
    await b.call('PING');
    assert.equal(await b.call('EXEC'), null);
    await b.call('WATCH', 'missing');
    await a.call('FLUSHALL', 'ASYNC');
    await b.call('MULTI');
    await b.call('PING');
    assert.deepEqual(await b.call('EXEC'), ['PONG']);
    assert.equal(String(await a.call('FLUSHALL', 'foo')), 'ERR syntax error');
    assert.equal(String(await a.call('FLUSHDB', 'SYNC', 'x')), 'ERR syntax error');
    // an empty FLUSHDB is still propagated
    propagated.length = 0;
    await a.call('FLUSHDB');
    assert.deepEqual(propagated, [['FLUSHDB']]);
    // SWAPDB: data moves, WATCH on a key that appears is touched, BLPOP wakes up
    await a.call('SELECT', '1');
    await a.call('RPUSH', 'q', 'item');
    await b.call('SELECT', '0');
    await b.call('WATCH', 'q');
    const waiter = await TestClient.connect(srv.port);
    const popped = waiter.call('BLPOP', 'q', '5');
    await waitFor(() => srv.server.blocking.blockedClients.size > 0, 10000, 'blocked');
    assert.equal(await a.call('SWAPDB', '0', '1'), 'OK');
    assert.deepEqual(await popped, ['q', 'item']);
    waiter.close();
    await b.call('MULTI');
    await b.call('PING');
    assert.equal(await b.call('EXEC'), null);
    assert.equal(String(await a.call('SWAPDB', 'a', '1')), 'ERR invalid first DB index');
    assert.equal(String(await a.call('SWAPDB', '0', 'b')), 'ERR invalid second DB index');
    assert.equal(String(await a.call('SWAPDB', '0', '99')), 'ERR DB index is out of range');
  } finally {
    srv.server.propagation.listeners.splice(srv.server.propagation.listeners.indexOf(sink), 1);
    a.close();
    b.close();
  }
});

test('TIME, LOLWUT, MONITOR', async () => {
  const a = await TestClient.connect(srv.port);
  const m = await TestClient.connect(srv.port);
  try {
    const [sec, usec] = (await a.call('TIME')) as string[];
    assert.ok(Math.abs(Number(sec) - Date.now() / 1000) < 5);
    assert.ok(Number(usec) >= 0 && Number(usec) < 1000000);
    assert.equal(await a.callRaw('LOLWUT'), '$18\r\nRedis ver. 7.0.15\n\r\n');
    assert.equal(await m.call('MONITOR'), 'OK');
    await a.call('SELECT', '2');
    await a.call('SET', 'mk', 'a b"c');
    let line = '';
    while (!line.includes('"SET"')) line = String(await m.nextPush());
    assert.match(line, /^\d+\.\d{6} \[2 127\.0\.0\.1:\d+\] "SET" "mk" "a b\\"c"$/);
  } finally {
    a.close();
    m.close();
  }
});

test('SHUTDOWN: errors, then NOSAVE closes the server', async () => {
  const s = await startTredis();
  const c = await TestClient.connect(s.port);
  try {
    assert.equal(await c.callRaw('SHUTDOWN', 'foo'), '-ERR syntax error\r\n');
    assert.equal(await c.callRaw('SHUTDOWN', 'SAVE', 'NOSAVE'), '-ERR syntax error\r\n');
    assert.equal(await c.callRaw('SHUTDOWN', 'ABORT'), '-ERR No shutdown in progress.\r\n');
    c.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
    assert.equal(await c.waitClose(10000), true);
    await assert.rejects(TestClient.connect(s.port));
  } finally {
    c.close();
    await s.close();
  }
});

// ---------------------------------------------------------------- DEBUG, MEMORY, LATENCY, SLOWLOG

test('DEBUG is refused unless enable-debug-command allows it', async () => {
  const s = await startTredis();
  try {
    await withClient(s.port, async (c) =>
      assert.equal(
        await c.callRaw('DEBUG', 'SLEEP', '0'),
        '-ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n',
      ),
    );
  } finally {
    await s.close();
  }
  const l = await startTredis({ enableDebugCommand: 'local' });
  try {
    await withClient(l.port, async (c) => assert.equal(await c.call('DEBUG', 'SLEEP', '0'), 'OK'));
  } finally {
    await l.close();
  }
});

test('DEBUG replies are byte-identical to redis-server (PROTOCOL, POPULATE, DIGEST, errors)', skipRedis, async () => {
  const data = [
    ['FLUSHALL'],
    ['DEBUG', 'POPULATE', '50'],
    ['DEBUG', 'POPULATE', '10', 'pfx', '20'],
    ['GET', 'pfx:3'],
    ['RPUSH', 'l', 'a', 'b', 'c'],
    ['SADD', 's', '1', '2', 'x'],
    ['HSET', 'h', 'f', 'v', 'g', 'w'],
    ['ZADD', 'z', '1.5', 'm', '2', 'n'],
    ['SET', 'ttl', 'v', 'EX', '1000'],
    ['SELECT', '5'],
    ['SET', 'other', 'db'],
    ['DEBUG', 'DIGEST'],
    ['DEBUG', 'DIGEST-VALUE', 'other', 'nokey'],
    ['SELECT', '0'],
    ['DEBUG', 'DIGEST-VALUE', 'l', 's', 'h', 'z', 'ttl', 'key:7'],
    ['DEBUG', 'POPULATE', '-1'],
    ['DEBUG', 'POPULATE'],
    ['DEBUG', 'OBJECT', 'nokey'],
    ['DEBUG', 'ERROR', 'foo'],
    ['DEBUG', 'SLEEP', '0'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
    ['DEBUG', 'CHANGE-REPL-ID'],
    ['DEBUG', 'STRINGMATCH-LEN'],
    ['DEBUG', 'NOSUCH'],
    ['DEBUG', 'LOG', 'hello'],
    ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1xb'],
    ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '10'],
    // (MEMORY USAGE of an existing key reports what the key costs in tredis: see eviction.test.ts)
    ['MEMORY', 'USAGE', 'nokey'],
    ['MEMORY', 'USAGE', 'key:0', 'SAMPLES', '-1'],
    ['MEMORY', 'USAGE', 'key:0', 'FOO'],
    ...['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false', 'foo'].map((t) => ['DEBUG', 'PROTOCOL', t]),
  ];
  await sameBytes(data);
  // (RESP3 attributes are not parsed by the test client: compared raw below)
  await sameBytes(['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'push', 'verbatim', 'true', 'false'].map((t) => ['DEBUG', 'PROTOCOL', t]), 3);
  const rawAttrib = async (port: number): Promise<string> => {
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    sock.on('data', (d) => (got += d.toString('latin1')));
    sock.write('HELLO 3\r\nDEBUG PROTOCOL attrib\r\n');
    await waitFor(() => got.endsWith('Some real reply following the attribute\r\n'), 10000, 'attrib reply');
    sock.destroy();
    return got.slice(got.indexOf('|1'));
  };
  assert.equal(await rawAttrib(srv.port), await rawAttrib(redis!.port));
});

test('DEBUG OBJECT, JMAP, HELP; MEMORY STATS/DOCTOR; HELP texts', async () => {
  await withClient(srv.port, async (c) => {
    await c.call('SET', 'n', '12');
    await c.call('SET', 'e', 'hello');
    assert.match((await c.call('DEBUG', 'OBJECT', 'n')) as string, /^Value at:0x[0-9a-f]+ refcount:2147483647 encoding:int serializedlength:2 lru:\d+ lru_seconds_idle:\d+$/);
    assert.match((await c.call('DEBUG', 'OBJECT', 'e')) as string, /^Value at:0x[0-9a-f]+ refcount:1 encoding:embstr serializedlength:6 lru:\d+ lru_seconds_idle:\d+$/);
    assert.match((await c.call('DEBUG', 'JMAP')) as string, /used_heap_size:\d+/);
    const stats = (await c.call('MEMORY', 'STATS')) as Reply[];
    const keys = stats.filter((_, i) => i % 2 === 0);
    assert.deepEqual(keys.slice(0, 10), ['peak.allocated', 'total.allocated', 'startup.allocated', 'replication.backlog', 'clients.slaves', 'clients.normal', 'cluster.links', 'aof.buffer', 'lua.caches', 'functions.caches']);
    assert.ok(keys.includes('db.0') && keys.includes('keys.count') && keys.includes('fragmentation.bytes'));
    assert.match((await c.call('MEMORY', 'DOCTOR')) as string, /^Hi Sam, /);
    const help = (await c.call('DEBUG', 'HELP')) as string[];
    assert.equal(help[0], 'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  });
});

test('HELP texts are byte-identical to redis-server', skipRedis, async () => {
  await sameBytes([['SLOWLOG', 'HELP'], ['LATENCY', 'HELP'], ['MEMORY', 'HELP'], ['LOLWUT'], ['LATENCY', 'GRAPH', 'nosuch'], ['SLOWLOG', 'GET', '-2'], ['SLOWLOG', 'GET', '1', '2']]);
});

test('LATENCY monitor: LATEST, HISTORY, GRAPH, DOCTOR, RESET', async () => {
  await withClient(srv.port, async (c) => {
    assert.match((await c.call('LATENCY', 'DOCTOR')) as string, /^I'm sorry, Dave, I can't do that\. Latency monitoring is disabled/);
    await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '5');
    assert.match((await c.call('LATENCY', 'DOCTOR')) as string, /^Dave, no latency spike was observed/);
    await c.call('DEBUG', 'SLEEP', '0.02');
    const latest = (await c.call('LATENCY', 'LATEST')) as Reply[][];
    assert.equal(latest.length, 1);
    assert.equal(latest[0][0], 'command');
    assert.ok((latest[0][2] as number) >= 20 && (latest[0][3] as number) >= 20);
    const hist = (await c.call('LATENCY', 'HISTORY', 'command')) as number[][];
    assert.equal(hist.length, 1);
    const graph = (await c.call('LATENCY', 'GRAPH', 'command')) as string;
    assert.match(graph, /^command - high \d+ ms, low \d+ ms \(all time high \d+ ms\)\n-{80}\n \n \n \n_\n \n\d\ns\n$/);
    assert.match((await c.call('LATENCY', 'DOCTOR')) as string, /^Dave, I have observed latency spikes in this Redis instance\./);
    assert.equal(await c.call('LATENCY', 'RESET', 'nosuch'), 0);
    assert.equal(await c.call('LATENCY', 'RESET'), 1);
    assert.deepEqual(await c.call('LATENCY', 'LATEST'), []);
    await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '0');
  });
});

test('SLOWLOG: GET/LEN/RESET, redaction of secrets, skip_slowlog commands', async () => {
  await withClient(srv.port, async (c) => {
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    assert.equal(await c.call('SLOWLOG', 'RESET'), 'OK');
    await c.call('CLIENT', 'SETNAME', 'slowpoke');
    await c.call('SET', 'sk', 'sv');
    await c.call('CONFIG', 'SET', 'masterauth', 'secret');
    await c.call('AUTH', 'x', 'y');
    await c.call('MULTI');
    await c.call('PING');
    await c.call('EXEC');
    const log = (await c.call('SLOWLOG', 'GET', '-1')) as Reply[][];
    const argvs = log.map((e) => (e[3] as string[]).join(' '));
    assert.ok(argvs.includes('SET sk sv'));
    assert.ok(argvs.includes('CONFIG SET masterauth (redacted)'));
    assert.ok(argvs.includes('AUTH (redacted) (redacted)'));
    assert.ok(!argvs.includes('EXEC'));
    const setEntry = log.find((e) => (e[3] as string[])[0] === 'SET')!;
    assert.equal(typeof setEntry[0], 'number');
    assert.match(setEntry[4] as string, /^127\.0\.0\.1:\d+$/);
    assert.equal(setEntry[5], 'slowpoke');
    assert.ok(((await c.call('SLOWLOG', 'LEN')) as number) >= 4);
    assert.equal(((await c.call('SLOWLOG', 'GET', '1')) as Reply[]).length, 1);
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000', 'masterauth', '');
    assert.equal(await c.call('SLOWLOG', 'RESET'), 'OK');
    assert.equal(await c.call('SLOWLOG', 'LEN'), 0);
    assert.deepEqual(await c.call('SLOWLOG', 'GET'), []);
  });
});
