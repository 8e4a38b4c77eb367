import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { startTredisProcess, startRedis, redisAvailable, SKIP_NO_REDIS, freePort, tempDir, waitFor, ROOT, type ChildServer } from '../helpers/servers';
import { TestClient, parseReply, type Reply } from '../helpers/resp';

const BIN = path.join(ROOT, 'bin', 'tredis-server');
const haveRedis = redisAvailable();
const dirs: string[] = [];
const running: ChildServer[] = [];

after(async () => {
  for (const s of running) await s.kill9();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function dir(): string {
  const d = tempDir('tredis-startup-');
  dirs.push(d);
  return d;
}

async function start(extra: string[], opts: { config?: string; dir?: string } = {}): Promise<ChildServer> {
  const s = await startTredisProcess(extra, opts);
  running.push(s);
  return s;
}

async function call(port: number, ...argv: string[]): Promise<Reply> {
  const c = await TestClient.connect(port);
  try {
    return await c.call(...argv);
  } finally {
    c.close();
  }
}

/** Run a server binary expected to fail at start-up; returns its exit status and output. */
function runFailing(bin: string, args: string[], cwd: string): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync(bin === 'tredis' ? process.execPath : 'redis-server', bin === 'tredis' ? [BIN, ...args] : args, { cwd, encoding: 'latin1', timeout: 15000 });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

test('fatal config errors print the same block as redis-server and exit 1', { skip: !haveRedis && SKIP_NO_REDIS }, async () => {
  const d = dir();
  const port = String(await freePort());
  fs.writeFileSync(path.join(d, 'bad.conf'), `port ${port}\n# comment\n  daemonize maybe\n`);
  fs.writeFileSync(path.join(d, 'unknown.conf'), `port ${port}\nfoo\n`);
  fs.writeFileSync(path.join(d, 'quotes.conf'), `port ${port}\nsave "a b\n`);
  fs.writeFileSync(path.join(d, 'inc.conf'), `include ${path.join(d, 'unknown.conf')}\n`);
  // an inline comment (as in the seeds' Chinese articles) is an argument too many; the line is echoed as written
  fs.writeFileSync(path.join(d, 'zh.conf'), `port ${port}    #监听的端口，此处使用默认值\n`);
  const cases: string[][] = [
    ['zh.conf'],
    ['--port', port, '--foo', 'bar'],
    ['--port', port, '--port', '1', '2'],
    ['bad.conf'],
    ['unknown.conf', '--save', ''],
    ['quotes.conf'],
    ['inc.conf'],
    ['--port', port, '--maxmemory', '-5'],
    ['--port', port, '--save', '10'],
    ['--port', port, '--enable-debug-command', 'yes', 'x y'],
    ['--port', port, '--rename-command', 'NOSUCH', 'x'],
    ['--port', port, '--hz'],
    ['--port', port, '--dir', '/nonexistent/tredis'],
    ['--port', port, '--logfile', '/nonexistent/tredis/x.log'],
  ];
  for (const args of cases) {
    const r = runFailing('redis', args, d);
    const t = runFailing('tredis', args, d);
    assert.equal(t.status, 1, args.join(' '));
    assert.equal(r.status, 1, args.join(' '));
    assert.equal(t.stderr, r.stderr, args.join(' '));
  }
  // a config file that cannot be opened is logged, not boxed
  const r = runFailing('redis', ['nonexist.conf'], d);
  const t = runFailing('tredis', ['nonexist.conf'], d);
  assert.equal(t.status, 1);
  const msg = (s: string) => s.slice(s.indexOf('# Fatal error'));
  assert.equal(msg(t.stdout), msg(r.stdout));
  assert.match(t.stdout, /^\d+:C \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} # Fatal error, can't open config file '.*nonexist\.conf': No such file or directory\n$/);
});

test('log lines, include, SIGTERM: Redis format and clean exit', async () => {
  const d = dir();
  const inc = path.join(d, 'extra.conf');
  fs.writeFileSync(inc, 'maxmemory 5mb\nhz 20\n');
  const conf = path.join(d, 'main.conf');
  fs.writeFileSync(conf, `# main\ninclude ${inc}\nloglevel notice\n`);
  const s = await start([], { config: conf, dir: d });
  assert.deepEqual(await call(s.port, 'CONFIG', 'GET', 'maxmemory'), ['maxmemory', '5242880']);
  assert.deepEqual(await call(s.port, 'CONFIG', 'GET', 'hz'), ['hz', '20']);
  const info = (await call(s.port, 'INFO', 'server')) as string;
  assert.match(info, new RegExp(`\r\nconfig_file:${conf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\r\n`));
  const pid = s.proc.pid!;
  const exited = new Promise<number | null>((r) => s.proc.once('exit', (code) => r(code)));
  s.proc.kill('SIGTERM');
  assert.equal(await exited, 0);
  const log = fs.readFileSync(path.join(d, 'server.log'), 'latin1');
  const stamp = '\\d\\d \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d\\.\\d{3}';
  assert.match(log, new RegExp(`^${pid}:C ${stamp} # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo\n`));
  assert.match(log, new RegExp(`\n${pid}:C ${stamp} # Redis version=7\\.0\\.15, bits=64, commit=00000000, modified=0, pid=${pid}, just started\n${pid}:C ${stamp} # Configuration loaded\n`));
  assert.match(log, new RegExp(`\n${pid}:M ${stamp} \\* Ready to accept connections\n`));
  assert.match(log, / PID: \d+/);
  assert.match(log, new RegExp(`\n${pid}:signal-handler \\(\\d+\\) Received SIGTERM scheduling shutdown\\.\\.\\.\n`));
  assert.match(log, new RegExp(`\n${pid}:M ${stamp} # User requested shutdown\\.\\.\\.\n`));
  assert.match(log, new RegExp(`\n${pid}:M ${stamp} # Redis is now ready to exit, bye bye\\.\\.\\.\n$`));
});

test('--replicaof "host port" and --slaveof host port both configure replication', async () => {
  const master = await start([]);
  const a = await start(['--replicaof', `127.0.0.1 ${master.port}`]);
  const b = await start(['--slaveof', '127.0.0.1', String(master.port)]);
  for (const s of [a, b]) {
    assert.deepEqual(await call(s.port, 'CONFIG', 'GET', 'replicaof'), ['replicaof', `127.0.0.1 ${master.port}`]);
    assert.deepEqual(await call(s.port, 'CONFIG', 'GET', 'slaveof'), ['slaveof', `127.0.0.1 ${master.port}`]);
    const info = (await call(s.port, 'INFO', 'replication')) as string;
    assert.match(info, /\r\nrole:slave\r\n/);
  }
});

test('daemonize yes writes the pid file; the daemon answers and stops on SIGTERM by that pid', async () => {
  const d = dir();
  const port = await freePort();
  const pidfile = path.join(d, 'tredis.pid');
  const parent = spawn(process.execPath, [BIN, '--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'yes', '--pidfile', pidfile, '--logfile', path.join(d, 'd.log'), '--dir', d, '--save', ''], {
    stdio: 'ignore',
  });
  const code = await new Promise<number | null>((r) => parent.once('exit', (c) => r(c)));
  assert.equal(code, 0, 'the launching process returns at once');
  const pid = await waitFor(() => (fs.existsSync(pidfile) ? Number(fs.readFileSync(pidfile, 'latin1').trim()) : 0), 20000, 'pid file');
  try {
    assert.notEqual(pid, parent.pid);
    await waitFor(async () => (await call(port, 'PING').catch(() => null)) === 'PONG', 10000, 'daemon PING');
    const info = (await call(port, 'INFO', 'server')) as string;
    assert.match(info, new RegExp(`\r\nprocess_id:${pid}\r\n`));
    process.kill(pid, 'SIGTERM');
    await waitFor(
      () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      10000,
      'daemon exit',
    );
    assert.equal(fs.existsSync(pidfile), false, 'pid file removed on shutdown');
  } finally {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

test('bind several addresses, unixsocket with unixsocketperm', async () => {
  const d = dir();
  const sock = path.join(d, 'tredis.sock');
  const s = await start(['--bind', '127.0.0.1', '127.0.0.2', '--unixsocket', sock, '--unixsocketperm', '700'], { dir: d });
  assert.equal(await call(s.port, 'PING'), 'PONG');
  const c2 = await TestClient.connect(s.port, '127.0.0.2');
  assert.equal(await c2.call('PING'), 'PONG');
  c2.close();
  assert.equal(fs.statSync(sock).mode & 0o777, 0o700);
  const u = net.createConnection({ path: sock });
  await new Promise<void>((r, j) => {
    u.once('connect', () => r());
    u.once('error', j);
  });
  let buf = Buffer.alloc(0);
  const replies: Reply[] = [];
  u.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (let r = parseReply(buf, 0); r !== null; r = parseReply(buf, 0)) {
      replies.push(r[0]);
      buf = buf.subarray(r[1]);
    }
  });
  u.write('PING\r\nCLIENT INFO\r\n');
  await waitFor(() => replies.length === 2, 5000, 'unix socket replies');
  u.destroy();
  assert.equal(replies[0], 'PONG');
  assert.match(replies[1] as string, new RegExp(`addr=${sock.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:0 laddr=${sock.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:0 .*flags=U `));
});

test('protected mode refuses non-loopback clients without a password, whatever the bind list', async (t) => {
  const ext = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal);
  if (!ext) {
    t.skip('no non-loopback IPv4 address');
    return;
  }
  const s = await start(['--bind', '0.0.0.0']);
  const c = await TestClient.connect(s.port, ext.address);
  assert.equal(await c.waitClose(10000), true);
  assert.match(String(c.pushes[0]), /^DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user\./);
  if (haveRedis) {
    const r = await startRedis(['--bind', '0.0.0.0']);
    running.push(r);
    const rc = await TestClient.connect(r.port, ext.address);
    assert.equal(await rc.waitClose(10000), true);
    assert.equal(String(c.pushes[0]), String(rc.pushes[0]), 'same DENIED text as redis-server');
  }
  assert.equal(await call(s.port, 'PING'), 'PONG', 'loopback is still served');
  await call(s.port, 'CONFIG', 'SET', 'protected-mode', 'no');
  const d = await TestClient.connect(s.port, ext.address);
  assert.equal(await d.call('PING'), 'PONG');
  d.close();
});

test('timeout and maxclients from the command line', async () => {
  const s = await start(['--timeout', '1', '--maxclients', '2', '--hz', '50']);
  const a = await TestClient.connect(s.port);
  assert.equal(await a.call('PING'), 'PONG');
  const b = await TestClient.connect(s.port);
  assert.equal(await b.call('PING'), 'PONG');
  const c = await TestClient.connect(s.port);
  assert.equal(await c.waitClose(10000), true);
  assert.equal(String(c.pushes[0]), 'ERR max number of clients reached');
  assert.equal(await a.waitClose(10000), true, 'idle client closed');
  b.close();
});

test('CONFIG REWRITE on the binary keeps the file it started from', async () => {
  const d = dir();
  const conf = path.join(d, 'r.conf');
  fs.writeFileSync(conf, '# keep me\nmaxmemory 1mb\n');
  const s = await start([], { config: conf, dir: d });
  assert.equal(await call(s.port, 'CONFIG', 'SET', 'maxmemory', '2mb'), 'OK');
  assert.equal(await call(s.port, 'CONFIG', 'REWRITE'), 'OK');
  const text = fs.readFileSync(conf, 'latin1');
  // the file's final newline leaves an empty last line, kept before the appended part as Redis does
  assert.ok(text.startsWith('# keep me\nmaxmemory 2mb\n\n# Generated by CONFIG REWRITE\n'), text);
  assert.match(text, new RegExp(`\nport ${s.port}\n`));
  assert.match(text, /\nenable-debug-command yes\n/);
  assert.match(text, /\nuser default on nopass ~\* &\* \+@all\n$/);
});

test('redis-server comparison peer is reachable (sanity)', { skip: !haveRedis && SKIP_NO_REDIS }, async () => {
  const r = await startRedis();
  running.push(r);
  assert.equal(await call(r.port, 'PING'), 'PONG');
});

test('UTF-8 file names from the config file and the command line name those files (not their latin1 mojibake)', async () => {
  const d = dir();
  const conf = path.join(d, 'zh.conf');
  fs.writeFileSync(conf, 'dbfilename "数据.rdb"\nappenddirname 追加目录\n');
  const s = await start(['--pidfile', path.join(d, '进程.pid'), '--appendonly', 'yes'], { config: conf, dir: d });
  const bytes = (t: string): string => Buffer.from(t, 'utf8').toString('latin1');
  assert.deepEqual(await call(s.port, 'CONFIG', 'GET', 'dbfilename'), ['dbfilename', bytes('数据.rdb')]);
  assert.deepEqual(await call(s.port, 'CONFIG', 'GET', 'pidfile'), ['pidfile', bytes(path.join(d, '进程.pid'))]);
  assert.equal(await call(s.port, 'SET', 'k', 'v'), 'OK');
  assert.equal(await call(s.port, 'SAVE'), 'OK');
  const names = fs.readdirSync(d);
  assert.ok(names.includes('数据.rdb'), names.join(' '));
  assert.ok(names.includes('进程.pid'), names.join(' '));
  assert.ok(names.includes('追加目录'), names.join(' '));
  assert.ok(fs.readdirSync(path.join(d, '追加目录')).some((n) => n.endsWith('.manifest')));
  const exited = new Promise<number | null>((r) => s.proc.once('exit', (code) => r(code)));
  s.proc.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.ok(!fs.existsSync(path.join(d, '进程.pid')), 'pid file removed at shutdown');
});

test('a port in use or a bind address that is no address stops start-up with Redis log lines', { skip: !haveRedis && SKIP_NO_REDIS }, async () => {
  const d = dir();
  const blocker = net.createServer();
  const port = await freePort();
  await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
  try {
    const msgs = (out: string): string[] =>
      out
        .split('\n')
        .filter((l) => / # (Warning: Could not create|Failed listening)/.test(l))
        .map((l) => l.slice(l.indexOf(' # ')));
    for (const args of [
      ['--port', String(port), '--bind', '127.0.0.1', '--save', ''],
      ['--port', String(port + 1), '--bind', '#此项默认为127.0.0.1', '--save', ''],
    ]) {
      const r = runFailing('redis', args, d);
      const t = runFailing('tredis', args, d);
      assert.equal(t.status, 1);
      assert.equal(r.status, 1);
      assert.equal(msgs(r.stdout).length, 2, r.stdout);
      assert.deepEqual(msgs(t.stdout), msgs(r.stdout));
    }
  } finally {
    blocker.close();
  }
});
