/**
 * Start and stop servers for tests: embedded tredis (createServer), tredis as
 * a child process (bin/tredis-server), and the real redis-server 7.0 from
 * Debian. Free loopback ports, temp dirs, and every process stopped (children
 * are bench/util's owned processes: killed on exit, Ctrl-C and SIGTERM).
 */
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type TredisServer } from '../../src/index';
import type { ServerOptions } from '../../src/server/server';
import { TestClient } from './resp';
import { spawnOwned } from '../../bench/util';

/** Repo root (works from dist/test/helpers too). */
export const ROOT = (() => {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json'))) {
    const up = path.dirname(d);
    if (up === d) throw new Error(`no package.json above ${__dirname}: run from a checkout of tredis`);
    d = up;
  }
  return d;
})();

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
    s.on('error', reject);
  });
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'tredis-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Start an embedded tredis on a free port. */
export async function startTredis(opts: ServerOptions = {}): Promise<TredisServer> {
  return createServer({ port: 0, dir: tempDir(), ...opts });
}

/** Whether a binary is on PATH. */
export function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** Redis peers are needed: skip when missing, except under CI where that is a failure. */
export function redisAvailable(): boolean {
  const ok = hasBinary('redis-server') && hasBinary('redis-cli');
  if (!ok && process.env.CI === 'true') throw new Error('redis-server/redis-cli not installed but CI=true: install redis-server redis-tools');
  return ok;
}

/** Message used by skipped tests. */
export const SKIP_NO_REDIS = 'redis-server not installed (apt-get install redis-server redis-tools); skipped';

/** A child server process (redis-server or tredis-server). */
export interface ChildServer {
  port: number;
  dir: string;
  proc: ChildProcess;
  log: () => string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

async function waitReady(port: number, proc: ChildProcess, logf: () => string, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}: ${logf()}`);
    try {
      const c = await TestClient.connect(port);
      const r = await c.call('PING');
      c.close();
      if (r === 'PONG' || (typeof r === 'object' && r !== null && String(r).startsWith('NOAUTH'))) return;
      if (String(r).startsWith('LOADING')) {
        await new Promise((res) => setTimeout(res, 50));
        continue;
      }
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`server on ${port} not ready: ${logf()}`);
}

async function startChild(bin: string, args: string[], port: number, dir: string, nofile?: number): Promise<ChildServer> {
  let out = '';
  // with `nofile`, the server starts under `ulimit -n nofile` (bash execs it: same pid)
  const proc =
    nofile === undefined
      ? spawnOwned(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawnOwned('bash', ['-c', `ulimit -n ${nofile} && exec "$0" "$@"`, bin, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => (out += d.toString()));
  proc.stderr!.on('data', (d) => (out += d.toString()));
  const logf = () => {
    const lf = path.join(dir, 'server.log');
    return out + (fs.existsSync(lf) ? fs.readFileSync(lf, 'utf8') : '');
  };
  const stop = (sig: NodeJS.Signals) => async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const done = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill(sig);
    const t = setTimeout(() => proc.kill('SIGKILL'), 10000);
    await done;
    clearTimeout(t);
  };
  try {
    await waitReady(port, proc, logf);
  } catch (e) {
    await stop('SIGKILL')();
    throw e;
  }
  return { port, dir, proc, log: logf, stop: stop('SIGTERM'), kill9: stop('SIGKILL') };
}

/** Start the real redis-server on a free port in a temp dir. Extra args are `--name value` pairs. */
export async function startRedis(extra: string[] = [], opts: { port?: number; dir?: string; nofile?: number } = {}): Promise<ChildServer> {
  const port = opts.port ?? (await freePort());
  const dir = opts.dir ?? tempDir('redis-test-');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--logfile', path.join(dir, 'server.log'), '--enable-debug-command', 'yes', ...extra];
  return startChild('redis-server', args, port, dir, opts.nofile);
}

/** Start tredis-server as a child process (the real binary). */
export async function startTredisProcess(extra: string[] = [], opts: { port?: number; dir?: string; config?: string; nofile?: number } = {}): Promise<ChildServer> {
  const port = opts.port ?? (await freePort());
  const dir = opts.dir ?? tempDir();
  const args = [path.join(ROOT, 'bin', 'tredis-server')];
  if (opts.config) args.push(opts.config);
  args.push('--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--logfile', path.join(dir, 'server.log'), '--enable-debug-command', 'yes', ...extra);
  return startChild(process.execPath, args, port, dir, opts.nofile);
}

/** Poll until fn() is truthy (bounded). */
export async function waitFor<T>(fn: () => Promise<T> | T, timeoutMs = 10000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
}
