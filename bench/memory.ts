/**
 * Memory side by side: each workload is loaded with `redis-cli --pipe` into a
 * fresh redis-server and a fresh tredis (this build) started in the same run;
 * reports per key the growth of the process's resident set (VmRSS, after
 * MEMORY PURGE and a settle delay) and of INFO used_memory, the load time,
 * and the ratios tredis/redis.
 *
 *   node dist/bench/memory.js                          # every workload
 *   node dist/bench/memory.js --only hash10,zset10     # some of them
 *   node dist/bench/memory.js --scale 0.1              # fewer keys
 *   node dist/bench/memory.js --tredis-dist /tmp/main-dist   # tredis from another build
 *   node dist/bench/memory.js --big-keys 1            # the big aggregates as one key each (default 10 keys)
 *   node dist/bench/memory.js --settle 8000            # wait 8 s (default 1.5) before reading RSS: V8 shrinks
 *                                                      # the young generation a load grew once idle a few seconds
 *   node dist/bench/memory.js --populate 20000000,50000000   # DEBUG POPULATE N on a fresh server of each kind:
 *                                                      # time, RSS, used_memory, whether a write still succeeds,
 *                                                      # and the largest key count each reached
 *   npm run bench -- --memory [any of these options]
 *
 * A workload is a function writing its commands in RESP: add one per data
 * type (keep them separate so parallel branches merge without conflicts).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { arg, freePort, ownedTempDir, spawnOwned } from './util';

const ROOT = path.resolve(__dirname, '..', '..');

/** RESP of one command. */
function resp(argv: readonly string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return s;
}

/** A workload: its name, how many keys it creates, and its commands written to `out`. */
interface Workload {
  name: string;
  keys: number;
  write(out: (argv: readonly string[]) => void): void;
}

/** n hashes of `fields` fields (field:j -> value:i:j): listpack-encoded in both servers. */
function smallHashes(n: number, fields: number): Workload {
  return {
    name: `${n} hashes of ${fields} fields`,
    keys: n,
    write(out) {
      for (let i = 0; i < n; i++) {
        const argv = ['HSET', `h:${i}`];
        for (let j = 0; j < fields; j++) argv.push(`field:${j}`, `value:${i}:${j}`);
        out(argv);
      }
    },
  };
}

/** n sorted sets of `members` members with fractional and integer scores: listpack-encoded. */
function smallZsets(n: number, members: number): Workload {
  return {
    name: `${n} zsets of ${members} members`,
    keys: n,
    write(out) {
      for (let i = 0; i < n; i++) {
        const argv = ['ZADD', `z:${i}`];
        for (let j = 0; j < members; j++) argv.push(j & 1 ? String(j * 1.5) : String(j), `member:${i}:${j}`);
        out(argv);
      }
    },
  };
}

/** `m` hashes of n fields (hashtable-encoded), written 100 fields a command. */
function largeHash(m: number, n: number): Workload {
  return {
    name: `${m} ${m === 1 ? 'hash' : 'hashes'} of ${n} fields`,
    keys: m,
    write(out) {
      for (let k = 0; k < m; k++) {
        for (let i = 0; i < n; i += 100) {
          const argv = ['HSET', `bighash:${k}`];
          for (let j = i; j < Math.min(n, i + 100); j++) argv.push(`field:${j}`, `value:${j}`);
          out(argv);
        }
      }
    },
  };
}

/** n lists of `items` elements (item:i:j), pushed in one RPUSH each: one listpack node each (quicklist). */
function smallLists(n: number, items: number): Workload {
  return {
    name: `${n} lists of ${items} items`,
    keys: n,
    write(out) {
      for (let i = 0; i < n; i++) {
        const argv = ['RPUSH', `l:${i}`];
        for (let j = 0; j < items; j++) argv.push(`item:${i}:${j}`);
        out(argv);
      }
    },
  };
}

/** n sets of `members` integers: intset-encoded. */
function smallIntSets(n: number, members: number): Workload {
  return {
    name: `${n} sets of ${members} ints`,
    keys: n,
    write(out) {
      for (let i = 0; i < n; i++) {
        const argv = ['SADD', `s:${i}`];
        for (let j = 0; j < members; j++) argv.push(String(i * members + j));
        out(argv);
      }
    },
  };
}

/** `m` sets of n string members (hashtable-encoded), 100 members a command. */
function largeSet(m: number, n: number): Workload {
  return {
    name: `${m} ${m === 1 ? 'set' : 'sets'} of ${n} members`,
    keys: m,
    write(out) {
      for (let k = 0; k < m; k++) {
        for (let i = 0; i < n; i += 100) {
          const argv = ['SADD', `bigset:${k}`];
          for (let j = i; j < Math.min(n, i + 100); j++) argv.push(`member:${j}`);
          out(argv);
        }
      }
    },
  };
}

/** `m` lists of n elements (a quicklist of 8 KB nodes), 100 elements a command. */
function largeList(m: number, n: number): Workload {
  return {
    name: `${m} ${m === 1 ? 'list' : 'lists'} of ${n} items`,
    keys: m,
    write(out) {
      for (let k = 0; k < m; k++) {
        for (let i = 0; i < n; i += 100) {
          const argv = ['RPUSH', `biglist:${k}`];
          for (let j = i; j < Math.min(n, i + 100); j++) argv.push(`item:${j}`);
          out(argv);
        }
      }
    },
  };
}

/** n string keys as DEBUG POPULATE makes them (key:i -> value:i), written 100 keys an MSET. */
function smallStrings(n: number): Workload {
  return {
    name: `${n} strings`,
    keys: n,
    write(out) {
      for (let i = 0; i < n; i += 100) {
        const argv = ['MSET'];
        for (let j = i; j < Math.min(n, i + 100); j++) argv.push(`key:${j}`, `value:${j}`);
        out(argv);
      }
    },
  };
}

/** The mix: 200k 10-field hashes, 100k 20-item lists, 100k 10-member zsets, 100k 10-int sets. */
function aggregateMix(scale: (n: number) => number): Workload {
  const parts = [smallHashes(scale(200_000), 10), smallLists(scale(100_000), 20), smallZsets(scale(100_000), 10), smallIntSets(scale(100_000), 10)];
  return {
    name: `mix of ${parts.reduce((a, w) => a + w.keys, 0)} small aggregates`,
    keys: parts.reduce((a, w) => a + w.keys, 0),
    write(out) {
      for (const w of parts) w.write(out);
    },
  };
}
/** `m` sorted sets of n members (skiplist-encoded), written 100 members a command. */
function largeZset(m: number, n: number): Workload {
  return {
    name: `${m} ${m === 1 ? 'zset' : 'zsets'} of ${n} members`,
    keys: m,
    write(out) {
      for (let k = 0; k < m; k++) {
        for (let i = 0; i < n; i += 100) {
          const argv = ['ZADD', `bigzset:${k}`];
          for (let j = i; j < Math.min(n, i + 100); j++) argv.push(String(j + 0.5), `member:${j}`);
          out(argv);
        }
      }
    },
  };
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

function cli(port: number, ...argv: string[]): string {
  return spawnSync('redis-cli', ['-p', String(port), ...argv], { encoding: 'utf8' }).stdout ?? '';
}

function usedMemory(port: number): number {
  const m = /used_memory:(\d+)/.exec(cli(port, 'INFO', 'memory'));
  return m ? Number(m[1]) : NaN;
}

/** A launcher script for the tredis build under test (--tredis-dist, default this build's dist). */
function launcher(dir: string): string {
  const dist = path.resolve(arg('tredis-dist', path.join(ROOT, 'dist')));
  const f = path.join(dir, 'launch.js');
  fs.writeFileSync(f, `require(${JSON.stringify(path.join(dist, 'src', 'main.js'))}).run();\n`);
  return f;
}

interface Measure {
  rssPerKey: number;
  usedPerKey: number;
  seconds: number;
  dbsize: string;
}

/** A fresh server of this kind without persistence, on a free port in its own temp dir, answering PING. */
async function startServer(kind: 'redis' | 'tredis', prefix: string, extra: string[] = []): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const dir = ownedTempDir(`${prefix}-${kind}-`);
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--appendonly', 'no', ...extra];
  const proc =
    kind === 'redis'
      ? spawnOwned('redis-server', common)
      : spawnOwned(process.execPath, [launcher(dir), ...common], { cwd: dir });
  for (let i = 0; i < 400 && !cli(port, 'PING').includes('PONG'); i++) await new Promise((r) => setTimeout(r, 50));
  return { port, proc };
}

async function measure(kind: 'redis' | 'tredis', w: Workload, file: string): Promise<Measure> {
  const { port, proc } = await startServer(kind, 'memory');
  try {
    const settle = Number(arg('settle', '1500'));
    await new Promise((r) => setTimeout(r, settle));
    cli(port, 'MEMORY', 'PURGE');
    const rss0 = rssKb(proc.pid as number);
    const used0 = usedMemory(port);
    const t0 = process.hrtime.bigint();
    const fd = fs.openSync(file, 'r');
    spawnSync('redis-cli', ['-p', String(port), '--pipe'], { stdio: [fd, 'ignore', 'ignore'], timeout: 900000 });
    fs.closeSync(fd);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await new Promise((r) => setTimeout(r, settle));
    cli(port, 'MEMORY', 'PURGE');
    await new Promise((r) => setTimeout(r, 300));
    const rss1 = rssKb(proc.pid as number);
    const used1 = usedMemory(port);
    return { rssPerKey: ((rss1 - rss0) * 1024) / w.keys, usedPerKey: (used1 - used0) / w.keys, seconds, dbsize: cli(port, 'DBSIZE').trim() };
  } finally {
    proc.kill('SIGKILL');
  }
}

interface Populated {
  seconds: number;
  rss: number;
  used: number;
  dbsize: number;
  /** the server answered the populate with +OK and a SET after it with +OK */
  ok: boolean;
  reply: string;
}

/** DEBUG POPULATE n on a fresh server of this kind (no persistence): time, memory, and whether it still takes writes. */
async function populate(kind: 'redis' | 'tredis', n: number): Promise<Populated> {
  const { port, proc } = await startServer(kind, 'populate', ['--enable-debug-command', 'yes']);
  let died = proc.exitCode !== null;
  proc.once('exit', () => (died = true));
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('redis-cli', ['-p', String(port), 'DEBUG', 'POPULATE', String(n)], { encoding: 'utf8', timeout: 1800000 });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const reply = (r.stdout ?? '').trim() || (r.stderr ?? '').trim() || (died ? 'server exited' : 'no reply');
    if (died) return { seconds, rss: NaN, used: NaN, dbsize: 0, ok: false, reply };
    const rss = rssKb(proc.pid as number) * 1024;
    const used = usedMemory(port);
    const dbsize = Number(cli(port, 'DBSIZE').trim());
    const set = cli(port, 'SET', 'after-populate', 'x').trim();
    return { seconds, rss, used, dbsize, ok: reply === 'OK' && set === 'OK', reply };
  } finally {
    proc.kill('SIGKILL');
  }
}

/** --populate: each count on each server, then the largest count each held and still took writes at. */
async function populateMain(counts: number[]): Promise<void> {
  const gb = (x: number): string => (Number.isNaN(x) ? '-' : `${(x / 1e9).toFixed(2)} GB`);
  const best = { redis: 0, tredis: 0 };
  console.log('| DEBUG POPULATE | server | time s | RSS | used_memory | DBSIZE | reply, then SET |');
  console.log('|---|---|---|---|---|---|---|');
  for (const n of counts) {
    for (const kind of ['redis', 'tredis'] as const) {
      const p = await populate(kind, n);
      if (p.ok && p.dbsize >= n) best[kind] = Math.max(best[kind], n);
      console.log(`| ${n} | ${kind} | ${p.seconds.toFixed(1)} | ${gb(p.rss)} | ${gb(p.used)} | ${p.dbsize} | ${p.ok ? 'OK, OK' : p.reply.slice(0, 120)} |`);
    }
  }
  console.log(`\nlargest key count reached (and a write accepted after it): redis-server ${best.redis}, tredis ${best.tredis}`);
}

async function main(): Promise<void> {
  const counts = arg('populate', '');
  if (counts !== '') {
    await populateMain(counts.split(',').map(Number).filter((n) => n > 0));
    return;
  }
  const scale = Number(arg('scale', '1'));
  const k = (n: number): number => Math.max(1, Math.round(n * scale));
  // big aggregates: several keys, so that the few MB a V8 heap grows or keeps either way are noise (one key of 100k
  // members is ~8 MB in Redis: its RSS ratio moved between 1.1x and 2.3x from run to run)
  const big = Math.max(1, Number(arg('big-keys', '10')));
  const all: Workload[] = [
    smallStrings(k(2_000_000)),
    smallHashes(k(200_000), 10),
    smallZsets(k(100_000), 10),
    largeHash(big, k(100_000)),
    largeZset(big, k(100_000)),
    smallLists(k(100_000), 20),
    smallIntSets(k(100_000), 10),
    largeSet(big, k(100_000)),
    largeList(big, k(100_000)),
    aggregateMix(k),
  ];
  const only = arg('only', '');
  const chosen = only
    ? all.filter((w) => only.split(',').some((o) => w.name.includes(o.replace(/\d+$/, '')) && w.name.includes(o.match(/\d+$/)?.[0] ?? '')))
    : all;
  const tmp = ownedTempDir('memory-bench-');
  console.log('| workload | redis RSS/key | tredis RSS/key | ratio | redis used_memory/key | tredis used_memory/key | ratio | redis load s | tredis load s |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const w of chosen) {
    const file = path.join(tmp, 'load.resp');
    const fd = fs.openSync(file, 'w');
    let buf = '';
    w.write((argv) => {
      buf += resp(argv);
      if (buf.length > 1 << 20) {
        fs.writeSync(fd, buf, null, 'latin1');
        buf = '';
      }
    });
    fs.writeSync(fd, buf, null, 'latin1');
    fs.closeSync(fd);
    const r = await measure('redis', w, file);
    const t = await measure('tredis', w, file);
    if (r.dbsize !== t.dbsize) console.error(`${w.name}: DBSIZE differs (redis ${r.dbsize}, tredis ${t.dbsize})`);
    const f = (x: number): string => x.toFixed(0);
    console.log(
      `| ${w.name} | ${f(r.rssPerKey)} | ${f(t.rssPerKey)} | ${(t.rssPerKey / r.rssPerKey).toFixed(2)} | ${f(r.usedPerKey)} | ${f(t.usedPerKey)} | ${(t.usedPerKey / r.usedPerKey).toFixed(2)} | ${r.seconds.toFixed(2)} | ${t.seconds.toFixed(2)} |`,
    );
  }
}

void main().then(() => process.exit(0));
