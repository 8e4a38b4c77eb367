/**
 * Shared pieces of the side-by-side benchmark scripts: command-line options,
 * a minimal one-request-at-a-time RESP client, free loopback ports, and the
 * children and temp dirs a script owns (stopped and removed on exit, Ctrl-C
 * and SIGTERM: spawnOwned, ownedTempDir, runOwned).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** Value of `--name value` on the command line, or def. */
export function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

/** Whether `--name` is on the command line. */
export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/** A minimal RESP client: one request at a time, small replies. */
export class Conn {
  private buf = '';
  private waiter: ((s: string) => void) | null = null;
  private constructor(private readonly sock: net.Socket) {
    sock.setNoDelay(true);
    sock.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      this.tryResolve();
    });
    sock.on('error', () => {});
  }
  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }
  /** Length of one complete reply at the start of buf, or -1. */
  private complete(p: number): number {
    const nl = this.buf.indexOf('\r\n', p);
    if (nl < 0) return -1;
    const t = this.buf[p];
    if (t === '$') {
      const n = Number(this.buf.slice(p + 1, nl));
      if (n < 0) return nl + 2;
      return this.buf.length >= nl + 2 + n + 2 ? nl + 4 + n : -1;
    }
    if (t === '*') {
      const n = Number(this.buf.slice(p + 1, nl));
      let q = nl + 2;
      for (let i = 0; i < n; i++) {
        q = this.complete(q);
        if (q < 0) return -1;
      }
      return q;
    }
    return nl + 2;
  }
  private tryResolve(): void {
    if (!this.waiter) return;
    const end = this.complete(0);
    if (end < 0) return;
    const r = this.buf.slice(0, end);
    this.buf = this.buf.slice(end);
    const w = this.waiter;
    this.waiter = null;
    w(r);
  }
  call(...argv: Array<string | number>): Promise<string> {
    let s = `*${argv.length}\r\n`;
    for (const a of argv) {
      const v = String(a);
      s += `$${Buffer.byteLength(v, 'latin1')}\r\n${v}\r\n`;
    }
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.sock.write(s, 'latin1');
      this.tryResolve();
    });
  }
  close(): void {
    this.sock.destroy();
  }
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** A field of an INFO reply ('' when absent). */
export function infoField(text: string, name: string): string {
  const m = new RegExp(`^${name}:(.*)$`, 'm').exec(text);
  return m ? m[1].trim() : '';
}

/** The p-th percentile of an ascending array (NaN when empty). */
export function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

export interface LatencyStats {
  p50: number;
  p99: number;
  max: number;
  n: number;
}

/** p50/p99/max (ms) and count of latency samples. */
export function summarize(l: number[]): LatencyStats {
  const s = l.slice().sort((a, b) => a - b);
  return { p50: pct(s, 50), p99: pct(s, 99), max: s.length ? s[s.length - 1] : NaN, n: s.length };
}

/**
 * One client running GET and SET alternately on random keys of `keys`, one
 * request in flight, each timed (ms), until stop() (which returns the samples).
 */
export function latencyLoop(c: Conn, first: 'GET' | 'SET', keys: number): { stop: () => Promise<number[]> } {
  const lat: number[] = [];
  let on = true;
  const done = (async () => {
    let i = 0;
    while (on) {
      const k = `key:${Math.floor(Math.random() * keys)}`;
      const t0 = process.hrtime.bigint();
      if ((i++ & 1) === (first === 'GET' ? 1 : 0)) await c.call('SET', k, 'x'.repeat(16));
      else await c.call('GET', k);
      lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  })();
  return {
    stop: async () => {
      on = false;
      await done;
      return lat;
    },
  };
}

/** Put `section` (starting with its `## heading` line) into a markdown file: in place of that section, or appended. */
export function replaceDocSection(file: string, heading: string, section: string): void {
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf(heading);
  if (start >= 0) {
    const next = text.indexOf('\n## ', start + 1);
    text = text.slice(0, start) + section + (next >= 0 ? '\n' + text.slice(next + 1) : '');
  } else {
    text = text.replace(/\n*$/, '\n\n') + section;
  }
  fs.writeFileSync(file, text);
}

// ---------------------------------------------------------------- processes and temp dirs

/** Every child process and temp dir a bench script started: stopped and removed on exit and on SIGINT/SIGTERM/SIGHUP. */
const ownedProcs = new Set<ChildProcess>();
const ownedDirs = new Set<string>();
let handlersInstalled = false;

/** Start a child process that is stopped whatever happens to this script. */
export function spawnOwned(cmd: string, argv: readonly string[], opts: SpawnOptions = {}): ChildProcess {
  installCleanup();
  const p = spawn(cmd, argv, { stdio: 'ignore', ...opts });
  ownedProcs.add(p);
  p.once('exit', () => ownedProcs.delete(p));
  p.once('error', () => ownedProcs.delete(p));
  return p;
}

/** A fresh temp dir that is removed when the script ends, however it ends. */
export function ownedTempDir(prefix: string): string {
  installCleanup();
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  ownedDirs.add(d);
  return d;
}

/** Remove an owned temp dir now. */
export function removeOwnedDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  ownedDirs.delete(dir);
}

function killAll(sig: NodeJS.Signals): void {
  for (const p of ownedProcs) {
    try {
      if (p.exitCode === null && p.signalCode === null) p.kill(sig);
    } catch {
      /* gone */
    }
  }
}

function removeAllDirs(): void {
  for (const d of [...ownedDirs]) removeOwnedDir(d);
}

/**
 * On SIGINT/SIGTERM/SIGHUP: SIGTERM to every owned process (a child bench
 * script then cleans up its own), up to 5 s for them to exit, SIGKILL for the
 * rest, temp dirs removed, exit 128+signal. On a normal exit: SIGKILL and remove.
 */
function installCleanup(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    killAll('SIGKILL');
    removeAllDirs();
  });
  let stopping = false;
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`\n${sig}: stopping ${ownedProcs.size} process(es), removing ${ownedDirs.size} temp dir(s)\n`);
      killAll('SIGTERM');
      const deadline = Date.now() + 5000;
      const wait = (): void => {
        if (ownedProcs.size > 0 && Date.now() < deadline) {
          setTimeout(wait, 50);
          return;
        }
        killAll('SIGKILL');
        removeAllDirs();
        process.exit(code);
      };
      wait();
    });
  }
}

/** Run a program to its end (owned: a signal stops it too); its stdout and exit code. */
export function runOwned(cmd: string, argv: readonly string[], opts: { timeoutMs?: number; inherit?: boolean } = {}): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const p = spawnOwned(cmd, argv, { stdio: opts.inherit ? 'inherit' : ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout?.setEncoding('utf8');
    p.stdout?.on('data', (d: string) => (out += d));
    const t = opts.timeoutMs ? setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs) : null;
    p.once('error', () => resolve({ code: null, stdout: out }));
    p.once('close', (code) => {
      if (t) clearTimeout(t);
      resolve({ code, stdout: out });
    });
  });
}
