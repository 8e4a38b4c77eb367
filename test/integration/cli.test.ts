/**
 * tredis-cli against the reference redis-cli 7.0: both clients run the same
 * invocations against the same server and must print identical bytes.
 *
 * The server under test is a parameter: TREDIS_CLI_TEST_TARGET=redis (default,
 * the real redis-server) or TREDIS_CLI_TEST_TARGET=tredis (bin/tredis-server).
 * Without redis-cli (and redis-server for the redis target) the tests are
 * skipped, except under CI=true where that is a failure.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { RespConnection } from '../../src/cli/resp-connection';
import { ROOT } from '../helpers/servers';

const CLI = path.join(ROOT, 'bin', 'tredis-cli');
const TARGET = process.env['TREDIS_CLI_TEST_TARGET'] ?? 'redis';

function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

const missing: string[] = [];
if (!hasBinary('redis-cli')) missing.push('redis-cli');
if (TARGET === 'redis' && !hasBinary('redis-server')) missing.push('redis-server');
if (missing.length > 0 && process.env['CI'] === 'true') {
  throw new Error(`${missing.join(' and ')} not installed but CI=true: install redis-server and redis-tools`);
}
const SKIP: string | false = missing.length > 0 ? `${missing.join(' and ')} not installed (apt-get install redis-server redis-tools); skipped` : false;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

let server: ChildProcess | null = null;
let serverLog = '';
let port = 0;
let deadPort = 0;
let dir = '';

/** Command line for the server under test. */
function serverCommand(p: number, d: string): [string, string[]] {
  const common = ['--port', String(p), '--bind', '127.0.0.1', '--dir', d, '--save', '', '--enable-debug-command', 'yes'];
  if (TARGET === 'tredis') return [process.execPath, [path.join(ROOT, 'bin', 'tredis-server'), ...common]];
  if (TARGET === 'redis') return ['redis-server', common];
  throw new Error(`unknown TREDIS_CLI_TEST_TARGET ${TARGET} (use redis or tredis)`);
}

/** Run commands on one connection (so SELECT applies to the following ones). */
async function calls(commands: Array<Array<string | Buffer>>): Promise<void> {
  const c = await RespConnection.connect({ host: '127.0.0.1', port });
  try {
    for (const args of commands) {
      const r = await c.call(args.map((a) => (typeof a === 'string' ? Buffer.from(a) : a)));
      // Not fatal: both clients then see the same (partial) data set, which is
      // all these comparisons need (useful while the tredis target grows).
      if (r.type === 'error') process.stderr.write(`# fixture ${args.join(' ')}: ${r.str.toString()}\n`);
    }
  } finally {
    c.close();
  }
}

async function waitReady(): Promise<void> {
  const deadline = Date.now() + 20000;
  for (;;) {
    if (server !== null && server.exitCode !== null) throw new Error(`server exited: ${serverLog}`);
    try {
      const c = await RespConnection.connect({ host: '127.0.0.1', port });
      const r = await c.call([Buffer.from('PING')]);
      c.close();
      if (r.type === 'status') return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`server not ready: ${serverLog}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  if (SKIP !== false) return;
  port = await freePort();
  deadPort = await freePort();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tredis-cli-test-'));
  const [bin, args] = serverCommand(port, dir);
  server = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout?.on('data', (d: Buffer) => (serverLog += d.toString()));
  server.stderr?.on('data', (d: Buffer) => (serverLog += d.toString()));
  await waitReady();
  // Fixture data shared by the cases below.
  const fixtures: Array<Array<string | Buffer>> = [
    ['SET', 'bin', Buffer.from([0x61, 0x00, 0x01, 0x0a, 0x09, 0x22, 0x5c, 0x62, 0xff, 0xc3, 0xa9, 0x0d, 0x07, 0x08])],
    ['SET', 'plain', 'hello world'],
    ['RPUSH', 'list', 'a', 'b', 'c d', '', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'],
    ['HSET', 'hash', 'f1', 'v1', 'f2', 'v2'],
    ['SADD', 'set', 'x'],
    ['ZADD', 'zset', '1.5', 'm1', '2', 'm2'],
    ['XADD', 'stream', '1-1', 'f1', 'v1', 'f2', 'v2'],
    ['XADD', 'stream', '2-1', 'g', 'w'],
    ['SELECT', '2'],
    ['SET', 'other', 'o'],
  ];
  for (let i = 0; i < 30; i++) fixtures.push(['SET', `scan:${i}`, String(i)]);
  await calls(fixtures);
});

after(async () => {
  if (server !== null && server.exitCode === null) {
    const done = new Promise<void>((r) => server?.once('exit', () => r()));
    server.kill('SIGTERM');
    const t = setTimeout(() => server?.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(t);
  }
  if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
});

/** The test process environment without REDISCLI_AUTH, plus `extra`. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env['REDISCLI_AUTH'];
  return env;
}

interface RunResult {
  stdout: Buffer;
  stderr: string;
  status: number | null;
}

function runCli(bin: 'redis-cli' | 'tredis-cli', args: string[], input?: string | Buffer): RunResult {
  const [cmd, argv] = bin === 'redis-cli' ? ['redis-cli', args] : [process.execPath, [CLI, ...args]];
  const r = spawnSync(cmd, argv, {
    input: input ?? '',
    cwd: ROOT,
    timeout: 20000,
    env: cleanEnv({ REDISCLI_HISTFILE: '/dev/null' }),
  });
  return { stdout: r.stdout, stderr: r.stderr.toString('latin1'), status: r.status };
}

/** Options of {@link same}. */
interface SameOptions {
  /** Standard input for both clients. */
  input?: string | Buffer;
  /** Commands run before each client, to give both the same starting state. */
  reset?: Array<Array<string | Buffer>>;
}

/**
 * Run both clients with the same arguments and stdin; stdout must match byte
 * for byte, and exit codes and stderr must match as well.
 */
async function same(args: string[], opts: SameOptions | string | Buffer = {}): Promise<RunResult> {
  const o: SameOptions = typeof opts === 'string' || Buffer.isBuffer(opts) ? { input: opts } : opts;
  if (o.reset !== undefined) await calls(o.reset);
  const ref = runCli('redis-cli', args, o.input);
  if (o.reset !== undefined) await calls(o.reset);
  const got = runCli('tredis-cli', args, o.input);
  const show = (b: Buffer): string => JSON.stringify(b.toString('latin1'));
  assert.equal(show(got.stdout), show(ref.stdout), `stdout of ${args.join(' ')} (tredis-cli stderr: ${JSON.stringify(got.stderr)})`);
  assert.equal(got.stderr, ref.stderr, `stderr of ${args.join(' ')}`);
  assert.equal(got.status, ref.status, `exit code of ${args.join(' ')}`);
  return got;
}

const p = (): string[] => ['-p', String(port)];

test('one-shot commands in raw mode (stdout not a tty)', { skip: SKIP }, async () => {
  await same([...p(), 'PING']);
  await same([...p(), 'GET', 'plain']);
  await same([...p(), 'GET', 'bin']);
  await same([...p(), 'GET', 'nokey']);
  await same([...p(), 'INCR', 'counter'], { reset: [['DEL', 'counter']] });
  await same([...p(), 'LRANGE', 'list', '0', '-1']);
  await same([...p(), 'LRANGE', 'nokey', '0', '-1']);
  await same([...p(), 'XRANGE', 'stream', '-', '+']);
  await same([...p(), 'HGETALL', 'hash']);
  await same([...p(), 'NOSUCHCOMMAND', 'x']);
  await same([...p(), 'INFO', 'keyspace']);
  await same([...p(), 'SET', 'k', 'v', 'EX', 'notanumber']);
});

test('--no-raw formatting: nested arrays, nil, integers, errors, binary strings', { skip: SKIP }, async () => {
  await same([...p(), '--no-raw', 'PING']);
  await same([...p(), '--no-raw', 'GET', 'bin']);
  await same([...p(), '--no-raw', 'GET', 'nokey']);
  await same([...p(), '--no-raw', 'STRLEN', 'plain']);
  await same([...p(), '--no-raw', 'LRANGE', 'list', '0', '-1']);
  await same([...p(), '--no-raw', 'LRANGE', 'nokey', '0', '-1']);
  await same([...p(), '--no-raw', 'XRANGE', 'stream', '-', '+']);
  await same([...p(), '--no-raw', 'NOSUCHCOMMAND']);
  await same([...p(), '--no-raw', 'HGETALL', 'hash']);
  await same([...p(), '--no-raw', 'ZRANGE', 'zset', '0', '-1', 'WITHSCORES']);
  await same([...p(), '--no-raw', 'MGET', 'plain', 'nokey', 'bin']);
  await same([...p(), '--no-raw', 'EVAL', "return {1,{2,{3,'x'}},'y',{},redis.error_reply('My err')}", '0']);
});

test('-n selects the database, -r repeats, -d/-D change delimiters', { skip: SKIP }, async () => {
  await same([...p(), '-n', '2', 'GET', 'other']);
  await same([...p(), '-n', '2', '--no-raw', 'DBSIZE']);
  await same([...p(), '-n', '99', 'PING']);
  await same([...p(), '-r', '3', 'INCR', 'repeated'], { reset: [['DEL', 'repeated']] });
  await same([...p(), '-r', '2', '-i', '0.05', '--no-raw', 'LRANGE', 'list', '0', '1']);
  await same([...p(), '-r', '0', 'PING']);
  await same([...p(), '-d', ',', 'LRANGE', 'list', '0', '3']);
  await same([...p(), '-D', '', 'LRANGE', 'list', '0', '3']);
});

test('-x reads the last argument from stdin, -X replaces a tag', { skip: SKIP }, async () => {
  await same([...p(), '-x', 'SET', 'fromstdin'], 'line one\nline two\n');
  await same([...p(), 'GET', 'fromstdin']);
  await same([...p(), '--no-raw', 'GET', 'fromstdin']);
  await same([...p(), '-X', 'TAG', 'SET', 'tagged', 'TAG'], Buffer.from([0x00, 0x01, 0x41]));
  await same([...p(), '--no-raw', 'GET', 'tagged']);
  await same([...p(), '-X', 'TAG', 'SET', 'tagged', 'nope'], 'x');
});

test('commands piped on stdin, with quoting rules', { skip: SKIP }, async () => {
  const script = [
    'set q "a\\x41\\n\\"b\\tc" ',
    'get q',
    "set q2 'it\\'s'",
    'get q2',
    'set q3 "unterminated',
    '"a"b',
    'get  ""',
    '',
    '   ',
    'lrange list 0 -1',
    '3 ping',
    '0 ping',
    '"" ping',
    'x ping',
    'select 2',
    'get other',
    'hgetall hash',
    'get bin',
    'multi',
    'incr piped',
    'get scan:7',
    'exec',
    ':set hints',
    ':unknown',
    'quit',
    'ping',
  ].join('\n');
  const reset = [['SELECT', '2'], ['DEL', 'piped']];
  await same(p(), { input: script + '\n', reset });
  await same([...p(), '--no-raw'], { input: script + '\n', reset });
  await same([...p(), '-e'], 'nosuchcommand\nping\n');
  await same(p(), 'ping\r\nping'); // CR is a separator, no trailing newline at EOF
});

test('--scan with --pattern lists keys', { skip: SKIP }, async () => {
  await same([...p(), '-n', '2', '--scan']);
  await same([...p(), '-n', '2', '--scan', '--pattern', 'scan:1*']);
  await same([...p(), '--no-raw', '--scan', '--pattern', 'b*']);
});

test('RESP3 (-3): maps, sets, doubles, booleans', { skip: SKIP }, async () => {
  await same([...p(), '-3', '--no-raw', 'HGETALL', 'hash']);
  await same([...p(), '-3', 'HGETALL', 'hash']);
  await same([...p(), '-3', '--no-raw', 'SMEMBERS', 'set']);
  await same([...p(), '-3', 'SMEMBERS', 'set']);
  await same([...p(), '-3', '--no-raw', 'ZSCORE', 'zset', 'm1']);
  await same([...p(), '-3', 'ZSCORE', 'zset', 'm1']);
  await same([...p(), '-3', '--no-raw', 'ZRANGE', 'zset', '0', '-1', 'WITHSCORES']);
  await same([...p(), '-3', '--no-raw', 'HGETALL', 'nokey']);
  await same([...p(), '-3', '--no-raw', 'XINFO', 'STREAM', 'stream', 'FULL']);
  await same([...p(), '-3', '--no-raw', 'EVAL', "redis.setresp(3); return {true, false, {map={a=1}}, {double=3.25}}", '0']);
  // Map values spanning several lines start on their own line.
  for (const lua of ['{map={a={7}}}', '{map={a={7,8,9}}}', '{map={a={map={x={5,6},y=2}}}}', '{1,{map={a={5,6}}}}', '{map={d={}, e={map={}}}}']) {
    await same([...p(), '-3', '--no-raw', 'EVAL', `redis.setresp(3); return ${lua}`, '0']);
    await same([...p(), '-3', 'EVAL', `redis.setresp(3); return ${lua}`, '0']);
  }
  await same([...p(), '-3', '--no-raw', 'CONFIG', 'GET', 'maxmemory*']);
});

test('--csv and --json output', { skip: SKIP }, async () => {
  for (const mode of ['--csv', '--json', '--quoted-json']) {
    await same([...p(), mode, 'LRANGE', 'list', '0', '-1']);
    await same([...p(), mode, 'GET', 'bin']);
    await same([...p(), mode, 'GET', 'nokey']);
    await same([...p(), mode, 'NOSUCHCOMMAND']);
    await same([...p(), mode, 'HGETALL', 'hash']);
  }
});

test('-e exits non-zero on an error reply', { skip: SKIP }, async () => {
  const r = await same([...p(), '-e', 'NOSUCHCOMMAND']);
  assert.equal(r.status, 1);
  assert.equal(r.stdout.length, 0);
  await same([...p(), '-e', '--no-raw', 'NOSUCHCOMMAND']);
  await same([...p(), '-e', 'PING']);
});

test('connection and authentication errors', { skip: SKIP }, async () => {
  const r = await same(['-p', String(deadPort), 'PING']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `Could not connect to Redis at 127.0.0.1:${deadPort}: Connection refused\n`);
  await same(['-p', String(deadPort)], 'ping\nping\n');
  await same(['-s', path.join(os.tmpdir(), 'no-such-tredis.sock'), 'PING']);
  await same([...p(), '-a', 'wrong', 'PING']);
  await same([...p(), '-a', 'wrong', '--no-auth-warning', 'PING']);
  await same([...p(), '--user', 'nobody', '--pass', 'wrong', 'PING']);
  await same(['-u', `redis://:wrong@127.0.0.1:${port}/2`, 'PING']);
  await same(['-u', `redis://127.0.0.1:${port}/2`, 'GET', 'other']);
  await same(['-u', 'http://x']);
});

test('option errors', { skip: SKIP }, async () => {
  await same([...p(), '--no-such-option']);
  await same([...p(), '-p']);
  await same([...p(), '-x', '-X', 'a', 'PING']);
});

/** One step of an interactive session: type text, or wait for output. */
type Step = { send: string } | { until: RegExp } | { sleep: number } | { run: () => Promise<void> };

/**
 * Drive tredis-cli on a pseudo-terminal through util-linux `script`. An
 * `until` step waits (bounded) for the output produced since the last `send`
 * to match; terminal control sequences are stripped from the output.
 */
async function interactive(args: string[], steps: Step[], env: NodeJS.ProcessEnv = {}): Promise<{ out: string; code: number | null }> {
  // `exec`: no shell stays between script(1) and the CLI. Otherwise a shell
  // such as dash (script's default when SHELL is unset, as under CI) also
  // receives the terminal's Ctrl-C and kills itself with SIGINT (status 130)
  // after the CLI exits normally.
  const cmd = `exec ${[process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ')}`;
  const child = spawn('script', ['-qec', cmd, '/dev/null'], {
    cwd: ROOT,
    env: cleanEnv({ TERM: 'dumb', ...env }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let raw = '';
  let mark = 0;
  const clean = (): string => raw.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  let notify: (() => void) | null = null;
  const onData = (d: Buffer): void => {
    raw += d.toString('latin1');
    if (notify !== null) notify();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30000);
  try {
    for (const step of steps) {
      if ('send' in step) {
        mark = clean().length;
        child.stdin.write(step.send);
      } else if ('sleep' in step) {
        await new Promise((r) => setTimeout(r, step.sleep));
      } else if ('run' in step) {
        await step.run();
      } else {
        const deadline = Date.now() + 15000;
        while (!step.until.test(clean().slice(mark))) {
          if (Date.now() > deadline || child.exitCode !== null) {
            throw new Error(`timed out waiting for ${String(step.until)}; output so far:\n${clean()}`);
          }
          await new Promise<void>((resolve) => {
            notify = resolve;
            setTimeout(resolve, 100);
          });
          notify = null;
        }
      }
    }
    child.stdin.end();
    const code = await exited;
    return { out: clean(), code };
  } finally {
    clearTimeout(killer);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

const HAS_SCRIPT = hasBinary('script');
const SKIP_TTY: string | false = SKIP !== false ? SKIP : HAS_SCRIPT ? false : 'util-linux script not installed; skipped';
const PROMPT_END = /> $/;

test('interactive prompt: db in prompt, formatted replies, errors, history', { skip: SKIP_TTY }, async () => {
  const histDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tredis-cli-hist-'));
  const hist = path.join(histDir, 'history');
  try {
    const lines = ['ping', 'auth secret', 'select 2', 'get other', 'mget other nokey', 'nosuchcommand', 'multi', 'discard', 'quit'];
    const steps: Step[] = [{ until: PROMPT_END }];
    for (const l of lines) steps.push({ send: `${l}\r` }, { until: l === 'quit' ? /\n$/ : /\n.*> $/s });
    const r = await interactive(['-p', String(port)], steps, { REDISCLI_HISTFILE: hist });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`127\\.0\\.0\\.1:${port}> `));
    assert.match(r.out, /PONG\r\n/);
    assert.match(r.out, new RegExp(`127\\.0\\.0\\.1:${port}\\[2\\]> `));
    assert.match(r.out, /"o"\r\n/);
    assert.match(r.out, /1\) "o"\r\n2\) \(nil\)\r\n/);
    assert.match(r.out, /\(error\) ERR unknown command 'nosuchcommand'/);
    assert.match(r.out, new RegExp(`127\\.0\\.0\\.1:${port}\\[2\\]\\(TX\\)> `));
    // AUTH is never written to the history file.
    const saved = fs.readFileSync(hist, 'utf8');
    assert.equal(saved, 'ping\nselect 2\nget other\nmget other nokey\nnosuchcommand\nmulti\ndiscard\nquit\n');
  } finally {
    fs.rmSync(histDir, { recursive: true, force: true });
  }
});

test('interactive: not connected prompt and SUBSCRIBE until Ctrl-C', { skip: SKIP_TTY }, async () => {
  const down = await interactive(
    ['-p', String(deadPort)],
    [{ until: PROMPT_END }, { send: 'ping\r' }, { until: /\n.*> $/s }, { send: 'quit\r' }, { until: /\n$/ }],
  );
  assert.match(down.out, new RegExp(`Could not connect to Redis at 127\\.0\\.0\\.1:${deadPort}: Connection refused\r\n`));
  assert.match(down.out, /not connected> /);
  assert.equal(down.code, 0);

  const sub = await interactive(
    ['-p', String(port)],
    [
      { until: PROMPT_END },
      { send: 'subscribe news\r' },
      { until: /3\) \(integer\) 1\r\n$/ },
      { run: () => calls([['PUBLISH', 'news', 'hello']]) },
      { until: /3\) "hello"\r\n$/ },
      { send: '\x03' },
      { until: /> $/ },
      { send: 'ping\r' },
      { until: /PONG\r\n.*> $/s },
      { send: 'quit\r' },
      { until: /\n$/ },
    ],
  );
  assert.match(sub.out, /Reading messages\.\.\. \(press Ctrl-C to quit\)\r\n1\) "subscribe"\r\n2\) "news"\r\n3\) \(integer\) 1\r\n/);
  assert.match(sub.out, /1\) "message"\r\n2\) "news"\r\n3\) "hello"\r\n\^C/);
  assert.match(sub.out, /PONG\r\n/);
  assert.equal(sub.code, 0);
});
