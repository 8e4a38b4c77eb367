/**
 * Run external tools (redis-cli, redis-benchmark, redis-sentinel) from tests.
 *
 * Never use spawnSync/execSync against an EMBEDDED server (startTredis): the
 * server lives in the test's own event loop, which spawnSync blocks, so the
 * tool waits for a reply that can never be written and the test hangs
 * forever (that was the "node-redis hangs after ioredis" bug: the test after
 * it ran redis-cli through spawnSync; the spec reporter, blocked too, never
 * printed that the node-redis test had finished).
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** What a finished tool run produced. */
export interface ToolResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** killed because it ran past timeoutMs */
  timedOut: boolean;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of running) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/** Run a program asynchronously (the event loop keeps serving embedded servers), bounded by timeoutMs. */
export function runTool(bin: string, args: string[], opts: { timeoutMs?: number; input?: string | Buffer; cwd?: string } = {}): Promise<ToolResult> {
  const timeoutMs = opts.timeoutMs ?? 30000;
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, args, { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(proc);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    proc.stdout!.setEncoding('latin1');
    proc.stderr!.setEncoding('latin1');
    proc.stdout!.on('data', (d: string) => (stdout += d));
    proc.stderr!.on('data', (d: string) => (stderr += d));
    proc.stdin!.on('error', () => {});
    proc.stdin!.end(opts.input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill('SIGKILL');
    }, timeoutMs);
    proc.once('error', (e) => {
      clearTimeout(timer);
      running.delete(proc);
      reject(e);
    });
    proc.once('close', (status, signal) => {
      clearTimeout(timer);
      running.delete(proc);
      resolve({ status, signal, stdout, stderr, timedOut });
    });
  });
}

/** A long-running child (redis-sentinel): output captured, stopped by stop(). */
export interface Daemon {
  proc: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Start a long-running program; stop() sends SIGTERM, then SIGKILL after graceMs. */
export function startDaemon(bin: string, args: string[], opts: { cwd?: string; graceMs?: number } = {}): Daemon {
  const proc = spawn(bin, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  proc.on('error', (e) => (out += `\n[spawn error] ${e.message}\n`));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        running.delete(proc);
        return;
      }
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), opts.graceMs ?? 5000);
      await exited;
      clearTimeout(t);
      running.delete(proc);
    },
  };
}
