/**
 * Exact-reply helpers shared by the command tests: RESP2 reply builders,
 * sending commands and collecting the raw reply bytes, replaying a table of
 * expected replies on tredis and redis-server, sending the same commands to
 * both and comparing byte for byte, and the start/stop of an embedded tredis
 * paired with a redis-server (when installed).
 */
import assert from 'node:assert/strict';
import type { TredisServer } from '../../src/index';
import type { ServerOptions } from '../../src/server/server';
import { TestClient } from './resp';
import { startTredis, startRedis, redisAvailable, type ChildServer } from './servers';

// ------------------------------------------------------------ reply builders

export const OK = '+OK\r\n';
export const NIL = '$-1\r\n';
export const int = (n: number | string): string => `:${n}\r\n`;
export const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`;
export const err = (s: string): string => `-${s}\r\n`;
export const SYNTAX = err('ERR syntax error');
export const NOTINT = err('ERR value is not an integer or out of range');
export const WRONGTYPE = err('WRONGTYPE Operation against a key holding the wrong kind of value');
/** An array of bulk strings (null: a nil bulk). */
export const bulks = (...xs: Array<string | null>): string => `*${xs.length}\r\n` + xs.map((x) => (x === null ? '$-1\r\n' : `$${x.length}\r\n${x}\r\n`)).join('');

// ------------------------------------------------------------ raw replies

/** Send commands one by one and return the exact reply bytes. */
export async function rawReplies(c: TestClient, ...cmds: string[][]): Promise<string[]> {
  const out: string[] = [];
  for (const argv of cmds) out.push(await c.callRaw(...argv));
  return out;
}

/** Send one command; its reply must be exactly `reply`. */
export async function expectRaw(c: TestClient, argv: string[], reply: string): Promise<void> {
  assert.equal(await c.callRaw(...argv), reply, JSON.stringify(argv));
}

/** An exact-reply table row: argv and the expected reply bytes. */
export type Case = [string[], string];

/** Replay a table on every target (name, client), comparing exact bytes. */
export async function replayOn(targets: Array<[string, TestClient]>, name: string, cases: Case[], setup: string[][] = []): Promise<void> {
  for (const [who, cl] of targets) {
    for (const argv of setup) await cl.call(...argv);
    for (const [argv, want] of cases) {
      assert.equal(JSON.stringify(await cl.callRaw(...argv)), JSON.stringify(want), `${name} on ${who}: ${JSON.stringify(argv)}`);
    }
  }
}

/** Send the same commands to the reference (redis-server) and to tredis; each reply must be byte-identical. */
export async function sameBytesOn(referencePort: number, tredisPort: number, cmds: string[][], proto = 2): Promise<void> {
  const a = await TestClient.connect(referencePort);
  const b = await TestClient.connect(tredisPort);
  try {
    if (proto === 3) {
      await a.call('HELLO', '3');
      await b.call('HELLO', '3');
    }
    for (const argv of cmds) {
      const ra = await a.callRaw(...argv);
      const rb = await b.callRaw(...argv);
      assert.equal(rb, ra, `${argv.join(' ')} (RESP${proto})`);
    }
  } finally {
    a.close();
    b.close();
  }
}

// ------------------------------------------------------------ server pairs

/** An embedded tredis with a client, and a redis-server with a client when installed. */
export interface ServerPair {
  srv: TredisServer;
  c: TestClient;
  redis: ChildServer | null;
  r: TestClient | null;
}

/** Start an embedded tredis and, when installed, a redis-server; connect a client to each. */
export async function startPair(tredisOpts: ServerOptions = {}, redisArgs: string[] = []): Promise<ServerPair> {
  const srv = await startTredis(tredisOpts);
  const c = await TestClient.connect(srv.port);
  let redis: ChildServer | null = null;
  let r: TestClient | null = null;
  if (redisAvailable()) {
    redis = await startRedis(redisArgs);
    r = await TestClient.connect(redis.port);
  }
  return { srv, c, redis, r };
}

/** Close the clients and stop both servers of a pair (any part may be missing). */
export async function stopPair(p: Partial<ServerPair>): Promise<void> {
  p.c?.close();
  p.r?.close();
  await p.srv?.close();
  await p.redis?.stop();
}

/** The `--name value` arguments of redis-server for a map of config limits. */
export function limitArgs(limits: Record<string, string>): string[] {
  return Object.entries(limits).flatMap(([k, v]) => ['--' + k, v]);
}

/** For the differential tests: tredis and redis-server started with the same config limits. */
export async function startDiffServers(limits: Record<string, string> = {}): Promise<{ tredis: TredisServer; redis: ChildServer }> {
  const tredis = await startTredis({ ...limits });
  const redis = await startRedis(limitArgs(limits));
  return { tredis, redis };
}

/**
 * An embedded tredis that records keyspace events (`event:key`) and
 * propagated commands into the given arrays, with a connected client.
 */
export async function startRecording(opts: ServerOptions, events: string[], propagated: string[][]): Promise<{ srv: TredisServer; c: TestClient }> {
  const srv = await startTredis(opts);
  const s = srv.server;
  const orig = s.notifyKeyspaceEvent.bind(s);
  s.notifyKeyspaceEvent = (type: string, event: string, key: string, dbid: number) => {
    events.push(`${event}:${key}`);
    orig(type, event, key, dbid);
  };
  s.propagation.listeners.push({ feed: (_db, argv) => propagated.push(argv) });
  const c = await TestClient.connect(srv.port);
  return { srv, c };
}
