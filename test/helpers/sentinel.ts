/**
 * Run the real redis-sentinel (Debian's Redis 7.0) from tests: a config file
 * in a temp dir (Sentinel rewrites it, so it must be writable), log to stdout,
 * ready when it answers PING, stopped in after().
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort, tempDir, hasBinary } from './servers';
import { startDaemon, type Daemon } from './tools';
import { TestClient } from './resp';

/** Whether redis-sentinel is installed (Debian: package redis-sentinel, or redis-server's binary via argv[0]). */
export function sentinelAvailable(): boolean {
  return hasBinary('redis-sentinel') || hasBinary('redis-server');
}

/** A running sentinel. */
export interface SentinelProcess {
  port: number;
  dir: string;
  configFile: string;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Start redis-sentinel with `lines` (e.g. `sentinel monitor mymaster 127.0.0.1 6379 1`)
 * after `port`, `bind`, `dir`, `logfile ""`.
 */
export async function startSentinel(lines: string[], opts: { port?: number; timeoutMs?: number } = {}): Promise<SentinelProcess> {
  const port = opts.port ?? (await freePort());
  const dir = tempDir('sentinel-test-');
  const configFile = path.join(dir, 'sentinel.conf');
  fs.writeFileSync(configFile, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, 'logfile ""', `loglevel ${process.env.SENTINEL_LOGLEVEL ?? 'notice'}`, ...lines, ''].join('\n'));
  // redis-server <conf> --sentinel is the same program when redis-sentinel is missing
  const d: Daemon = hasBinary('redis-sentinel') ? startDaemon('redis-sentinel', [configFile], { cwd: dir }) : startDaemon('redis-server', [configFile, '--sentinel'], { cwd: dir });
  const deadline = Date.now() + (opts.timeoutMs ?? 10000);
  for (;;) {
    if (d.proc.exitCode !== null) throw new Error(`redis-sentinel exited with ${d.proc.exitCode}:\n${d.output()}`);
    try {
      const c = await TestClient.connect(port);
      const r = await c.call('PING');
      c.close();
      if (r === 'PONG') break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      await d.stop();
      throw new Error(`redis-sentinel on ${port} not ready:\n${d.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, dir, configFile, output: d.output, stop: () => d.stop() };
}
