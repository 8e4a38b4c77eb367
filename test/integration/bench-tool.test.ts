/**
 * `npm run bench` behaves: --help prints usage and exits 0, bad options
 * exit 1, and SIGTERM or SIGINT in the middle of a run stops every process
 * it started (redis-server, tredis, redis-benchmark) and removes its temp dirs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, hasBinary, waitFor } from '../helpers/servers';

const RUN = path.join(ROOT, 'dist', 'bench', 'run.js');
const haveTools = hasBinary('redis-server') && hasBinary('redis-benchmark') && hasBinary('redis-cli');
const skip = !haveTools && !process.env.CI && 'redis-server / redis-benchmark not installed; skipped';

test('bench --help prints the usage and exits 0; a bad option exits 1', () => {
  const help = spawnSync(process.execPath, [RUN, '--help'], { encoding: 'utf8', timeout: 20000 });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: npm run bench -- \[options\]/);
  for (const opt of ['--quick', '--tests', '--rounds', '--no-extra']) assert.ok(help.stdout.includes(opt), opt);
  const bad = spawnSync(process.execPath, [RUN, '--frobnicate'], { encoding: 'utf8', timeout: 20000 });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown option '--frobnicate'/);
  const badTest = spawnSync(process.execPath, [RUN, '--tests', 'set,nosuch'], { encoding: 'utf8', timeout: 20000 });
  assert.equal(badTest.status, 1);
  assert.match(badTest.stderr, /unknown test\(s\) for --tests: nosuch/);
});

/** pid -> [ppid, cmdline] of every process. */
function processTable(): Map<number, { ppid: number; cmd: string }> {
  const out = new Map<number, { ppid: number; cmd: string }>();
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      out.set(Number(e), { ppid, cmd });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** Every descendant of pid: pid -> cmdline. */
function descendants(pid: number): Map<number, string> {
  const table = processTable();
  const out = new Map<number, string>();
  let frontier = [pid];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const [p, { ppid, cmd }] of table) {
      if (frontier.includes(ppid) && !out.has(p)) {
        out.set(p, cmd);
        next.push(p);
      }
    }
    frontier = next;
  }
  return out;
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`bench: ${signal} during a run leaves no process and no temp dir behind`, { skip, timeout: 120000 }, async () => {
    // a redis-benchmark run long enough to be interrupted
    const proc = spawn(process.execPath, [RUN, '--quick', '--tests', 'set', '--pipelines', '1', '--n', '50000000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (d: string) => (stderr += d));
    proc.stdout!.resume();
    const exited = new Promise<{ code: number | null; sig: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, sig) => resolve({ code, sig })));
    let seen = new Map<number, string>();
    try {
      // progress line for the measured run, then the benchmark itself among the children
      await waitFor(() => /\[1\/2\] round 1\/1 set -P 1 -n 50000000 on /.test(stderr), 60000, `progress line (stderr: ${stderr})`);
      seen = (await waitFor(
        () => {
          const d = descendants(proc.pid!);
          const cmds = [...d.values()];
          return cmds.some((c) => c.startsWith('redis-benchmark')) && cmds.some((c) => c.startsWith('redis-server')) && cmds.some((c) => c.includes('src/main.js')) ? d : null;
        },
        30000,
        'redis-server, tredis and redis-benchmark running',
      )) as Map<number, string>;
      // both servers chdir to their --dir (redis-server rewrites its command line, its cwd tells)
      const servers = [...seen].filter(([, c]) => c.startsWith('redis-server') || c.includes('src/main.js'));
      const dirs = servers.map(([pid]) => fs.readlinkSync(`/proc/${pid}/cwd`));
      for (const d of dirs) assert.match(path.basename(d), /^bench-(redis|tredis)-/);
      assert.equal(dirs.length, 2, [...seen.values()].join('\n'));
      for (const d of dirs) assert.ok(fs.existsSync(d), d);
      proc.kill(signal);
      const { code } = await Promise.race([exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('bench did not exit within 15 s')), 15000))]);
      assert.equal(code, signal === 'SIGTERM' ? 143 : 130, stderr);
      assert.match(stderr, new RegExp(`${signal}: stopping \\d+ process\\(es\\), removing 2 temp dir\\(s\\)`));
      const table = processTable();
      for (const [pid, cmd] of seen) {
        const now = table.get(pid);
        assert.ok(now === undefined || now.cmd !== cmd, `orphan left running: ${pid} ${cmd}`);
      }
      for (const d of dirs) assert.ok(!fs.existsSync(d), `temp dir left behind: ${d}`);
    } finally {
      proc.kill('SIGKILL');
      // on failure, stop what it left: only a pid still running the same command line (pids are reused)
      const table = processTable();
      for (const [pid, cmd] of seen) {
        if (table.get(pid)?.cmd !== cmd) continue;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
  });
}

test('bench --memory --populate: DEBUG POPULATE on both servers, a table and the largest key count each reached', { skip, timeout: 120000 }, () => {
  const r = spawnSync(process.execPath, [RUN, '--memory', '--populate', '2000,20000'], { encoding: 'utf8', timeout: 110000 });
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.split('\n').filter((l) => /^\| \d+ \| (redis|tredis) \|/.test(l));
  assert.equal(rows.length, 4, r.stdout);
  for (const row of rows) {
    const cells = row.split('|').map((x) => x.trim());
    // | n | server | time | RSS | used_memory | DBSIZE | reply |
    assert.equal(cells[6], cells[1], row);
    assert.equal(cells[7], 'OK, OK', row);
  }
  assert.match(r.stdout, /largest key count reached \(and a write accepted after it\): redis-server 20000, tredis 20000/);
});
