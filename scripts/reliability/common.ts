/**
 * Shared pieces of `npm run chaos` and `npm run fuzz`: seeded randomness,
 * servers (tredis-server or redis-server child processes on free loopback
 * ports in owned temp dirs, stopped by PID on exit, Ctrl-C, SIGTERM and
 * failure: test/helpers/servers.ts over bench/util.ts's owned processes),
 * bounded waits, the liveness probe (a PING that must answer within a bound),
 * RSS from /proc, and the run summary with its exit code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { arg, ownedTempDir, removeOwnedDir } from '../../bench/util';
import { mulberry32 } from '../../test/helpers/prng';
import { TestClient, ReplyError, type Reply } from '../../test/helpers/resp';
import { startRedis, startTredisProcess, freePort, type ChildServer } from '../../test/helpers/servers';

export { arg, ReplyError, TestClient, type Reply };

/** A seeded random source (mulberry32): the same seed replays the same run. */
export class Rng {
  private readonly next: () => number;
  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }
  /** A float in [0, 1). */
  float(): number {
    return this.next();
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  /** One element of a non-empty array. */
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** n random bytes. */
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

/** Numeric option `--name N` (def when absent); exits with a message on a bad value. */
export function numArg(name: string, def: number): number {
  const v = Number(arg(name, String(def)));
  if (!Number.isFinite(v) || v < 0) {
    console.error(`--${name}: not a non-negative number`);
    process.exit(2);
  }
  return v;
}

/** The seed of a run: `--seed N`, else one from the clock (printed, so the run can be replayed). */
export function seedArg(): number {
  return numArg('seed', Date.now() % 1_000_000_007);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A promise's value, or 'timeout' when it does not settle within ms (the promise keeps running). */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let t: NodeJS.Timeout | undefined;
  const timer = new Promise<'timeout'>((r) => (t = setTimeout(() => r('timeout'), ms)));
  try {
    return await Promise.race([p, timer]);
  } finally {
    clearTimeout(t);
  }
}

export type Kind = 'tredis' | 'redis';

/**
 * One server of a run: its process can be killed with SIGKILL and restarted
 * on the same port from the same dir (its persistence), stopped with
 * SIGSTOP and continued. `c` is a client connection (reopened on restart).
 */
export class Node {
  child!: ChildServer;
  c!: TestClient;
  /** Times this node was started (1 after start()). */
  starts = 0;
  private constructor(
    readonly kind: Kind,
    readonly port: number,
    readonly dir: string,
    private extra: string[],
  ) {}

  /** Start a server of `kind` with `extra` config args in a fresh owned temp dir. */
  static async start(kind: Kind, extra: string[]): Promise<Node> {
    const n = new Node(kind, await freePort(), ownedTempDir(`reliab-${kind}-`), extra);
    await n.boot();
    return n;
  }

  get name(): string {
    return `${this.kind}:${this.port}`;
  }

  get pid(): number {
    return this.child.proc.pid ?? -1;
  }

  /** Whether the process is still running. */
  get alive(): boolean {
    return this.child.proc.exitCode === null && this.child.proc.signalCode === null;
  }

  private async boot(more: string[] = []): Promise<void> {
    const opts = { port: this.port, dir: this.dir };
    const args = [...this.extra, ...more];
    this.child = this.kind === 'tredis' ? await startTredisProcess(args, opts) : await startRedis(args, opts);
    this.c = await TestClient.connect(this.port);
    this.starts++;
  }

  /** kill -9 the process (waits for its exit). */
  async kill9(): Promise<void> {
    this.c.close();
    await this.child.kill9();
  }

  /** Start again on the same port and dir (after kill9 or stop), with extra args for this start only. */
  async restart(more: string[] = []): Promise<void> {
    await this.boot(more);
  }

  /** SIGSTOP / SIGCONT. */
  pause(): void {
    this.child.proc.kill('SIGSTOP');
  }
  resume(): void {
    this.child.proc.kill('SIGCONT');
  }

  /** Stop the server (SIGCONT first, in case it is paused) and remove its dir. */
  async stop(): Promise<void> {
    try {
      this.c.close();
      if (this.alive) this.resume();
      await this.child.kill9();
    } finally {
      removeOwnedDir(this.dir);
    }
  }

  /** The server's log (its logfile plus stdout/stderr), last `max` characters. */
  logTail(max = 3000): string {
    const l = this.child.log();
    return l.slice(-max);
  }

  /** The persistence files in the node's dir, with their sizes: `dump.rdb 1234, appendonlydir/x.aof 56`. */
  persistenceFiles(): string {
    const out: string[] = [];
    const walk = (rel: string): void => {
      for (const e of fs.readdirSync(path.join(this.dir, rel), { withFileTypes: true })) {
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) walk(r);
        else if (e.name !== 'server.log') out.push(`${r} ${fs.statSync(path.join(this.dir, r)).size}`);
      }
    };
    walk('');
    return out.sort().join(', ');
  }

  /** INFO <section> as a Map. */
  async info(section: string): Promise<Map<string, string>> {
    const r = await this.c.call('INFO', section);
    if (typeof r !== 'string') throw new Error(`${this.name} INFO ${section}: ${String(r)}`);
    const m = new Map<string, string>();
    for (const line of r.split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1));
    }
    return m;
  }
}

/** Resident set size of a process in KB (0 when unknown). */
export function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * The liveness probe: a dedicated connection whose PING must answer +PONG
 * within `ms`. Returns '' when it did, else what went wrong.
 */
export class Prober {
  private c: TestClient | null = null;
  constructor(
    private readonly port: number,
    private readonly ms: number,
  ) {}
  async ping(): Promise<string> {
    if (!this.c || this.c.closed) {
      const c = await within(TestClient.connect(this.port).catch((e: Error) => e), this.ms);
      if (c === 'timeout') return `connect did not complete within ${this.ms} ms`;
      if (c instanceof Error) return `connect failed: ${c.message}`;
      this.c = c;
    }
    const t0 = performance.now();
    const r = await within(this.c.call('PING').catch((e: Error) => e), this.ms);
    if (r === 'timeout') return `PING not answered within ${this.ms} ms`;
    if (r instanceof Error) return `PING failed: ${r.message}`;
    if (r !== 'PONG') return `PING answered ${String(r)}`;
    this.worst = Math.max(this.worst, performance.now() - t0);
    return '';
  }
  /** Slowest PING answered so far (ms). */
  worst = 0;
  close(): void {
    this.c?.close();
  }
}

/** The kind of one RESP reply from its first bytes: '+', '-ERR', '-WRONGTYPE', ':', '$', '$-1', '*', '*-1', '_', ... */
export function replyKind(raw: string): string {
  const t = raw[0];
  if (t === '-') return '-' + raw.slice(1).split(/[ \r]/)[0];
  if ((t === '$' || t === '*') && raw.startsWith(`${t}-1\r\n`)) return `${t}-1`;
  return t ?? '';
}

/** Counters and failures of a run, printed as the summary; failures make the exit code 1. */
export class Report {
  readonly counts = new Map<string, number>();
  readonly failures: string[] = [];
  readonly notes: string[] = [];
  private readonly t0 = performance.now();
  constructor(readonly title: string) {}
  add(name: string, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }
  set(name: string, v: number): void {
    this.counts.set(name, v);
  }
  max(name: string, v: number): void {
    this.counts.set(name, Math.max(this.counts.get(name) ?? 0, v));
  }
  fail(msg: string): void {
    this.failures.push(msg);
    console.error(`FAIL ${msg}`);
  }
  note(msg: string): void {
    this.notes.push(msg);
    console.log(`note: ${msg}`);
  }
  get seconds(): number {
    return (performance.now() - this.t0) / 1000;
  }
  /** The summary block (also written as JSON to --json FILE when given). */
  print(): void {
    console.log(`\n== ${this.title}: ${this.failures.length === 0 ? 'PASS' : `FAIL (${this.failures.length})`} in ${this.seconds.toFixed(1)} s`);
    for (const [k, v] of this.counts) console.log(`  ${k}: ${Number.isInteger(v) ? v : v.toFixed(1)}`);
    for (const n of this.notes.slice(0, 20)) console.log(`  note: ${n}`);
    for (const f of this.failures.slice(0, 20)) console.log(`  FAIL: ${f}`);
    const json = arg('json', '');
    if (json) {
      const prev = fs.existsSync(json) ? (JSON.parse(fs.readFileSync(json, 'utf8')) as unknown[]) : [];
      prev.push({ title: this.title, seconds: this.seconds, counts: Object.fromEntries(this.counts), failures: this.failures, notes: this.notes });
      fs.mkdirSync(path.dirname(path.resolve(json)), { recursive: true });
      fs.writeFileSync(json, JSON.stringify(prev, null, 1));
    }
  }
}

/** Run the parts a command line asked for, print every summary, exit 1 on any failure (2 on a harness error). */
export async function main(parts: Array<[string, () => Promise<Report>]>): Promise<void> {
  const only = arg('only', '');
  const chosen = parts.filter(([name]) => only === '' || only.split(',').includes(name));
  if (chosen.length === 0) {
    console.error(`--only: one of ${parts.map(([n]) => n).join(', ')}`);
    process.exit(2);
  }
  const reports: Report[] = [];
  try {
    for (const [, run] of chosen) {
      const r = await run();
      r.print();
      reports.push(r);
    }
  } catch (e) {
    console.error(`harness error: ${(e as Error).stack ?? String(e)}`);
    process.exit(2);
  }
  const failed = reports.reduce((n, r) => n + r.failures.length, 0);
  console.log(failed === 0 ? '\nALL PASS' : `\n${failed} FAILURE(S)`);
  process.exit(failed === 0 ? 0 : 1);
}
