/**
 * CPU per command on the server's command path, in process: a pipelined
 * buffer of one command is fed to a client the way socket reads are
 * (parser, executor gate, handler, reply), without sockets or redis-benchmark,
 * so two builds can be compared when the machine is too loaded for
 * throughput figures to mean anything. Each build runs in its own process,
 * builds alternating, several times; the minimum of each is the figure.
 *
 *   node dist/bench/command-path.js                             # this build: set get incr lpush
 *   node dist/bench/command-path.js --other old=/tmp/old/dist   # side by side with another build
 *   node dist/bench/command-path.js --tests set,get --n 300000 --runs 3
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { arg } from './util';

/** The argv of request i of a test. */
function request(test: string, i: number): string[] {
  const key = 'key:' + String(i % 10000).padStart(6, '0');
  switch (test) {
    case 'set':
      return ['SET', key, 'xxx'];
    case 'get':
      return ['GET', key];
    case 'incr':
      return ['INCR', 'counter' + (i % 100)];
    case 'lpush':
      return ['LPUSH', 'list', 'v'];
    case 'rpush':
      return ['RPUSH', 'rlist', 'element:' + (i % 1000)];
    case 'queue':
      // a queue of about 500 elements: LPUSH in, RPOP out
      return i % 2 === 0 || i < 1000 ? ['LPUSH', 'queue', 'job:' + i] : ['RPOP', 'queue'];
    case 'stack':
      return i % 2 === 0 || i < 1000 ? ['RPUSH', 'stack', 'item:' + i] : ['RPOP', 'stack'];
    case 'lrange':
      return i < 100 ? ['RPUSH', 'range', 'el:' + i] : ['LRANGE', 'range', '0', '9'];
    case 'append':
      // 10000 keys growing to a few hundred bytes
      return ['APPEND', 'app:' + String(i % 10000), 'abc'];
    case 'hset':
      return ['HSET', 'h' + (i % 1000), 'f' + (i % 10), 'v'];
    default:
      throw new Error(`unknown test ${test}`);
  }
}

/** Child mode: measure one build, print microseconds per command (best of 5 passes). */
async function measure(dist: string, test: string, n: number): Promise<void> {
  const { createServer } = require(path.join(dist, 'src', 'index.js')) as typeof import('../src/index');
  const { Client } = require(path.join(dist, 'src', 'server', 'client.js')) as typeof import('../src/server/client');
  const t = await createServer({ port: 0 });
  const s = t.server;
  const c = new Client(s, null, { fake: false });
  s.clients.set(c.id, c);
  let text = '';
  for (let i = 0; i < n; i++) {
    const argv = request(test, i);
    text += `*${argv.length}\r\n` + argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('');
  }
  const buf = Buffer.from(text, 'latin1');
  // builds before the Server was split into parts read on the server itself
  const old = s as unknown as { onData?: (c: unknown, b: Buffer) => void; connections?: { onData(c: unknown, b: Buffer): void } };
  const feed = old.connections !== undefined ? (b: Buffer) => old.connections!.onData(c, b) : (b: Buffer) => old.onData!(c, b);
  const pass = (): void => {
    for (let o = 0; o < buf.length; o += 65536) feed(buf.subarray(o, Math.min(buf.length, o + 65536)));
  };
  pass();
  pass();
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const u0 = process.cpuUsage();
    pass();
    const u = process.cpuUsage(u0);
    best = Math.min(best, (u.user + u.system) / n);
  }
  process.stdout.write(`${best}\n`);
  await t.close();
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return measure(process.argv[3], process.argv[4], Number(process.argv[5]));
  const builds: Array<[string, string]> = [['tredis', path.resolve(__dirname, '..')]];
  for (let i = 0; i < process.argv.length - 1; i++) {
    if (process.argv[i] !== '--other') continue;
    const spec = process.argv[i + 1];
    const eq = spec.indexOf('=');
    builds.push([spec.slice(0, eq), path.resolve(spec.slice(eq + 1))]);
  }
  const tests = arg('tests', 'set,get,incr,lpush').split(',');
  const n = Number(arg('n', '200000'));
  const runs = Number(arg('runs', '3'));
  console.log(`CPU microseconds per command, in process (best of ${runs} runs x 5 passes of ${n} pipelined commands)`);
  console.log(['test', ...builds.map((b) => b[0])].map((x) => x.padEnd(12)).join(''));
  for (const test of tests) {
    const best = builds.map(() => Infinity);
    for (let r = 0; r < runs; r++) {
      builds.forEach(([, dist], j) => {
        const out = spawnSync(process.execPath, [__filename, '--child', dist, test, String(n)], { encoding: 'utf8', timeout: 300_000 });
        const v = Number(out.stdout.trim());
        if (Number.isFinite(v)) best[j] = Math.min(best[j], v);
        else process.stderr.write(out.stderr);
      });
    }
    console.log([test, ...best.map((v) => v.toFixed(3))].map((x) => x.padEnd(12)).join(''));
  }
}

void main();
