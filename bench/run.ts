/**
 * npm run bench: redis-benchmark against tredis and redis-server on this
 * machine in the same run, alternating, and prints tredis/redis ratios.
 *
 *   npm run bench                 # default set, -c 50, unpipelined and -P 16
 *   npm run bench -- --tests set,get --n 200000 --rounds 3
 *
 * Numbers are requests/second as redis-benchmark reports them (-q --csv).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as os from 'node:os';

const ROOT = path.resolve(__dirname, '..', '..');

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitPing(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = spawnSync('redis-cli', ['-p', String(port), 'PING']);
    if (r.stdout?.toString().includes('PONG')) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`server on ${port} did not start`);
}

async function start(kind: 'redis' | 'tredis'): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${kind}-`));
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--appendonly', 'no'];
  const proc =
    kind === 'redis'
      ? spawn('redis-server', common, { stdio: 'ignore' })
      : spawn(process.execPath, [path.join(ROOT, 'bin', 'tredis-server'), ...common, '--logfile', path.join(dir, 'log')], { stdio: 'ignore' });
  await waitPing(port);
  return { port, proc };
}

function bench(port: number, tests: string, n: number, pipeline: number, clients: number): Map<string, number> {
  const args = ['-p', String(port), '-q', '--csv', '-c', String(clients), '-n', String(n), '-t', tests, '-P', String(pipeline)];
  const r = spawnSync('redis-benchmark', args, { encoding: 'utf8', timeout: 600000 });
  const out = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    const m = /^"([^"]+)","([\d.]+)"/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

async function main(): Promise<void> {
  if (spawnSync('sh', ['-c', 'command -v redis-benchmark']).status !== 0) {
    console.error('redis-benchmark not found: apt-get install redis-tools redis-server');
    process.exit(1);
  }
  const tests = arg('tests', 'ping_inline,ping_mbulk,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,mset');
  const n = Number(arg('n', '200000'));
  const rounds = Number(arg('rounds', '2'));
  const clients = Number(arg('c', '50'));
  const redis = await start('redis');
  const tredis = await start('tredis');
  try {
    for (const pipeline of [1, 16]) {
      const sum = { redis: new Map<string, number>(), tredis: new Map<string, number>() };
      for (let r = 0; r < rounds; r++) {
        for (const [name, srv] of [['redis', redis], ['tredis', tredis]] as const) {
          const res = bench(srv.port, tests, pipeline === 1 ? n : n * 4, pipeline, clients);
          for (const [k, v] of res) sum[name].set(k, (sum[name].get(k) ?? 0) + v / rounds);
        }
      }
      console.log(`\n-c ${clients} -P ${pipeline} (${rounds} alternating rounds, requests/s)`);
      console.log('test'.padEnd(28) + 'redis'.padStart(12) + 'tredis'.padStart(12) + 'ratio'.padStart(8));
      for (const [k, v] of sum.redis) {
        const t = sum.tredis.get(k) ?? 0;
        console.log(k.padEnd(28) + v.toFixed(0).padStart(12) + t.toFixed(0).padStart(12) + (t / v).toFixed(2).padStart(8));
      }
    }
  } finally {
    redis.proc.kill('SIGKILL');
    tredis.proc.kill('SIGKILL');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
