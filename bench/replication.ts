/**
 * Replication side by side: a tredis master/replica pair and a redis-server
 * master/replica pair, same dataset, same machine, same run.
 *
 *   node dist/bench/replication.js                   # 1M keys, 20k writes/s for 5 s
 *   node dist/bench/replication.js --keys 200000 --rate 10000 --seconds 3 --conns 2
 *   node dist/bench/replication.js --docs            # also rewrite the "Replication" section of docs/benchmarks.md
 *
 * For each pair (both servers started with --save '' --repl-diskless-sync yes
 * --repl-diskless-sync-delay 0 --enable-debug-command yes):
 * - the master is filled with DEBUG POPULATE <keys> (key:N = value:N);
 * - full sync: a replica process is started with --replicaof; the time runs
 *   from spawning it until its INFO replication shows master_link_status:up
 *   and master_sync_in_progress:0 (polled every 10 ms). The master's view is
 *   the time until its INFO replication lists the replica as state=online;
 *   "replica start" is spawn until the replica accepts a connection.
 *   During the sync one client on the master runs SET/GET alternately, one
 *   request in flight, each timed (p50/p99/max);
 * - lag: with the replica in sync, SETs are sent to the master at a fixed
 *   rate (paced in 1 ms batches, pipelined over --conns connections). Every
 *   10 ms master_repl_offset (master INFO) and slave_repl_offset (replica
 *   INFO), requested at the same time, give the byte lag. Every 50 ms a
 *   marker key is SET on the master and polled with GET on the replica
 *   (back to back) until it shows: the ms lag is the time from sending the
 *   SET to the GET that sees it (so it includes about one round trip each way).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as os from 'node:os';

import { arg, flag, Conn, freePort, replaceDocSection, infoField, latencyLoop, summarize, type LatencyStats as Stats } from './util';

const ROOT = path.resolve(__dirname, '..', '..');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

type Kind = 'tredis' | 'redis';

interface Running {
  kind: Kind;
  proc: ChildProcess;
  port: number;
  dir: string;
}

/** Every process started, killed on exit whatever happens. */
const running = new Set<Running>();

function stopServer(s: Running): void {
  try {
    if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
  } catch {
    /* gone */
  }
  fs.rmSync(s.dir, { recursive: true, force: true });
  running.delete(s);
}
function stopAll(): void {
  for (const s of [...running]) stopServer(s);
}
process.on('exit', stopAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    stopAll();
    process.exit(130);
  });
}

async function spawnServer(kind: Kind, replicaOf?: number): Promise<Running> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-repl-${kind}-`));
  const argv = [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir,
    '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0',
    '--logfile', path.join(dir, 'log'), '--enable-debug-command', 'yes',
  ];
  if (replicaOf !== undefined) argv.push('--replicaof', '127.0.0.1', String(replicaOf));
  const proc =
    kind === 'redis'
      ? spawn('redis-server', argv, { stdio: 'ignore' })
      : spawn(process.execPath, [path.join(ROOT, 'bin', 'tredis-server'), ...argv], { stdio: 'ignore' });
  const s: Running = { kind, proc, port, dir };
  running.add(s);
  return s;
}

/** Connect (retrying while the process starts), returning the connection. */
async function connect(s: Running, timeoutMs = 20000): Promise<Conn> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (s.proc.exitCode !== null) throw new Error(`${s.kind} on ${s.port} exited with ${s.proc.exitCode} (log: ${logTail(s)})`);
    try {
      return await Conn.open(s.port);
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${s.kind} on ${s.port} did not start`);
    await sleep(10);
  }
}

function logTail(s: Running): string {
  try {
    return fs.readFileSync(path.join(s.dir, 'log'), 'utf8').split('\n').slice(-5).join(' / ');
  } catch {
    return '-';
  }
}

/**
 * SETs at `rate` per second for `ms`, pipelined over `conns` connections,
 * paced in 1 ms batches. Resolves when every reply has arrived.
 */
async function rateWriter(port: number, rate: number, ms: number, conns: number): Promise<{ sent: number; seconds: number }> {
  const socks: net.Socket[] = [];
  let acked = 0;
  for (let i = 0; i < conns; i++) {
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((r, j) => {
      sock.once('connect', () => r());
      sock.once('error', j);
    });
    sock.setNoDelay(true);
    sock.on('data', (d: Buffer) => {
      for (let k = 0; k < d.length; k++) if (d[k] === 10) acked++;
    });
    sock.on('error', () => {});
    socks.push(sock);
  }
  const value = 'v'.repeat(32);
  let sent = 0;
  let rr = 0;
  const t0 = now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const el = Math.min(now() - t0, ms);
      const due = Math.floor((rate * el) / 1000);
      const n = due - sent;
      if (n > 0) {
        const per = Math.ceil(n / conns);
        for (let c = 0; c < conns && sent < due; c++) {
          let out = '';
          for (let j = 0; j < per && sent < due; j++, sent++) {
            const k = `w:${sent % 100000}`;
            out += `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${value.length}\r\n${value}\r\n`;
          }
          socks[rr++ % conns].write(out, 'latin1');
        }
      }
      if (el >= ms) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const seconds = (now() - t0) / 1000;
  const deadline = Date.now() + 30000;
  while (acked < sent && Date.now() < deadline) await sleep(5);
  for (const s of socks) s.destroy();
  return { sent, seconds };
}

interface Result {
  kind: Kind;
  keys: number;
  syncMs: number;
  replicaUpMs: number;
  masterOnlineMs: number;
  replicaKeys: number;
  during: Stats;
  rate: number;
  achieved: number;
  lagBytes: Stats;
  lagMs: Stats;
}

async function measure(kind: Kind, keys: number, rate: number, seconds: number, conns: number): Promise<Result> {
  const m = await spawnServer(kind);
  let r: Running | null = null;
  const opened: Conn[] = [];
  const open = async (s: Running) => {
    const c = await connect(s);
    opened.push(c);
    return c;
  };
  try {
    const mc = await open(m);
    for (;;) {
      const p = await mc.call('PING');
      if (p.startsWith('+PONG')) break;
      await sleep(10);
    }
    const pop = await mc.call('DEBUG', 'POPULATE', keys);
    if (!pop.startsWith('+OK')) throw new Error(`${kind} DEBUG POPULATE: ${pop.trim()}`);
    const minfo = await open(m);
    const load = await open(m);
    await sleep(500);

    // full sync, with the SET/GET loop running on the master
    const loop = latencyLoop(load, 'SET', keys);
    await sleep(100);
    const t0 = now();
    r = await spawnServer(kind, m.port);
    let masterOnlineMs = NaN;
    const masterWatch = (async () => {
      while (Number.isNaN(masterOnlineMs) && now() - t0 < 600000) {
        const inf = await minfo.call('INFO', 'replication');
        if (/^slave0:.*state=online/m.test(inf)) masterOnlineMs = now() - t0;
        else await sleep(10);
      }
    })();
    const rc = await open(r);
    const replicaUpMs = now() - t0;
    let syncMs = 0;
    for (;;) {
      const inf = await rc.call('INFO', 'replication');
      if (infoField(inf, 'master_link_status') === 'up' && infoField(inf, 'master_sync_in_progress') === '0') {
        syncMs = now() - t0;
        break;
      }
      if (now() - t0 > 600000) throw new Error(`${kind} replica did not sync in 10 minutes`);
      if (r.proc.exitCode !== null) throw new Error(`${kind} replica exited (log: ${logTail(r)})`);
      await sleep(10);
    }
    const during = summarize(await loop.stop());
    await masterWatch;
    const replicaKeys = Number((await rc.call('DBSIZE')).slice(1));
    await sleep(1000);

    // lag under a fixed write rate
    const rinfo = await open(r);
    const mark = await open(m);
    const rget = await open(r);
    const lagBytes: number[] = [];
    const lagMs: number[] = [];
    let on = true;
    const sampler = (async () => {
      while (on) {
        const next = now() + 10;
        const [a, b] = await Promise.all([minfo.call('INFO', 'replication'), rinfo.call('INFO', 'replication')]);
        lagBytes.push(Math.max(0, Number(infoField(a, 'master_repl_offset')) - Number(infoField(b, 'slave_repl_offset'))));
        await sleep(Math.max(0, next - now()));
      }
    })();
    const marker = (async () => {
      let seq = 0;
      while (on) {
        const next = now() + 50;
        const val = `${process.pid}-${++seq}`;
        const want = `$${val.length}\r\n${val}\r\n`;
        const ts = now();
        await mark.call('SET', 'lag:marker', val);
        for (;;) {
          const g = await rget.call('GET', 'lag:marker');
          if (g === want) break;
          if (now() - ts > 10000) throw new Error(`${kind} marker not seen on the replica in 10 s`);
        }
        lagMs.push(now() - ts);
        await sleep(Math.max(0, next - now()));
      }
    })();
    const w = await rateWriter(m.port, rate, seconds * 1000, conns);
    on = false;
    await Promise.all([sampler, marker]);
    return {
      kind,
      keys,
      syncMs,
      replicaUpMs,
      masterOnlineMs,
      replicaKeys,
      during,
      rate,
      achieved: w.sent / w.seconds,
      lagBytes: summarize(lagBytes),
      lagMs: summarize(lagMs),
    };
  } finally {
    for (const c of opened) c.close();
    if (r) stopServer(r);
    stopServer(m);
  }
}

function table(results: Result[]): string {
  const f = (v: number, d: number) => (Number.isNaN(v) ? '-' : v.toFixed(d));
  const rows = [
    ['', ...results.map((r) => r.kind)],
    ['full sync, replica view (ms)', ...results.map((r) => f(r.syncMs, 0))],
    ['  of which replica start (ms)', ...results.map((r) => f(r.replicaUpMs, 0))],
    ['full sync, master view (ms)', ...results.map((r) => f(r.masterOnlineMs, 0))],
    ['keys on the replica', ...results.map((r) => String(r.replicaKeys))],
    ['SET/GET p50 during sync (ms)', ...results.map((r) => f(r.during.p50, 3))],
    ['SET/GET p99 during sync (ms)', ...results.map((r) => f(r.during.p99, 3))],
    ['SET/GET max during sync (ms)', ...results.map((r) => f(r.during.max, 1))],
    ['requests timed during sync', ...results.map((r) => String(r.during.n))],
    ['writes/s sent (target rate)', ...results.map((r) => `${f(r.achieved, 0)} (${r.rate})`)],
    ['lag bytes p50', ...results.map((r) => f(r.lagBytes.p50, 0))],
    ['lag bytes p99', ...results.map((r) => f(r.lagBytes.p99, 0))],
    ['lag bytes max', ...results.map((r) => f(r.lagBytes.max, 0))],
    ['lag ms p50 (marker)', ...results.map((r) => f(r.lagMs.p50, 3))],
    ['lag ms p99 (marker)', ...results.map((r) => f(r.lagMs.p99, 3))],
    ['lag ms max (marker)', ...results.map((r) => f(r.lagMs.max, 3))],
    ['samples bytes / markers', ...results.map((r) => `${r.lagBytes.n} / ${r.lagMs.n}`)],
  ];
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ')} |`;
  return [line(rows[0]), `|${w.map((n, i) => (i === 0 ? '-'.repeat(n + 2) : '-'.repeat(n + 1) + ':')).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  if (spawnSync('sh', ['-c', 'command -v redis-server']).status !== 0) {
    console.error('redis-server not found: apt-get install redis-server');
    process.exit(1);
  }
  const keys = Number(arg('keys', '1000000'));
  const rate = Number(arg('rate', '20000'));
  const seconds = Number(arg('seconds', '5'));
  const conns = Number(arg('conns', '1'));
  const results: Result[] = [];
  for (const kind of ['tredis', 'redis'] as const) {
    process.stdout.write(`${kind}: ${keys} keys, full sync, then ${rate} writes/s for ${seconds} s...\n`);
    results.push(await measure(kind, keys, rate, seconds, conns));
  }
  const t = results[0];
  const r = results[1];
  const ok = (b: boolean) => (b ? 'met' : 'NOT met');
  const report = [
    table(results),
    '',
    `full sync tredis/redis: ${(t.syncMs / r.syncMs).toFixed(2)}x (target <= 1.5x: ${ok(t.syncMs <= 1.5 * r.syncMs)})`,
    `tredis p99 during sync: ${t.during.p99.toFixed(2)} ms (target <= 2 ms: ${ok(t.during.p99 <= 2)})`,
    `tredis lag at ${rate} writes/s: p99 ${t.lagMs.p99.toFixed(2)} ms, max ${t.lagMs.max.toFixed(2)} ms, p99 ${t.lagBytes.p99} bytes (target <= 1 ms: p99 ${ok(t.lagMs.p99 <= 1)})`,
    `load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs`,
  ].join('\n');
  console.log(`\n${report}`);
  if (flag('docs')) writeDocs(report, keys, rate, seconds, conns);
}

/** Replace (or add) the "Replication" section of docs/benchmarks.md, leaving the others as they are. */
function writeDocs(report: string, keys: number, rate: number, seconds: number, conns: number): void {
  const file = path.join(ROOT, 'docs', 'benchmarks.md');
  const cmd = `node dist/bench/replication.js --keys ${keys} --rate ${rate} --seconds ${seconds} --conns ${conns}`;
  const section = [
    '## Replication',
    '',
    `Measured by \`${cmd}\` (\`npx tsc -p .\` first) on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPUs shared with other work`,
    '(master, replica and the bench client all on them; figures vary from run to run, compare ratios from the same run).',
    '',
    `Both pairs run with \`--save '' --repl-diskless-sync yes --repl-diskless-sync-delay 0\`. The master gets ${keys} keys from`,
    '`DEBUG POPULATE`, then a replica process is started with `--replicaof`. Full sync is the time from spawning the replica until',
    'its INFO shows `master_link_status:up` and `master_sync_in_progress:0` (polled every 10 ms; includes the process start,',
    'shown on its own as spawn until the replica accepts a connection);',
    'the master view is until the master lists it `state=online`. During the sync one client on the master runs SET/GET',
    `alternately (one request in flight, each timed). Lag: ${rate} SETs/s for ${seconds} s (1 ms batches, ${conns} pipelined`,
    'connection(s)); bytes = master_repl_offset - replica slave_repl_offset sampled every 10 ms; ms = a marker key SET on the master',
    'every 50 ms, polled with back-to-back GETs on the replica until seen (includes a round trip to each server).',
    '',
    '```',
    report,
    '```',
    '',
  ].join('\n');
  replaceDocSection(file, '## Replication', section);
  console.log(`\nwrote ${path.relative(ROOT, file)}`);
}

main().catch((e) => {
  console.error(e);
  stopAll();
  process.exit(1);
});
