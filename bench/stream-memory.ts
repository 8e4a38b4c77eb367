/**
 * Stream memory side by side: the same N entries (`XADD s * user <rand>
 * action click`, inserted by redis-benchmark with -P 100) into redis-server
 * and into tredis, started fresh in the same run; reports the growth of each
 * process's resident set (VmRSS, sampled after the load settles) and the
 * ratio tredis/redis.
 *
 *   node dist/bench/stream-memory.js                 # 1,000,000 entries
 *   node dist/bench/stream-memory.js --n 200000
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { arg, freePort } from './util';

const ROOT = path.resolve(__dirname, '..', '..');

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

function cli(port: number, ...argv: string[]): string {
  return spawnSync('redis-cli', ['-p', String(port), ...argv], { encoding: 'utf8' }).stdout ?? '';
}

async function start(kind: 'redis' | 'tredis'): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `streammem-${kind}-`));
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--appendonly', 'no'];
  const proc =
    kind === 'redis'
      ? spawn('redis-server', common, { stdio: 'ignore' })
      : spawn(process.execPath, [path.join(ROOT, 'bin', 'tredis-server'), ...common], { stdio: 'ignore', cwd: dir });
  for (let i = 0; i < 400; i++) {
    if (cli(port, 'PING').includes('PONG')) return { port, proc };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${kind} did not start`);
}

async function measure(kind: 'redis' | 'tredis', n: number): Promise<{ before: number; after: number; len: string }> {
  const s = await start(kind);
  try {
    await new Promise((r) => setTimeout(r, 500));
    const before = rssKb(s.proc.pid as number);
    spawnSync('redis-benchmark', ['-p', String(s.port), '-c', '1', '-P', '100', '-n', String(n), '-r', '1000000', 'XADD', 's', '*', 'user', '__rand_int__', 'action', 'click'], {
      stdio: 'ignore',
      timeout: 600000,
    });
    await new Promise((r) => setTimeout(r, Number(arg("settle", "3000"))));
    const after = rssKb(s.proc.pid as number);
    return { before, after, len: cli(s.port, 'XLEN', 's').trim() };
  } finally {
    s.proc.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const n = Number(arg('n', '1000000'));
  const r = await measure('redis', n);
  const t = await measure('tredis', n);
  const gr = (r.after - r.before) / 1024;
  const gt = (t.after - t.before) / 1024;
  console.log(`stream of ${n} entries (XADD s * user <rand> action click), RSS growth`);
  console.log(`redis-server: ${gr.toFixed(1)} MB (XLEN ${r.len}, RSS ${(r.before / 1024).toFixed(1)} -> ${(r.after / 1024).toFixed(1)} MB)`);
  console.log(`tredis:       ${gt.toFixed(1)} MB (XLEN ${t.len}, RSS ${(t.before / 1024).toFixed(1)} -> ${(t.after / 1024).toFixed(1)} MB)`);
  console.log(`ratio tredis/redis: ${(gt / gr).toFixed(2)}`);
}

void main();
