/**
 * `npm start` as the README shows it: a server on 127.0.0.1 with its data in
 * ./data (created if missing) and the dashboard on http-port 8080, its URL
 * logged. Extra arguments after `--` pick free ports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, freePort, waitFor } from '../helpers/servers';
import { TestClient } from '../helpers/resp';

test('npm start runs the server with ./data as its dir, prints the dashboard URL and serves the page there', async () => {
  const port = await freePort();
  const httpPort = await freePort();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const proc = spawn(npm, ['start', '--silent', '--', '--port', String(port), '--save', '', '--http-port', String(httpPort)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'], detached: true });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  try {
    const c = (await waitFor(async () => TestClient.connect(port).catch(() => null), 20000, 'npm start listening')) as TestClient;
    try {
      assert.equal(await c.call('PING'), 'PONG');
      const dir = (await c.call('CONFIG', 'GET', 'dir')) as string[];
      assert.equal(dir[1], path.join(ROOT, 'data'));
      assert.ok(fs.statSync(path.join(ROOT, 'data')).isDirectory());
      const bind = (await c.call('CONFIG', 'GET', 'bind')) as string[];
      assert.equal(bind[1], '127.0.0.1');
    } finally {
      c.close();
    }
    await waitFor(() => out.includes('Ready to accept connections'), 10000, 'the ready line');
    const url = /^\d+:M \d\d \w{3} \d{4} [\d:.]+ \* Dashboard: (http:\/\/\S+) \(also \/metrics, \/api\/topology\)$/m.exec(out)?.[1];
    assert.equal(url, `http://127.0.0.1:${httpPort}/`, out);
    const res = await fetch(url!);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await res.text(), /<title>tredis replication<\/title>/);
  } finally {
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

test("npm start's dashboard is on port 8080 by default; when 8080 is taken the server warns and runs without it", async () => {
  const port = await freePort();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const proc = spawn(npm, ['start', '--silent', '--', '--port', String(port), '--save', ''], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'], detached: true });
  let out = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  try {
    await waitFor(() => out.includes('Ready to accept connections'), 20000, 'npm start ready');
    const c = await TestClient.connect(port);
    try {
      assert.equal(await c.call('PING'), 'PONG');
      assert.deepEqual(await c.call('CONFIG', 'GET', 'http-port'), ['http-port', '8080']);
    } finally {
      c.close();
    }
    // whichever happened on this machine: 8080 free (the URL) or taken by something else (the warning)
    const served = out.includes('* Dashboard: http://127.0.0.1:8080/ (also /metrics, /api/topology)');
    const refused = out.includes('# Warning: Could not create HTTP dashboard listening socket 127.0.0.1:8080: bind: Address already in use');
    assert.ok(served !== refused, out);
  } finally {
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/** Is a process with this pid running this command line (pids are reused)? */
function running(pid: number, cmdPart: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(cmdPart);
  } catch {
    return false;
  }
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} to npm start: the server saves (save points set), logs its shutdown as redis-server does, exits 0, no orphan`, async () => {
    const port = await freePort();
    const dbfile = `npm-start-${signal}-${port}.rdb`;
    const dump = path.join(ROOT, 'data', dbfile);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    // the signal goes to npm alone (as `kill <pid>` or a process manager sends it), not to its process group
    // the dashboard on too: its HTTP server must not hold the shutdown up
    const proc = spawn(npm, ['start', '--silent', '--', '--port', String(port), '--save', '3600 1', '--dbfilename', dbfile, '--http-port', String(await freePort())], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (d: string) => (out += d));
    proc.stderr!.resume();
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    let serverPid = 0;
    try {
      const c = (await waitFor(async () => TestClient.connect(port).catch(() => null), 20000, 'npm start listening')) as TestClient;
      try {
        await c.call('SET', 'k', 'v');
        serverPid = Number(/process_id:(\d+)/.exec((await c.call('INFO', 'server')) as string)![1]);
      } finally {
        c.close();
      }
      assert.ok(running(serverPid, 'dist/src/main.js'));
      proc.kill(signal);
      const code = await Promise.race([exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`npm start did not exit after ${signal}`)), 20000))]);
      assert.equal(code, 0, out);
      await waitFor(() => !running(serverPid, 'dist/src/main.js'), 5000, 'the server process to be gone');
      const lines = out.split('\n');
      const at = lines.findIndex((l) => new RegExp(`^${serverPid}:signal-handler \\(\\d+\\) Received ${signal} scheduling shutdown\\.\\.\\.$`).test(l));
      assert.ok(at >= 0, out);
      const tail = lines.slice(at + 1).map((l) => l.replace(/^\d+:[MC] \d\d \w{3} \d{4} [\d:.]+ /, ''));
      for (const want of ['# User requested shutdown...', '* Saving the final RDB snapshot before exiting.', '* DB saved on disk', '# Redis is now ready to exit, bye bye...']) {
        assert.ok(tail.includes(want), `${want}\n${out}`);
      }
      assert.ok(fs.existsSync(dump), 'the final save wrote the dump');
    } finally {
      proc.kill('SIGKILL');
      if (serverPid && running(serverPid, `--port ${port}`)) process.kill(serverPid, 'SIGKILL');
      fs.rmSync(dump, { force: true });
    }
  });
}
