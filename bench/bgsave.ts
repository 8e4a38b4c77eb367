/**
 * BGSAVE side by side: tredis (fork-less point-in-time snapshot) and
 * redis-server (fork), same dataset, same machine, same run.
 *
 *   node dist/bench/bgsave.js                        # 1M keys, 100-byte values
 *   node dist/bench/bgsave.js --keys 200000 --size 32
 *   node dist/bench/bgsave.js --docs                 # also rewrite the "Background save" section of docs/benchmarks.md
 *
 * For each server: <keys> keys loaded by pipelined MSETs (DEBUG POPULATE's
 * key:N / value:N data, NUL-padded to <size> bytes), then a client loop of
 * alternating GET/SET (one request in flight, each timed) runs for a while
 * without a save (baseline latency) and then across a BGSAVE. Reported:
 * - save time: BGSAVE sent -> INFO persistence shows rdb_bgsave_in_progress:0
 *   (polled every 5 ms);
 * - extra memory: tredis, peak VmRSS during the save minus VmRSS before it
 *   (/proc/<pid>/status, sampled every 5 ms); redis-server, the fork's
 *   copy-on-write (rdb_last_cow_size) plus the parent's peak VmRSS growth;
 *   shown against the dataset size (VmRSS growth caused by loading the keys);
 * - latency of the concurrent GET/SET loop during the save: p50, p99, max.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as os from 'node:os';

import { arg, flag, Conn, freePort, replaceDocSection, infoField, latencyLoop, summarize, spawnOwned, ownedTempDir, removeOwnedDir } from './util';

const ROOT = path.resolve(__dirname, '..', '..');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

interface Running {
  kind: 'tredis' | 'redis';
  proc: ChildProcess;
  port: number;
  dir: string;
}

async function startServer(kind: 'tredis' | 'redis'): Promise<Running> {
  const port = await freePort();
  const dir = ownedTempDir(`bench-bgsave-${kind}-`);
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--logfile', path.join(dir, 'log'), '--enable-debug-command', 'yes'];
  const proc =
    kind === 'redis'
      ? spawnOwned('redis-server', common)
      : spawnOwned(process.execPath, [path.join(ROOT, 'dist', 'src', 'main.js'), ...common]);
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      const c = await Conn.open(port);
      const r = await c.call('PING');
      c.close();
      if (r.startsWith('+PONG')) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${kind} did not start`);
    await sleep(50);
  }
  return { kind, proc, port, dir };
}

function stopServer(s: Running): void {
  try {
    s.proc.kill('SIGKILL');
  } catch {
    /* gone */
  }
  removeOwnedDir(s.dir);
}

interface Result {
  kind: string;
  keys: number;
  datasetMb: number;
  saveMs: number;
  extraMb: number;
  extraPerc: number;
  fileMb: number;
  base: { p50: number; p99: number; max: number; n: number };
  during: { p50: number; p99: number; max: number; n: number };
}

/**
 * Load `key:0..n-1` = "value:<i>" padded with NULs to `size` bytes (DEBUG
 * POPULATE's data) through pipelined MSETs, as clients would: values built
 * inside the server by DEBUG POPULATE are V8 cons-strings that the first
 * save flattens, which would be counted as save memory.
 */
async function populate(port: number, n: number, size: number): Promise<void> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const BATCH = 1000;
  const cmds = Math.ceil(n / BATCH);
  let replies = 0;
  let pending = '';
  const done = new Promise<void>((resolve) => {
    sock.on('data', (d: Buffer) => {
      pending += d.toString('latin1');
      let i: number;
      while ((i = pending.indexOf('\r\n')) >= 0) {
        pending = pending.slice(i + 2);
        if (++replies === cmds) resolve();
      }
    });
  });
  for (let b = 0; b < cmds; b++) {
    const hi = Math.min(n, (b + 1) * BATCH);
    let out = `*${1 + 2 * (hi - b * BATCH)}\r\n$4\r\nMSET\r\n`;
    for (let i = b * BATCH; i < hi; i++) {
      const k = `key:${i}`;
      const base = `value:${i}`;
      const v = size > base.length ? base + '\0'.repeat(size - base.length) : base;
      out += `$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`;
    }
    if (!sock.write(out, 'latin1')) await new Promise<void>((r) => sock.once('drain', () => r()));
  }
  await done;
  sock.destroy();
}

async function measure(kind: 'tredis' | 'redis', keys: number, size: number): Promise<Result> {
  const s = await startServer(kind);
  try {
    const pid = s.proc.pid as number;
    const ctl = await Conn.open(s.port);
    const rssEmpty = rssKb(pid);
    await populate(s.port, keys, size);
    await sleep(500);
    const rssLoaded = rssKb(pid);
    const load = await Conn.open(s.port);
    // baseline latency, no save running
    let loop = latencyLoop(load, 'GET', keys);
    await sleep(2000);
    const base = summarize(await loop.stop());
    // the save, with the same loop running
    const rssBefore = rssKb(pid);
    let peak = rssBefore;
    loop = latencyLoop(load, 'GET', keys);
    await sleep(200);
    const t0 = performance.now();
    const r = await ctl.call('BGSAVE');
    if (!r.startsWith('+Background saving started')) throw new Error(`${kind} BGSAVE: ${r}`);
    let saveMs = 0;
    for (;;) {
      peak = Math.max(peak, rssKb(pid));
      const inf = await ctl.call('INFO', 'persistence');
      if (infoField(inf, 'rdb_bgsave_in_progress') === '0') {
        saveMs = performance.now() - t0;
        if (infoField(inf, 'rdb_last_bgsave_status') !== 'ok') throw new Error(`${kind} BGSAVE failed`);
        break;
      }
      await sleep(5);
    }
    await sleep(200);
    const during = summarize(await loop.stop());
    const inf = await ctl.call('INFO', 'persistence');
    const cow = kind === 'redis' ? Number(infoField(inf, 'rdb_last_cow_size')) || 0 : 0;
    const extraKb = Math.max(0, peak - rssBefore) + cow / 1024;
    const datasetKb = Math.max(1, rssLoaded - rssEmpty);
    const fileMb = fs.statSync(path.join(s.dir, 'dump.rdb')).size / 1048576;
    ctl.close();
    load.close();
    return {
      kind,
      keys,
      datasetMb: datasetKb / 1024,
      saveMs,
      extraMb: extraKb / 1024,
      extraPerc: (extraKb / datasetKb) * 100,
      fileMb,
      base,
      during,
    };
  } finally {
    stopServer(s);
  }
}

function table(results: Result[]): string {
  const rows = [
    ['', ...results.map((r) => r.kind)],
    ['dataset (RSS growth, MB)', ...results.map((r) => r.datasetMb.toFixed(0))],
    ['dump.rdb (MB)', ...results.map((r) => r.fileMb.toFixed(1))],
    ['BGSAVE time (ms)', ...results.map((r) => r.saveMs.toFixed(0))],
    ['extra memory during save (MB)', ...results.map((r) => r.extraMb.toFixed(1))],
    ['extra memory / dataset', ...results.map((r) => `${r.extraPerc.toFixed(1)}%`)],
    ['GET/SET p50 no save (ms)', ...results.map((r) => r.base.p50.toFixed(3))],
    ['GET/SET p99 no save (ms)', ...results.map((r) => r.base.p99.toFixed(3))],
    ['GET/SET p50 during save (ms)', ...results.map((r) => r.during.p50.toFixed(3))],
    ['GET/SET p99 during save (ms)', ...results.map((r) => r.during.p99.toFixed(3))],
    ['GET/SET max during save (ms)', ...results.map((r) => r.during.max.toFixed(1))],
    ['requests timed during save', ...results.map((r) => String(r.during.n))],
  ];
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ')} |`;
  return [line(rows[0]), `|${w.map((n, i) => (i === 0 ? '-'.repeat(n + 2) : '-'.repeat(n + 1) + ':')).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  for (const tool of ['redis-server']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      console.error(`${tool} not found: apt-get install redis-server`);
      process.exit(1);
    }
  }
  const keys = Number(arg('keys', '1000000'));
  const size = Number(arg('size', '100'));
  const results: Result[] = [];
  for (const kind of ['tredis', 'redis'] as const) {
    process.stdout.write(`${kind}: populating ${keys} keys and saving...\n`);
    results.push(await measure(kind, keys, size));
  }
  const t = results[0];
  const r = results[1];
  const report = [
    table(results),
    '',
    `save time tredis/redis: ${(t.saveMs / r.saveMs).toFixed(2)}x (target <= 1.5x)`,
    `tredis p99 during save: ${t.during.p99.toFixed(2)} ms (target <= 2 ms)`,
    `tredis extra memory: ${t.extraPerc.toFixed(1)}% of the dataset (target <= 10%)`,
    `load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs`,
  ].join('\n');
  console.log(`\n${report}`);
  if (flag('docs')) writeDocs(report, keys, size);
}

/** Replace (or add) the "Background save" section of docs/benchmarks.md. */
function writeDocs(report: string, keys: number, size: number): void {
  const file = path.join(ROOT, 'docs', 'benchmarks.md');
  const cmd = `node dist/bench/bgsave.js --keys ${keys} --size ${size}`;
  const section = [
    '## Background save',
    '',
    `Measured by \`${cmd}\` (\`npx tsc -p .\` first) on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPUs shared with other work (figures vary from run to run).`,
    '',
    `${keys} keys of ${size} bytes (DEBUG POPULATE's data, loaded with pipelined MSETs), then BGSAVE while one client runs GET/SET back to back (one request in flight, each timed).`,
    'Save time is BGSAVE until INFO shows `rdb_bgsave_in_progress:0`. Extra memory is the peak VmRSS growth during the save (for',
    'redis-server plus the fork\'s copy-on-write, `rdb_last_cow_size`), against the RSS growth that loading the keys caused.',
    '',
    '```',
    report,
    '```',
    '',
    'Notes:',
    '- The machine is shared and loaded: redis-server\'s save time moved between 1.3 s and 3.5 s across runs (fork of the whole',
    '  process on 2 busy CPUs; the parent also only notices the end of the child in its 100 ms cron), tredis\'s between 0.9 s and',
    '  1.7 s. Compare ratios from the same run only.',
    '- tredis saves on its own event loop in 0.5 ms slices: latency stays low, but the single back-to-back client completes',
    '  fewer requests during the save than against redis-server, whose fork does the work on the other CPU.',
    '- tredis\'s extra memory is the old values of keys written ahead of the walk plus a few reused 256 KB output buffers;',
    '  redis-server\'s is the copy-on-write of pages the parent touches while the child writes.',
    '- The keys are loaded with MSET rather than DEBUG POPULATE because tredis\'s DEBUG POPULATE builds values as V8',
    '  cons-strings, which the first save flattens (a one-time ~110 MB for 1M keys that would be counted as save memory).',
    '',
  ].join('\n');
  replaceDocSection(file, '## Background save', section);
  console.log(`\nwrote ${path.relative(ROOT, file)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
