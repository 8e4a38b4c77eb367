/**
 * The package as a user gets it: `npm pack`, then `npm install ./tredis-x.y.z.tgz`
 * into an empty project (offline: the package has no runtime dependencies).
 * The README's examples (the blocks marked `example.mjs` and
 * `example.test.mjs`) run from that install exactly as written, as do
 * require('tredis'), the bins and the types. Everything lives in one temp
 * dir, removed at the end.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, freePort, waitFor } from '../helpers/servers';
import { TestClient } from '../helpers/resp';
import { docBlocks } from '../helpers/docs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let tmp = '';
let proj = '';

function run(cmd: string, args: string[], cwd: string, timeout = 60000): SpawnSyncReturns<string> {
  // a clean environment for the user's commands: not our test runner's child context
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false' };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env });
  if (r.error) throw r.error;
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what} exited ${r.status} ${r.signal ?? ''}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tredis-pack-'));
  proj = path.join(tmp, 'project');
  fs.mkdirSync(proj);
  // dist/ is built (npm test runs tsc first); --ignore-scripts: no rebuild under the other tests' feet
  const out = ok(run(npm, ['pack', '--ignore-scripts', '--silent', '--pack-destination', tmp], ROOT, 120000), 'npm pack');
  const tgz = path.join(tmp, out.trim().split('\n').pop()!);
  assert.ok(fs.existsSync(tgz), tgz);
  fs.writeFileSync(path.join(proj, 'package.json'), JSON.stringify({ name: 'first-hour', version: '1.0.0', private: true }));
  ok(run(npm, ['install', '--offline', '--no-audit', '--no-fund', tgz], proj, 120000), 'npm install <tarball>');
});

after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the package has no runtime dependencies and ships both entry points with types', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(proj, 'node_modules', 'tredis', 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(pkg.dependencies, undefined);
  for (const f of ['esm/index.mjs', 'esm/testing.mjs', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/testing.d.ts', 'bin/tredis-server', 'bin/tredis-cli']) {
    assert.ok(fs.existsSync(path.join(proj, 'node_modules', 'tredis', f)), f);
  }
  assert.ok(!fs.existsSync(path.join(proj, 'node_modules', 'tredis', 'dist', 'test')), 'tests are not shipped');
});

test("README's example.mjs runs as written and prints hello", () => {
  const block = docBlocks('README.md').find((b) => b.info === 'example.mjs');
  assert.ok(block, 'README has a ```js example.mjs block');
  fs.writeFileSync(path.join(proj, 'example.mjs'), block.body);
  assert.equal(ok(run(process.execPath, ['example.mjs'], proj, 30000), 'node example.mjs'), 'hello\n');
});

test("README's node:test example (tredis/testing) passes", () => {
  const block = docBlocks('README.md').find((b) => b.info === 'example.test.mjs');
  assert.ok(block, 'README has a ```js example.test.mjs block');
  fs.writeFileSync(path.join(proj, 'example.test.mjs'), block.body);
  const out = ok(run(process.execPath, ['--test', 'example.test.mjs'], proj, 60000), 'node --test example.test.mjs');
  assert.match(out, /# pass 2\n/);
  assert.match(out, /# fail 0\n/);
});

test("require('tredis') works from CommonJS", () => {
  const code = `const { createServer, connect } = require('tredis');
(async () => {
  const server = await createServer({ port: 0 });
  const client = await connect(server.port);
  await client.call('SET', 'k', 'hello');
  console.log(await client.call('GET', 'k'));
  client.close();
  await server.close();
})();`;
  fs.writeFileSync(path.join(proj, 'example.cjs'), code);
  assert.equal(ok(run(process.execPath, ['example.cjs'], proj, 30000), 'node example.cjs'), 'hello\n');
});

test('the types resolve for import and require (tsc, node16 resolution)', () => {
  fs.writeFileSync(
    path.join(proj, 'typed.mts'),
    `import { createServer, connect, type TredisClient } from 'tredis';
import { tredisPerSuite, type SuiteServer } from 'tredis/testing';
const server = await createServer({ port: 0 });
const client: TredisClient = await connect(server.port);
const suite: typeof tredisPerSuite = tredisPerSuite;
let s: SuiteServer | undefined;
void suite; void s;
await server.close();
`,
  );
  fs.writeFileSync(path.join(proj, 'typed.cts'), `import tredis = require('tredis');\nexport async function port(): Promise<number> { return (await tredis.createServer({ port: 0 })).port; }\n`);
  fs.writeFileSync(path.join(proj, 'wrong.mts'), `import { createServerr } from 'tredis';\nvoid createServerr;\n`);
  const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
  const args = ['--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022', '--skipLibCheck'];
  args.push('--typeRoots', path.join(ROOT, 'node_modules', '@types'), '--types', 'node');
  ok(run(tsc, [...args, 'typed.mts', 'typed.cts'], proj), 'tsc on typed.mts typed.cts');
  const bad = run(tsc, [...args, 'wrong.mts'], proj);
  assert.notEqual(bad.status, 0, 'a wrong import is a type error');
  assert.match(bad.stdout, /has no exported member.*'createServerr'/);
});

test('npx tredis-server and npx tredis-cli run from the install', async () => {
  assert.match(ok(run('npx', ['--offline', 'tredis-server', '--version'], proj), 'npx tredis-server --version'), /^Redis server v=7\.0\.15 .*build=tredis-/);
  assert.match(ok(run('npx', ['--offline', 'tredis-cli', '--version'], proj), 'npx tredis-cli --version'), /^tredis-cli 7\.0\.15 \(tredis /);
  const port = await freePort();
  const dir = path.join(tmp, 'data');
  fs.mkdirSync(dir);
  const server = spawn(path.join(proj, 'node_modules', '.bin', 'tredis-server'), ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''], { cwd: proj, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
  try {
    const c = (await waitFor(async () => TestClient.connect(port).catch(() => null), 20000, 'tredis-server listening')) as TestClient;
    c.close();
    assert.equal(ok(run('npx', ['--offline', 'tredis-cli', '-p', String(port), 'PING'], proj), 'npx tredis-cli PING'), 'PONG\n');
    server.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    server.kill('SIGKILL');
  }
});
