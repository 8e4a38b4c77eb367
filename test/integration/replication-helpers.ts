/**
 * Helpers shared by the replication tests: INFO parsing, waiting for a
 * replica to be in sync, DEBUG DIGEST (or the same digest computed in
 * process for an embedded tredis), and log capture of embedded servers.
 */
import * as net from 'node:net';
import { TestClient, ReplyError, type Reply } from '../helpers/resp';
import { freePort, waitFor } from '../helpers/servers';
import { parseInfo } from '../helpers/info';
import type { TredisServer } from '../../src/index';
import type { Server } from '../../src/server/server';
import { digestDataset } from '../../src/keyspace/digest';
import { toPlainValue } from '../../src/persistence/convert';

/** A server under test: a client connection plus, for embedded tredis, the Server object. */
export interface Node {
  port: number;
  c: TestClient;
  server?: Server;
}

/** Connect to an embedded tredis. */
export async function tredisNode(t: TredisServer): Promise<Node> {
  return { port: t.port, c: await TestClient.connect(t.port), server: t.server };
}

/** Connect to a child server (redis-server or tredis-server). */
export async function childNode(port: number): Promise<Node> {
  return { port, c: await TestClient.connect(port) };
}

export { parseInfo };

/** INFO <section> as a Map (an embedded server's own hook when INFO is not available yet). */
export async function info(n: Node, section = 'replication'): Promise<Map<string, string>> {
  const r = await n.c.call('INFO', section);
  if (typeof r === 'string') return parseInfo(r);
  if (n.server && r instanceof ReplyError && section === 'replication') {
    const m = new Map<string, string>();
    for (const [k, v] of n.server.replication.info()) m.set(k, String(v));
    return m;
  }
  if (n.server && r instanceof ReplyError && section === 'stats') {
    const st = n.server.stats;
    return new Map([
      ['sync_full', String(st.syncFull)],
      ['sync_partial_ok', String(st.syncPartialOk)],
      ['sync_partial_err', String(st.syncPartialErr)],
    ]);
  }
  throw new Error(`INFO ${section} failed: ${String(r)}`);
}

/** One INFO field. */
export async function infoField(n: Node, field: string, section = 'replication'): Promise<string | undefined> {
  return (await info(n, section)).get(field);
}

/** Wait until a replica's link is up and it applied everything its master sent. */
export async function waitInSync(master: Node, replica: Node, timeoutMs = 15000): Promise<void> {
  await waitFor(
    async () => {
      const ri = await info(replica);
      if (ri.get('master_link_status') !== 'up') return false;
      const mi = await info(master);
      return ri.get('slave_repl_offset') === mi.get('master_repl_offset');
    },
    timeoutMs,
    `replica on ${replica.port} in sync with master on ${master.port}`,
  );
}

/** DEBUG DIGEST, or the same digest computed in process when the command is not there. */
export async function digest(n: Node): Promise<string> {
  const r = await n.c.call('DEBUG', 'DIGEST');
  if (typeof r === 'string') return r;
  if (!n.server) throw new Error(`DEBUG DIGEST failed: ${String(r)}`);
  const s = n.server;
  return digestDataset((cb) => {
    s.dbs.forEach((db, i) => {
      db.forEach((key, value, expireAt) => cb(i, key, toPlainValue(value), expireAt));
    });
  });
}

/** CONFIG SET, or the in-process equivalent when the command is not there. */
export async function configSet(n: Node, name: string, value: string): Promise<void> {
  const r = await n.c.call('CONFIG', 'SET', name, value);
  if (r === 'OK') return;
  if (n.server && r instanceof ReplyError && r.message.startsWith('ERR unknown command')) {
    n.server.config.setMany([[name, value]]);
    return;
  }
  throw new Error(`CONFIG SET ${name} ${value}: ${String(r)}`);
}

/** Kill the master link of a replica: CLIENT KILL TYPE master, or closing the link's socket. */
export async function killMasterLink(n: Node): Promise<void> {
  const r = await n.c.call('CLIENT', 'KILL', 'TYPE', 'master');
  if (typeof r === 'number' && r > 0) return;
  if (!n.server) throw new Error(`CLIENT KILL TYPE master: ${String(r)}`);
  for (const c of n.server.clients.values()) if (c.isMaster) c.kill();
}

/** Capture the log lines of an embedded server. */
export function captureLog(s: Server): string[] {
  const lines: string[] = [];
  s.logger.listeners.push((l) => lines.push(l));
  return lines;
}

/** Whether the log holds a line ending with this message. */
export function logged(lines: readonly string[], msg: string | RegExp): boolean {
  return lines.some((l) => (typeof msg === 'string' ? l.includes(` ${msg}`) : msg.test(l)));
}

/** Wait for a log line. */
export async function waitLog(lines: readonly string[] | (() => string[]), msg: string | RegExp, timeoutMs = 10000): Promise<void> {
  const get = typeof lines === 'function' ? lines : () => lines;
  await waitFor(() => logged(get(), msg), timeoutMs, `log line ${String(msg)}`);
}

/** Call and fail on error replies. */
export async function ok(c: TestClient, ...argv: Array<string | number>): Promise<Reply> {
  const r = await c.call(...argv);
  if (r instanceof ReplyError) throw new Error(`${argv.join(' ')} -> ${r.message}`);
  return r;
}

/** Sleep (bounded waits only). */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A dataset of every type across a few dbs, written through a client. */
export async function writeEveryType(c: TestClient, prefix = ''): Promise<void> {
  const p = prefix;
  await ok(c, 'SELECT', 0);
  await ok(c, 'SET', `${p}str`, 'hello');
  await ok(c, 'SET', `${p}int`, 12345);
  await ok(c, 'SET', `${p}big`, 'x'.repeat(5000));
  await ok(c, 'SET', `${p}bin`, Buffer.from([0, 1, 2, 255, 13, 10]).toString('latin1'));
  await ok(c, 'RPUSH', `${p}list`, 'a', 'b', 'c', 1, 2);
  const many: string[] = [];
  for (let i = 0; i < 300; i++) many.push(`elem-${i}`);
  await ok(c, 'RPUSH', `${p}biglist`, ...many);
  await ok(c, 'HSET', `${p}hash`, 'f1', 'v1', 'f2', 'v2');
  const fields: string[] = [];
  for (let i = 0; i < 600; i++) fields.push(`f${i}`, `v${i}`);
  await ok(c, 'HSET', `${p}bighash`, ...fields);
  await ok(c, 'SADD', `${p}intset`, 1, 2, 3);
  await ok(c, 'SADD', `${p}set`, 'a', 'b', 'c');
  const mem: string[] = [];
  for (let i = 0; i < 600; i++) mem.push(String(i));
  await ok(c, 'SADD', `${p}bigset`, ...mem);
  await ok(c, 'ZADD', `${p}zset`, 1, 'a', 2.5, 'b', -3, 'c');
  const zs: Array<string | number> = [];
  for (let i = 0; i < 200; i++) zs.push(i * 1.5, `m${i}`);
  await ok(c, 'ZADD', `${p}bigzset`, ...zs);
  await ok(c, 'SET', `${p}ttl`, 'v', 'EX', 1000);
  await ok(c, 'SELECT', 3);
  await ok(c, 'SET', `${p}db3`, 'three');
  await ok(c, 'LPUSH', `${p}db3list`, 'x');
  await ok(c, 'SELECT', 0);
}

/** Live writes of every type after a sync (including a transaction and a db switch). */
export async function liveWrites(c: TestClient, prefix = ''): Promise<void> {
  const p = prefix;
  await ok(c, 'SELECT', 0);
  await ok(c, 'APPEND', `${p}str`, ' world');
  await ok(c, 'INCR', `${p}int`);
  await ok(c, 'INCRBYFLOAT', `${p}float`, '1.5');
  await ok(c, 'LPUSH', `${p}list`, 'z');
  await ok(c, 'RPOP', `${p}list`);
  await ok(c, 'LSET', `${p}biglist`, 5, 'changed');
  await ok(c, 'HDEL', `${p}hash`, 'f1');
  await ok(c, 'HINCRBY', `${p}hash`, 'n', 7);
  await ok(c, 'SREM', `${p}set`, 'a');
  await ok(c, 'SPOP', `${p}bigset`);
  await ok(c, 'ZINCRBY', `${p}zset`, 5, 'a');
  await ok(c, 'ZREM', `${p}bigzset`, 'm7');
  await ok(c, 'SET', `${p}ex`, 'v', 'EX', 100);
  await ok(c, 'EXPIRE', `${p}str`, 500);
  await ok(c, 'MULTI');
  await ok(c, 'INCR', `${p}tx`);
  await ok(c, 'INCR', `${p}tx`);
  await ok(c, 'EXEC');
  await ok(c, 'SELECT', 7);
  await ok(c, 'SET', `${p}db7`, 'seven');
  await ok(c, 'SELECT', 3);
  await ok(c, 'DEL', `${p}db3`);
  await ok(c, 'SELECT', 0);
  await ok(c, 'DEL', `${p}big`);
  await ok(c, 'RENAME', `${p}intset`, `${p}intset2`);
}

/** A fake master: counts connections and open sockets; `onCommand` answers each command. */
export async function fakeMaster(onCommand: (sock: net.Socket, argv: string[], conn: number) => void) {
  const port = await freePort();
  let conns = 0;
  const open = new Set<net.Socket>();
  const srv = net.createServer((sock) => {
    const n = ++conns;
    open.add(sock);
    sock.on('close', () => open.delete(sock));
    sock.on('error', () => {});
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      // the replica sends small multibulk commands: parse the complete ones
      for (;;) {
        const m = /^\*(\d+)\r\n/.exec(buf);
        if (m === null) break;
        let at = m[0].length;
        const argv: string[] = [];
        for (let i = 0; i < Number(m[1]); i++) {
          const h = /^\$(\d+)\r\n/.exec(buf.slice(at));
          if (h === null || buf.length < at + h[0].length + Number(h[1]) + 2) break;
          argv.push(buf.slice(at + h[0].length, at + h[0].length + Number(h[1])));
          at += h[0].length + Number(h[1]) + 2;
        }
        if (argv.length < Number(m[1])) break;
        buf = buf.slice(at);
        onCommand(sock, argv, n);
      }
    });
  });
  await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
  return {
    port,
    connections: () => conns,
    openSockets: () => open.size,
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        srv.close(() => r());
      }),
  };
}

/** Answer PING, AUTH and REPLCONF like a master; PSYNC with `psync` (argv: PSYNC replid offset). */
export function handshakeThen(psync: (sock: net.Socket, conn: number, argv: string[]) => void) {
  return (sock: net.Socket, argv: string[], conn: number): void => {
    const cmd = argv[0].toLowerCase();
    if (cmd === 'ping') sock.write('+PONG\r\n');
    else if (cmd === 'auth' || (cmd === 'replconf' && argv[1]?.toLowerCase() !== 'ack')) sock.write('+OK\r\n'); // ACKs get no reply
    else if (cmd === 'psync') psync(sock, conn, argv);
  };
}
