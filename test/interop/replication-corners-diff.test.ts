/**
 * Replication corner cases, run the same way on redis-server 7.0 and on
 * tredis and compared:
 * - a writable replica (`replica-read-only no`) expires the keys its own
 *   clients wrote with a TTL (Redis's slaveKeysWithExpire), never its
 *   master's;
 * - blocked clients woken by a key that already expired, in MULTI or after
 *   SWAPDB: the exact replication stream, read by a fake replica (PSYNC ? -1
 *   on a raw socket);
 * - BLPOP/BLMOVE woken by a key moved into place by RENAME, MOVE, SWAPDB,
 *   COPY or RESTORE.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { startRedis, startTredisProcess, redisAvailable, SKIP_NO_REDIS, waitFor, type ChildServer } from '../helpers/servers';
import { type Node, childNode, info, waitInSync, ok, sleep } from '../integration/replication-helpers';
import { TestClient, parseReply } from '../helpers/resp';

const skip = redisAvailable() ? false : SKIP_NO_REDIS;

type Kind = 'redis' | 'tredis';

interface World {
  procs: ChildServer[];
  nodes: Node[];
}

async function withWorld<T>(fn: (w: World) => Promise<T>): Promise<T> {
  const w: World = { procs: [], nodes: [] };
  try {
    return await fn(w);
  } finally {
    for (const n of w.nodes) n.c.close();
    for (const p of w.procs) await p.stop();
  }
}

async function start(w: World, kind: Kind, args: string[] = []): Promise<{ p: ChildServer; n: Node }> {
  const all = ['--repl-diskless-sync-delay', '0', '--repl-ping-replica-period', '3600', ...args];
  const p = kind === 'redis' ? await startRedis(all) : await startTredisProcess(all);
  w.procs.push(p);
  const n = await childNode(p.port);
  w.nodes.push(n);
  return { p, n };
}

async function expiredKeys(n: Node): Promise<number> {
  return Number((await info(n, 'stats')).get('expired_keys'));
}

/** What a writable replica of `kind` (its master of the same kind) shows once local TTLs passed. */
async function writableReplica(kind: Kind): Promise<Record<string, unknown>> {
  return withWorld(async (w) => {
    const M = await start(w, kind);
    const R = await start(w, kind, ['--replica-read-only', 'no']);
    await ok(R.n.c, 'REPLICAOF', '127.0.0.1', M.p.port);
    await waitInSync(M.n, R.n);
    // the master keeps its expired key (no active expiry, nobody reads it): only its DEL may remove it on the replica
    await ok(M.n.c, 'DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await ok(M.n.c, 'SET', 'm:ttl', 'v', 'PX', 200);
    await ok(M.n.c, 'SET', 'm:keep', 'v');
    await waitInSync(M.n, R.n);
    // in one transaction: no 200 ms TTL may pass before the PERSIST, however loaded the machine
    await ok(R.n.c, 'MULTI');
    await ok(R.n.c, 'SET', 'l:ttl', 'v', 'PX', 200);
    await ok(R.n.c, 'SET', 'l:keep', 'v');
    await ok(R.n.c, 'SET', 'l:pexpire', 'v');
    await ok(R.n.c, 'PEXPIRE', 'l:pexpire', 200);
    await ok(R.n.c, 'SET', 'l:persisted', 'v', 'PX', 200);
    await ok(R.n.c, 'PERSIST', 'l:persisted');
    // a local TTL on a key of the master's: it is the replica's to expire now
    await ok(R.n.c, 'PEXPIRE', 'm:keep', 200);
    await ok(R.n.c, 'SELECT', 3);
    await ok(R.n.c, 'SET', 'l:db3', 'v', 'PX', 200);
    await ok(R.n.c, 'SELECT', 0);
    assert.deepEqual(await R.n.c.call('EXEC'), ['OK', 'OK', 'OK', 1, 'OK', 1, 1, 'OK', 'OK', 'OK'], `${kind}: the local writes`);
    await waitFor(async () => (await expiredKeys(R.n)) >= 4, 10000, `${kind}: the replica expired its local keys`);
    await sleep(300);
    const keys = ((await R.n.c.call('KEYS', '*')) as string[]).sort();
    const out = {
      keys,
      dbsize: await R.n.c.call('DBSIZE'),
      db3: await R.n.c.call('EVAL', "redis.call('SELECT', 3) return redis.call('DBSIZE')", 0),
      expired: await expiredKeys(R.n),
      masterTtlVisible: await R.n.c.call('EXISTS', 'm:ttl'),
    };
    return out;
  });
}

test('a writable replica expires the keys its clients gave a TTL, not its master keys (as redis-server)', { skip }, async () => {
  const redis = await writableReplica('redis');
  const tredis = await writableReplica('tredis');
  assert.deepEqual(redis, { keys: ['l:keep', 'l:persisted'], dbsize: 3, db3: 0, expired: 4, masterTtlVisible: 0 }, 'redis-server as expected');
  assert.deepEqual(tredis, redis);
});

/** A fake replica: PSYNC ? -1 on a raw socket, the RDB skipped, then every command of the stream as argv. */
class StreamReader {
  private buf = Buffer.alloc(0);
  private rdbLeft = -1;
  private headerDone = false;
  readonly commands: string[][] = [];

  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.parse();
    });
    sock.on('error', () => undefined);
  }

  static async attach(port: number): Promise<StreamReader> {
    const sock = net.createConnection({ port, host: '127.0.0.1' });
    await new Promise<void>((res, rej) => {
      sock.once('connect', () => res());
      sock.once('error', rej);
    });
    const r = new StreamReader(sock);
    sock.write('PSYNC ? -1\r\n');
    await waitFor(() => r.headerDone && r.rdbLeft === 0, 10000, 'the RDB of the full sync');
    return r;
  }

  private parse(): void {
    for (;;) {
      if (!this.headerDone) {
        // newlines (keepalives), +FULLRESYNC ..., then $<len>
        while (this.buf.length > 0 && this.buf[0] === 0x0a) this.buf = this.buf.subarray(1);
        const nl = this.buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = this.buf.subarray(0, nl).toString('latin1');
        this.buf = this.buf.subarray(nl + 2);
        if (line.startsWith('$')) {
          this.rdbLeft = Number(line.slice(1));
          this.headerDone = true;
        }
        continue;
      }
      if (this.rdbLeft > 0) {
        const n = Math.min(this.rdbLeft, this.buf.length);
        this.rdbLeft -= n;
        this.buf = this.buf.subarray(n);
        if (this.rdbLeft > 0) return;
        continue;
      }
      const r = parseReply(this.buf, 0);
      if (r === null) return;
      this.buf = this.buf.subarray(r[1]);
      this.commands.push((r[0] as string[]).map(String));
    }
  }

  close(): void {
    this.sock.destroy();
  }
}

/** The stream without the values that differ by clock (PEXPIREAT/PXAT times) and without keepalives. */
function normalized(cmds: string[][]): string[][] {
  return cmds
    .filter((a) => a[0].toUpperCase() !== 'PING' && !(a[0].toUpperCase() === 'REPLCONF' && a[1]?.toUpperCase() === 'GETACK'))
    .map((a) => (a[0].toUpperCase() === 'PEXPIREAT' ? [a[0], a[1], '<ms>'] : a.map((x, i) => (i > 0 && a[i - 1].toUpperCase() === 'PXAT' ? '<ms>' : x))));
}

async function blockedCount(n: Node): Promise<number> {
  return Number((await info(n, 'clients')).get('blocked_clients'));
}

/** Run `body` on a master of `kind` with a fake replica attached; the stream it read and what body returned. */
async function withStream<T>(kind: Kind, body: (m: Node, port: number) => Promise<T>): Promise<{ stream: string[][]; result: T }> {
  return withWorld(async (w) => {
    const M = await start(w, kind);
    const rd = await StreamReader.attach(M.p.port);
    try {
      const result = await body(M.n, M.p.port);
      // a marker write, so everything before it was read
      await ok(M.n.c, 'SET', 'marker', 'end');
      await waitFor(() => rd.commands.some((a) => a[1] === 'marker'), 10000, 'the marker in the stream');
      return { stream: normalized(rd.commands), result };
    } finally {
      rd.close();
    }
  });
}

/** The waiter: a second connection, its client id, then the blocking command (not awaited). */
async function blocker(port: number, db: number, ...argv: Array<string | number>): Promise<{ c: TestClient; id: number; reply: Promise<unknown> }> {
  const c = await TestClient.connect(port);
  if (db !== 0) await ok(c, 'SELECT', db);
  const id = (await c.call('CLIENT', 'ID')) as number;
  const reply = c.call(...argv);
  return { c, id, reply };
}

/** Whether the blocker is still blocked (CLIENT LIST flags), then CLIENT UNBLOCK it: its reply, its connection closed. */
async function unblockAndReport(m: Node, b: { c: TestClient; id: number; reply: Promise<unknown> }): Promise<{ stillBlocked: boolean; reply: unknown }> {
  const list = String(await m.c.call('CLIENT', 'LIST', 'ID', b.id));
  await ok(m.c, 'CLIENT', 'UNBLOCK', b.id);
  const reply = await b.reply;
  b.c.close();
  return { stillBlocked: /flags=b/.test(list), reply };
}

/** Run a scenario on redis-server and tredis: the blocker stayed blocked and got a null reply on both, and the streams are equal. */
async function sameStreamStillBlocked(run: (kind: Kind) => Promise<{ result: unknown; stream: unknown }>): Promise<void> {
  const r = await run('redis');
  const t = await run('tredis');
  assert.deepEqual(r.result, { stillBlocked: true, reply: null });
  assert.deepEqual(t.result, r.result);
  assert.deepEqual(t.stream, r.stream);
}

test('a blocked client woken by a key that already expired (MULTI + PEXPIRE + DEBUG SLEEP): same stream as redis-server', { skip }, async () => {
  const run = (kind: Kind) =>
    withStream(kind, async (m, port) => {
      await ok(m.c, 'FLUSHALL');
      await ok(m.c, 'DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      const b = await blocker(port, 0, 'BRPOP', 'k', 0);
      await waitFor(async () => (await blockedCount(m)) === 1, 5000, 'blocked');
      await ok(m.c, 'MULTI');
      await ok(m.c, 'RPUSH', 'k', 'hello');
      await ok(m.c, 'PEXPIRE', 'k', 100);
      await ok(m.c, 'DEBUG', 'SLEEP', '0.2');
      await ok(m.c, 'EXEC');
      const res = await unblockAndReport(m, b);
      await ok(m.c, 'DEBUG', 'SET-ACTIVE-EXPIRE', '1');
      return res;
    });
  await sameStreamStillBlocked(run);
});

test('SWAPDB wakes a blocked client but the key already expired: same stream as redis-server', { skip }, async () => {
  const run = (kind: Kind) =>
    withStream(kind, async (m, port) => {
      await ok(m.c, 'FLUSHALL');
      await ok(m.c, 'DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      await ok(m.c, 'SELECT', 1);
      await ok(m.c, 'RPUSH', 'k', 'hello');
      await ok(m.c, 'PEXPIRE', 'k', 100);
      const b = await blocker(port, 9, 'BRPOP', 'k', 0);
      await waitFor(async () => (await blockedCount(m)) === 1, 5000, 'blocked');
      await sleep(150);
      await ok(m.c, 'SWAPDB', 1, 9);
      const res = await unblockAndReport(m, b);
      await ok(m.c, 'SELECT', 0);
      await ok(m.c, 'DEBUG', 'SET-ACTIVE-EXPIRE', '1');
      return res;
    });
  await sameStreamStillBlocked(run);
});

/** Ways to bring a list into place under a blocked client's key `dst` in db `d`, each from a key or db of its own. */
const MOVES: Record<string, (m: Node, d: number) => Promise<void>> = {
  RENAME: async (m, d) => {
    await ok(m.c, 'SELECT', d);
    await ok(m.c, 'RPUSH', 'src', 'a', 'b');
    await ok(m.c, 'RENAME', 'src', 'dst');
  },
  MOVE: async (m, d) => {
    await ok(m.c, 'SELECT', 2);
    await ok(m.c, 'RPUSH', 'dst', 'a', 'b');
    await ok(m.c, 'MOVE', 'dst', d);
  },
  SWAPDB: async (m, d) => {
    await ok(m.c, 'SELECT', 2);
    await ok(m.c, 'RPUSH', 'dst', 'a', 'b');
    await ok(m.c, 'SWAPDB', d, 2);
  },
  COPY: async (m, d) => {
    await ok(m.c, 'SELECT', d);
    await ok(m.c, 'RPUSH', 'src', 'a', 'b');
    await ok(m.c, 'COPY', 'src', 'dst');
  },
  'COPY DB': async (m, d) => {
    await ok(m.c, 'SELECT', 2);
    await ok(m.c, 'RPUSH', 'src', 'a', 'b');
    await ok(m.c, 'COPY', 'src', 'dst', 'DB', d);
  },
  RESTORE: async (m, d) => {
    await ok(m.c, 'SELECT', d);
    await ok(m.c, 'RPUSH', 'src', 'a', 'b');
    const dump = await m.c.call('DUMP', 'src');
    await ok(m.c, 'RESTORE', 'dst', 0, dump as string);
  },
  'RESTORE REPLACE': async (m, d) => {
    await ok(m.c, 'SELECT', d);
    await ok(m.c, 'SET', 'dst', 'not a list');
    await ok(m.c, 'RPUSH', 'src', 'a', 'b');
    const dump = await m.c.call('DUMP', 'src');
    await ok(m.c, 'RESTORE', 'dst', 0, dump as string, 'REPLACE');
  },
  'RENAME in MULTI': async (m, d) => {
    await ok(m.c, 'SELECT', d);
    await ok(m.c, 'MULTI');
    await ok(m.c, 'RPUSH', 'src', 'a', 'b');
    await ok(m.c, 'RENAME', 'src', 'dst');
    await ok(m.c, 'EXEC');
  },
  'MOVE in a script': async (m, d) => {
    await ok(m.c, 'SELECT', 2);
    await ok(m.c, 'EVAL', "redis.call('RPUSH', KEYS[1], 'a', 'b') return redis.call('MOVE', KEYS[1], ARGV[1])", 1, 'dst', d);
  },
};

for (const [name, move] of Object.entries(MOVES)) {
  for (const cmd of ['BLPOP', 'BLMOVE'] as const) {
    // the blocked client in db 0 for the keyspace moves, in db 4 for the moves across dbs (MOVE, SWAPDB, COPY DB)
    for (const d of ['MOVE', 'SWAPDB', 'COPY DB', 'MOVE in a script'].includes(name) ? [4] : [0]) {
      test(`${cmd} in db ${d} wakes when the key is moved into place by ${name}: same reply and stream as redis-server`, { skip }, async () => {
        const run = (kind: Kind) =>
          withStream(kind, async (m, port) => {
            await ok(m.c, 'FLUSHALL');
            const argv = cmd === 'BLPOP' ? ['BLPOP', 'dst', 5] : ['BLMOVE', 'dst', 'out', 'LEFT', 'RIGHT', 5];
            const b = await blocker(port, d, ...argv);
            await waitFor(async () => (await blockedCount(m)) === 1, 5000, 'blocked');
            await move(m, d);
            const reply = await Promise.race([b.reply, sleep(3000).then(() => 'HANG: no reply within 3 s')]);
            b.c.close();
            await ok(m.c, 'SELECT', d);
            const after = { reply, left: await m.c.call('LRANGE', 'dst', 0, -1), out: await m.c.call('LRANGE', 'out', 0, -1) };
            await ok(m.c, 'SELECT', 0);
            return after;
          });
        const r = await run('redis');
        const t = await run('tredis');
        assert.deepEqual(t.result, r.result);
        assert.deepEqual(t.stream, r.stream);
      });
    }
  }
}
