/**
 * `npm run demo` (dist/scripts/demo.js), here with --free-ports so it takes
 * free ports instead of 6379-6381 / 8080-8082: three servers, a dashboard on
 * each with its URL printed, and SIGTERM stops all three.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, tempDir, waitFor } from '../helpers/servers';
import { TestClient } from '../helpers/resp';

function alive(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('tredis-server');
  } catch {
    return false;
  }
}

test('npm run demo prints a dashboard URL for each node, each serves the page, SIGTERM stops every server', async () => {
  const cwd = tempDir('tredis-demo-');
  const proc = spawn(process.execPath, [path.join(ROOT, 'dist', 'scripts', 'demo.js'), '--free-ports'], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const pids: number[] = [];
  try {
    await waitFor(() => out.includes('Press Ctrl-C to stop.') || proc.exitCode !== null, 60000, 'the demo to be up');
    assert.ok(out.includes('Press Ctrl-C to stop.'), `${out}\n${err}`);
    const started = [...out.matchAll(/^started (master |replica) on 127\.0\.0\.1:(\d+) \(config [^)]+\)  Dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/gm)];
    assert.equal(started.length, 3, out);
    const summary = [...out.matchAll(/^Dashboard: (http:\/\/127\.0\.0\.1:\d+\/)  \((master|replica) (\d+); also \/metrics and \/api\/topology\)$/gm)];
    assert.deepEqual(
      summary.map((m) => [m[1], m[3]]),
      started.map((m) => [m[3], m[2]]),
    );
    assert.equal(new Set(started.map((m) => m[3])).size, 3, 'three different dashboards');
    for (const m of started) {
      const res = await fetch(m[3]);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /<title>tredis replication<\/title>/);
      const topo = (await (await fetch(`${m[3]}api/topology`)).json()) as { self: string; nodes: Array<{ id: string; up: boolean }> };
      assert.equal(topo.self, `127.0.0.1:${m[2]}`);
      assert.deepEqual(topo.nodes.map((n) => n.id).sort(), started.map((s) => `127.0.0.1:${s[2]}`).sort());
      assert.ok(topo.nodes.every((n) => n.up));
      const c = await TestClient.connect(Number(m[2]));
      try {
        pids.push(Number(/process_id:(\d+)/.exec((await c.call('INFO', 'server')) as string)![1]));
      } finally {
        c.close();
      }
    }
    proc.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('the demo did not exit after SIGTERM')), 20000))]);
    assert.equal(code, 0, err);
    await waitFor(() => pids.every((p) => !alive(p)), 10000, 'the three servers to be gone');
  } finally {
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
    for (const p of pids) if (alive(p)) process.kill(p, 'SIGKILL');
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});
