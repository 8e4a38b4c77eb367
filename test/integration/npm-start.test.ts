/**
 * `npm start` as the README shows it: a server on 127.0.0.1 with its data in
 * ./data (created if missing). Extra arguments after `--` pick a free port.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, freePort, waitFor } from '../helpers/servers';
import { TestClient } from '../helpers/resp';

test('npm start runs the server with ./data as its dir', async () => {
  const port = await freePort();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const proc = spawn(npm, ['start', '--silent', '--', '--port', String(port), '--save', ''], { cwd: ROOT, stdio: 'ignore', detached: true });
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
    const proc = spawn(npm, ['start', '--silent', '--', '--port', String(port), '--save', '3600 1', '--dbfilename', dbfile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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
