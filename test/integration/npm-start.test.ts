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
