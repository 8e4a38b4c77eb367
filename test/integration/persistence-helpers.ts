/**
 * Helpers of the persistence tests: a dataset with every type and encoding
 * (small and large hashes/sets/zsets/lists, intsets, long compressible and
 * binary strings, expiries, several dbs), a fingerprint of a whole dataset
 * that works on tredis and redis-server alike (DEBUG DIGEST plus the TTLs),
 * INFO parsing and process helpers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { TestClient, ReplyError, type Reply } from '../helpers/resp';
import { after } from 'node:test';
import { startTredisProcess, waitFor, type ChildServer } from '../helpers/servers';
import type { TredisServer } from '../../src/index';
import { parseInfo } from '../helpers/info';

export { parseInfo };

/** INFO <section> as a Map. */
export async function info(c: TestClient, section = 'persistence'): Promise<Map<string, string>> {
  const r = await c.call('INFO', section);
  if (typeof r !== 'string') throw new Error(`INFO ${section} failed: ${String(r)}`);
  return parseInfo(r);
}

/** Call and fail the test on an error reply. */
export async function ok(c: TestClient, ...argv: Array<string | number | Buffer>): Promise<Reply> {
  const r = await c.call(...argv);
  if (r instanceof ReplyError) throw new Error(`${argv.join(' ').slice(0, 100)} -> ${r.message}`);
  return r;
}

/** Send many commands pipelined; throw on the first error reply. */
export async function pipeline(c: TestClient, cmds: Array<Array<string | number | Buffer>>): Promise<Reply[]> {
  const all = await Promise.all(cmds.map((a) => c.call(...a)));
  const bad = all.findIndex((r) => r instanceof ReplyError);
  if (bad >= 0) throw new Error(`${cmds[bad].join(' ').slice(0, 100)} -> ${String(all[bad])}`);
  return all;
}

const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');

/**
 * Fill a server with every type and encoding Redis 7.0 writes: listpack and
 * hashtable hashes, intset and hashtable sets, listpack and skiplist zsets,
 * single- and multi-node quicklists (one element above 8 KB), int, short,
 * binary and long compressible strings, keys with TTLs, dbs 0, 1 and 9.
 * `tag` changes every value, so two calls give different datasets.
 */
export async function populate(c: TestClient, tag = ''): Promise<void> {
  const cmds: Array<Array<string | number>> = [];
  const far = Date.now() + 3_600_000;
  for (const db of [0, 1, 9]) {
    cmds.push(['SELECT', db]);
    const p = `d${db}${tag}:`;
    cmds.push(['SET', p + 'str', 'hello' + tag]);
    cmds.push(['SET', p + 'int', 12345]);
    cmds.push(['SET', p + 'neg', -42]);
    cmds.push(['SET', p + 'big-int', '9223372036854775807']);
    cmds.push(['SET', p + 'long', ('compressible-' + tag).repeat(400)]);
    cmds.push(['SET', p + 'bin\x00\xff', BINARY + tag]);
    cmds.push(['SET', p + 'empty', '']);
    cmds.push(['RPUSH', p + 'list-small', 'a', 'b', 'c', 1, 2, 3, '-7', tag || 'x']);
    const big: string[] = [];
    for (let i = 0; i < 1500; i++) big.push(i % 3 === 0 ? String(i) : `item-${i}-${tag}`);
    cmds.push(['RPUSH', p + 'list-big', ...big]);
    cmds.push(['RPUSH', p + 'list-huge-elem', 'a', 'y'.repeat(10000), 'b']);
    cmds.push(['HSET', p + 'hash-small', 'f1', 'v1', 'f2', 2, 'f3', tag || 'z']);
    const hbig: string[] = [];
    for (let i = 0; i < 600; i++) hbig.push(`field-${i}`, `value-${i}${tag}`);
    cmds.push(['HSET', p + 'hash-big', ...hbig]);
    cmds.push(['HSET', p + 'hash-longval', 'f', 'v'.repeat(100)]);
    const ints: string[] = [];
    for (let i = 0; i < 100; i++) ints.push(String(i * 7 - 300));
    cmds.push(['SADD', p + 'set-int', ...ints]);
    const bigInts: string[] = [];
    for (let i = 0; i < 700; i++) bigInts.push(String(i * 13));
    cmds.push(['SADD', p + 'set-int-big', ...bigInts]);
    const strs: string[] = [];
    for (let i = 0; i < 300; i++) strs.push(`member-${i}${tag}`);
    cmds.push(['SADD', p + 'set-str', ...strs]);
    cmds.push(['SADD', p + 'set-small-str', 'a', 'b', 'c' + tag]);
    cmds.push(['ZADD', p + 'zset-small', 1, 'one', 2.5, 'two.5', -3, 'minus', 'inf', 'top', '-inf', 'bottom', 0.1, 'tenth' + tag]);
    const zbig: Array<string | number> = [];
    for (let i = 0; i < 400; i++) zbig.push(i / 3, `m-${i}${tag}`);
    cmds.push(['ZADD', p + 'zset-big', ...zbig]);
    cmds.push(['ZADD', p + 'zset-longmember', 1, 'm'.repeat(100)]);
    cmds.push(['SET', p + 'ttl-str', 'v', 'PXAT', far]);
    cmds.push(['HSET', p + 'ttl-hash', 'a', 1]);
    cmds.push(['PEXPIREAT', p + 'ttl-hash', far + 1234]);
    cmds.push(['RPUSH', p + 'ttl-list', 1, 2, 3]);
    cmds.push(['PEXPIREAT', p + 'ttl-list', far + 99]);
  }
  cmds.push(['SELECT', 0]);
  await pipeline(c, cmds);
}

/** A dataset fingerprint: DEBUG DIGEST, key counts per db and every key's PEXPIRETIME. */
export async function fingerprint(c: TestClient): Promise<{ digest: string; dbs: Record<string, number>; ttls: Record<string, number> }> {
  const digest = String(await ok(c, 'DEBUG', 'DIGEST'));
  const dbs: Record<string, number> = {};
  const ttls: Record<string, number> = {};
  for (let db = 0; db < 16; db++) {
    await ok(c, 'SELECT', db);
    const n = Number(await ok(c, 'DBSIZE'));
    if (n === 0) continue;
    dbs[db] = n;
    const keys = (await ok(c, 'KEYS', '*')) as string[];
    const t = (await pipeline(
      c,
      keys.map((k) => ['PEXPIRETIME', k]),
    )) as number[];
    keys.forEach((k, i) => {
      if (t[i] >= 0) ttls[`${db}:${k}`] = t[i];
    });
  }
  await ok(c, 'SELECT', 0);
  return { digest, dbs, ttls };
}

/** Assert two fingerprints are equal (the digest is non-trivial). */
export function assertSameData(a: Awaited<ReturnType<typeof fingerprint>>, b: Awaited<ReturnType<typeof fingerprint>>): void {
  assert.notEqual(a.digest, '0'.repeat(40));
  assert.deepEqual(b.dbs, a.dbs);
  assert.deepEqual(b.ttls, a.ttls);
  assert.equal(b.digest, a.digest);
}

/** Wait until a child process has exited; returns its exit code. */
export async function waitExit(s: ChildServer, timeoutMs = 15000): Promise<number | null> {
  await waitFor(() => s.proc.exitCode !== null || s.proc.signalCode !== null, timeoutMs, 'process exit');
  return s.proc.exitCode;
}

/** SHUTDOWN [args]: the connection closes when it works. */
export async function shutdown(c: TestClient, ...args: string[]): Promise<Reply | 'closed'> {
  const r = c.call('SHUTDOWN', ...args).catch(() => 'closed' as const);
  const closed = c.waitClose(15000).then(() => 'closed' as const);
  return Promise.race([r, closed]);
}

/** Wait until no BGSAVE / AOF rewrite runs. */
export async function waitBgDone(c: TestClient, timeoutMs = 20000): Promise<Map<string, string>> {
  return waitFor(
    async () => {
      const m = await info(c);
      return m.get('rdb_bgsave_in_progress') === '0' && m.get('aof_rewrite_in_progress') === '0' && m.get('aof_rewrite_scheduled') === '0' ? m : null;
    },
    timeoutMs,
    'background save to finish',
  ) as Promise<Map<string, string>>;
}

/** Files of a directory (sorted), or [] when it does not exist. */
export function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** The text of server.log in a data dir. */
export function serverLog(dir: string): string {
  const f = path.join(dir, 'server.log');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
}

/**
 * Servers and clients a test file starts, all stopped (kill -9) and closed
 * after the file's tests. Call once at the top level of a test file.
 */
export function trackServers(): {
  children: ChildServer[];
  embedded: TredisServer[];
  clients: TestClient[];
  proc(extra: string[], dir: string): Promise<ChildServer>;
  connect(port: number): Promise<TestClient>;
} {
  const children: ChildServer[] = [];
  const embedded: TredisServer[] = [];
  const clients: TestClient[] = [];
  after(async () => {
    for (const c of clients) c.close();
    for (const s of children) await s.kill9();
    for (const s of embedded) await s.close();
  });
  return {
    children,
    embedded,
    clients,
    async proc(extra: string[], dir: string): Promise<ChildServer> {
      const s = await startTredisProcess(extra, { dir });
      children.push(s);
      return s;
    },
    async connect(port: number): Promise<TestClient> {
      const c = await TestClient.connect(port);
      clients.push(c);
      return c;
    },
  };
}
