/**
 * Embedding API: start a real tredis inside the calling Node process.
 *
 *   const server = await createServer({ port: 0 });
 *   const client = await connect(server.port);   // or any Redis client on 127.0.0.1:server.port
 *   await client.call('SET', 'k', 'v');
 *   client.close();
 *   await server.close();
 * The ESM entry (esm/index.mjs) re-exports this module; `tredis/testing` is src/testing.ts.
 */
import * as os from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Server, type ServerOptions } from './server/server';
import { splitArgs } from './util/split-args';
import type { Directive } from './config/parse';

export { Server } from './server/server';
export type { ServerOptions } from './server/server';
export { connect, ReplyError, type TredisClient, type ReplyValue } from './client';
export { tredisVersion } from './version';

/** A running embedded server. */
export interface TredisServer {
  /** the TCP port actually bound (useful with port: 0) */
  readonly port: number;
  /** the host it listens on */
  readonly host: string;
  /** the data directory */
  readonly dir: string;
  /** the underlying Server object */
  readonly server: Server;
  /** stop listening, close clients, stop timers (no save unless `save: true`) */
  close(opts?: { save?: boolean }): Promise<void>;
}

function toKebab(k: string): string {
  return k.replace(/[A-Z]/g, (m) => '-' + m.toLowerCase());
}

/** Turn `{ port: 0, appendonly: true, save: '' }` into config directives. */
export function optionsToDirectives(opts: Record<string, unknown>, server: Server): Directive[] {
  const out: Directive[] = [];
  let line = 0;
  for (const [k0, v] of Object.entries(opts)) {
    if (k0 === 'clock' || k0 === 'logToStdout' || v === undefined) continue;
    const name = toKebab(k0);
    const def = server.config.registry.find(name);
    let args: string[];
    if (typeof v === 'boolean') args = [v ? 'yes' : 'no'];
    else if (typeof v === 'number') args = [String(v)];
    else if (Array.isArray(v)) args = v.map(String);
    else if (def && def.multiArg) args = String(v) === '' ? [] : (splitArgs(String(v)) ?? [String(v)]);
    else args = [String(v)];
    out.push({ name, args, file: null, line: ++line, text: `${name} ${args.join(' ')}` });
  }
  return out;
}

/**
 * Start a tredis server in this process. Options are redis.conf directive
 * names (kebab-case or camelCase). Embedded defaults differ from the binary's:
 * bind 127.0.0.1, no save points, and a fresh temporary `dir` unless given.
 */
export async function createServer(options: ServerOptions = {}): Promise<TredisServer> {
  const server = new Server(options);
  const defaults: Record<string, unknown> = { bind: '127.0.0.1', save: '' };
  if (options.dir === undefined) defaults.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tredis-'));
  server.config.loadDirectives(optionsToDirectives({ ...defaults, ...options }, server));
  await server.start();
  return {
    get port() {
      return server.port;
    },
    host: '127.0.0.1',
    dir: server.dataDir,
    server,
    async close(opts = {}) {
      if (opts.save) await server.shutdown({ save: true, now: false, force: true });
      else await server.close();
    },
  };
}
