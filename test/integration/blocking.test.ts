/**
 * Blocking list commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP): fractional
 * timeouts, first-come-first-served wake-ups, several keys, disconnects while
 * blocked, pushes inside MULTI waking clients only at EXEC, BLMOVE chains,
 * and what is propagated for a served client. Each scenario runs on tredis
 * and, when installed, on redis-server 7.0 too: both transcripts must be the
 * expected one.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTredis, startRedis, redisAvailable, waitFor, type ChildServer } from '../helpers/servers';
import { TestClient } from '../helpers/resp';
import type { TredisServer } from '../../src/index';
import { unblockClientWithTimeoutReply, unblockClientWithError } from '../../src/commands/lists';

const HAVE_REDIS = redisAvailable();
let srv: TredisServer;
let redis: ChildServer | null = null;
const propagated: string[][] = [];

before(async () => {
  srv = await startTredis();
  srv.server.propagation.listeners.push({ feed: (_db, argv) => propagated.push(argv) });
  if (HAVE_REDIS) redis = await startRedis();
});

after(async () => {
  await srv?.close();
  await redis?.stop();
});

/** A server under test: its port and how many clients it has blocked. */
interface Target {
  name: string;
  port: number;
  blocked(): Promise<number>;
}

function targets(): Target[] {
  const out: Target[] = [{ name: 'tredis', port: srv.port, blocked: async () => srv.server.blocking.blockedClients.size }];
  if (redis !== null) {
    const port = redis.port;
    out.push({
      name: 'redis',
      port,
      blocked: async () => {
        const c = await TestClient.connect(port);
        const info = String(await c.call('INFO', 'clients'));
        c.close();
        return Number(/blocked_clients:(\d+)/.exec(info)?.[1] ?? -1);
      },
    });
  }
  return out;
}

/** Run a scenario on every target; each must produce `expected`. */
async function onBoth(expected: string[], scenario: (t: Target, cs: TestClient[]) => Promise<string[]>, clients = 3): Promise<void> {
  for (const t of targets()) {
    const cs: TestClient[] = [];
    for (let i = 0; i < clients; i++) cs.push(await TestClient.connect(t.port));
    try {
      assert.deepEqual(await scenario(t, cs), expected, t.name);
    } finally {
      for (const c of cs) c.close();
    }
    await waitFor(async () => (await t.blocked()) === 0, 5000, `${t.name}: no client left blocked`);
  }
}

const waitBlocked = (t: Target, n: number) => waitFor(async () => (await t.blocked()) >= n, 5000, `${n} blocked clients`);
const bulks = (...xs: string[]): string => `*${xs.length}\r\n` + xs.map((x) => `$${x.length}\r\n${x}\r\n`).join('');

test('fractional timeouts answer with a null array (RESP2 and RESP3)', async () => {
  await onBoth(['*-1\r\n', '*-1\r\n', '*-1\r\n', '*-1\r\n', '_\r\n', 'ok'], async (_t, [a]) => {
    const out: string[] = [];
    const t0 = Date.now();
    out.push(await a.callRaw('BLPOP', 'bt:none', 'bt:none2', '0.15'));
    const took = Date.now() - t0;
    assert.ok(took >= 140 && took < 5000, `BLPOP 0.15 took ${took} ms`);
    out.push(await a.callRaw('BLMOVE', 'bt:none', 'bt:x', 'LEFT', 'LEFT', '0.01'));
    out.push(await a.callRaw('BRPOPLPUSH', 'bt:none', 'bt:x', '0.01'));
    out.push(await a.callRaw('BLMPOP', '0.01', '1', 'bt:none', 'LEFT'));
    await a.call('HELLO', '3');
    out.push(await a.callRaw('BRPOP', 'bt:none', '0.01'));
    out.push('ok');
    return out;
  });
});

test('a push serves the client that blocked first (FIFO), one element each', async () => {
  await onBoth([bulks('bf:k', '1'), bulks('bf:k', '2'), ':0\r\n', bulks('bf:k', '3')], async (t, [a, b, c]) => {
    await a.call('DEL', 'bf:k');
    const pa = a.callRaw('BLPOP', 'bf:k', '0');
    await waitBlocked(t, 1);
    const pb = b.callRaw('BLPOP', 'bf:k', '0');
    await waitBlocked(t, 2);
    const pc = c.callRaw('BRPOP', 'bf:k', '0');
    await waitBlocked(t, 3);
    const d = await TestClient.connect(t.port);
    // two elements for three clients: the third keeps waiting
    const pushed = await d.callRaw('RPUSH', 'bf:k', '1', '2');
    assert.equal(pushed, ':2\r\n');
    const out = [await pa, await pb, await d.callRaw('LLEN', 'bf:k')];
    await d.call('RPUSH', 'bf:k', '3');
    out.push(await pc);
    d.close();
    return out;
  });
});

test('blocking on several keys is served from the key that was pushed', async () => {
  await onBoth([bulks('bm:k2', 'x'), bulks('bm:k2', 'a'), ':1\r\n'], async (t, [a, b]) => {
    await b.call('DEL', 'bm:k1', 'bm:k2');
    const p = a.callRaw('BRPOP', 'bm:k1', 'bm:k2', '0');
    await waitBlocked(t, 1);
    await b.call('LPUSH', 'bm:k2', 'x');
    const out = [await p];
    // inside one transaction the first key signalled wins, not the first key named
    const q = a.callRaw('BLPOP', 'bm:k1', 'bm:k2', '0');
    await waitBlocked(t, 1);
    await b.call('MULTI');
    await b.call('RPUSH', 'bm:k2', 'a');
    await b.call('RPUSH', 'bm:k1', 'b');
    await b.call('EXEC');
    out.push(await q);
    out.push(await b.callRaw('LLEN', 'bm:k1'));
    return out;
  });
});

test('a client that disconnects while blocked is forgotten', async () => {
  await onBoth([':1\r\n', ':1\r\n'], async (t, [a, b]) => {
    await b.call('DEL', 'bd:k');
    void a.callRaw('BLPOP', 'bd:k', '0').catch(() => null);
    await waitBlocked(t, 1);
    a.close();
    await waitFor(async () => (await t.blocked()) === 0, 5000, 'unblocked by disconnect');
    return [await b.callRaw('RPUSH', 'bd:k', 'x'), await b.callRaw('LLEN', 'bd:k')];
  });
  assert.equal(srv.server.blocking.blockingKeys.size, 0);
});

test('a push inside MULTI wakes the blocked client only at EXEC, with what is left then', async () => {
  propagated.length = 0;
  await onBoth(['+QUEUED\r\n', 'pending', '*2\r\n:1\r\n$1\r\nz\r\n', ':0\r\n', bulks('bx:k', 'w'), bulks('x')], async (t, [a, b]) => {
    await b.call('DEL', 'bx:k');
    let done = false;
    const p = a.callRaw('BLPOP', 'bx:k', '0').then((r) => {
      done = true;
      return r;
    });
    await waitBlocked(t, 1);
    await b.call('MULTI');
    const out = [await b.callRaw('RPUSH', 'bx:k', 'z')];
    await b.call('LPOP', 'bx:k');
    await new Promise((r) => setTimeout(r, 50));
    out.push(done ? 'served early' : 'pending');
    out.push(await b.callRaw('EXEC'));
    await new Promise((r) => setTimeout(r, 50));
    // the list was empty again when EXEC ended: still blocked
    out.push(await b.callRaw('LLEN', 'bx:k'));
    await b.call('MULTI');
    await b.call('RPUSH', 'bx:k', 'w');
    await b.call('RPUSH', 'bx:k', 'x');
    await b.call('EXEC');
    out.push(await p);
    out.push(await b.callRaw('LRANGE', 'bx:k', '0', '-1'));
    return out;
  });
  // the transaction is propagated first, then the pop that served the blocked client
  assert.deepEqual(
    propagated.filter((x) => x[0] !== 'DEL'),
    [['MULTI'], ['RPUSH', 'bx:k', 'z'], ['LPOP', 'bx:k'], ['EXEC'], ['MULTI'], ['RPUSH', 'bx:k', 'w'], ['RPUSH', 'bx:k', 'x'], ['EXEC'], ['LPOP', 'bx:k']],
  );
});

test('inside MULTI the blocking commands never block', async () => {
  await onBoth(['*5\r\n*-1\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n'], async (_t, [a]) => {
    await a.call('MULTI');
    await a.call('BLPOP', 'bq:none', '0');
    await a.call('BRPOP', 'bq:none', '0');
    await a.call('BLMOVE', 'bq:none', 'bq:x', 'LEFT', 'LEFT', '0');
    await a.call('BRPOPLPUSH', 'bq:none', 'bq:x', '0');
    await a.call('BLMPOP', '0', '1', 'bq:none', 'LEFT');
    return [await a.callRaw('EXEC')];
  }, 1);
});

test('BLMOVE chains: one push travels through every blocked client', async () => {
  propagated.length = 0;
  await onBoth(['$1\r\nv\r\n', '$1\r\nv\r\n', bulks('bc:c', 'v'), ':0\r\n'], async (t, [a, b, c]) => {
    await a.call('DEL', 'bc:a', 'bc:b', 'bc:c');
    const pa = a.callRaw('BLMOVE', 'bc:a', 'bc:b', 'RIGHT', 'LEFT', '0');
    await waitBlocked(t, 1);
    const pb = b.callRaw('BRPOPLPUSH', 'bc:b', 'bc:c', '0');
    await waitBlocked(t, 2);
    const pc = c.callRaw('BLPOP', 'bc:c', '0');
    await waitBlocked(t, 3);
    const d = await TestClient.connect(t.port);
    await d.call('RPUSH', 'bc:a', 'v');
    const out = [await pa, await pb, await pc, await d.callRaw('EXISTS', 'bc:a', 'bc:b', 'bc:c')];
    d.close();
    return out;
  });
  // served clients are propagated one by one as the plain commands, never wrapped in MULTI
  assert.deepEqual(
    propagated.filter((x) => x[1] !== undefined && x[1].startsWith('bc:')),
    [['DEL', 'bc:a', 'bc:b', 'bc:c'], ['RPUSH', 'bc:a', 'v'], ['LMOVE', 'bc:a', 'bc:b', 'right', 'left'], ['RPOPLPUSH', 'bc:b', 'bc:c'], ['LPOP', 'bc:c']].filter(
      (x) => x[0] !== 'DEL',
    ),
  );
});

test('BLMPOP served later pops up to COUNT and propagates LPOP key n', async () => {
  propagated.length = 0;
  await onBoth(['*2\r\n$5\r\nbp:k2\r\n' + bulks('a', 'b'), bulks('c')], async (t, [a, b]) => {
    await b.call('DEL', 'bp:k1', 'bp:k2');
    const p = a.callRaw('BLMPOP', '0', '2', 'bp:k1', 'bp:k2', 'LEFT', 'COUNT', '2');
    await waitBlocked(t, 1);
    await b.call('RPUSH', 'bp:k2', 'a', 'b', 'c');
    return [await p, await b.callRaw('LRANGE', 'bp:k2', '0', '-1')];
  });
  assert.deepEqual(
    propagated.filter((x) => x[0] !== 'DEL'),
    [['RPUSH', 'bp:k2', 'a', 'b', 'c'], ['LPOP', 'bp:k2', '2']],
  );
});

test('a BLMOVE whose destination turned into another type gets WRONGTYPE and the element stays', async () => {
  await onBoth(['-WRONGTYPE Operation against a key holding the wrong kind of value\r\n', bulks('a')], async (t, [a, b]) => {
    await b.call('DEL', 'bw:src');
    await b.call('SET', 'bw:str', 'x');
    const p = a.callRaw('BLMOVE', 'bw:src', 'bw:str', 'LEFT', 'LEFT', '0');
    await waitBlocked(t, 1);
    await b.call('RPUSH', 'bw:src', 'a');
    return [await p, await b.callRaw('LRANGE', 'bw:src', '0', '-1')];
  });
});

test('timeout 0 waits forever; pipelined commands run after the client is served', async () => {
  await onBoth(['pending', bulks('bz:k', 'x'), '+PONG\r\n', ':0\r\n'], async (t, [a, b]) => {
    await b.call('DEL', 'bz:k');
    let done = false;
    const replies = a.readReplies(2, true).then((r) => {
      done = true;
      return r as string[];
    });
    a.write('*3\r\n$5\r\nBLPOP\r\n$4\r\nbz:k\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n');
    await waitBlocked(t, 1);
    await new Promise((r) => setTimeout(r, 300));
    const out = [done ? 'served' : 'pending'];
    await b.call('RPUSH', 'bz:k', 'x');
    out.push(...(await replies));
    out.push(await b.callRaw('EXISTS', 'bz:k'));
    return out;
  });
});

test('a key replaced by another type does not serve; a later list does', async () => {
  await onBoth([':1\r\n', bulks('by:k', 'z')], async (t, [a, b]) => {
    await b.call('DEL', 'by:k');
    const p = a.callRaw('BLPOP', 'by:k', '0');
    await waitBlocked(t, 1);
    await b.call('SET', 'by:k', 'string');
    await new Promise((r) => setTimeout(r, 50));
    const out = [String(await t.blocked()) === '1' ? ':1\r\n' : 'served'];
    await b.call('DEL', 'by:k');
    await b.call('LPUSH', 'by:k', 'z');
    out.push(await p);
    return out;
  });
});

test('CLIENT UNBLOCK helpers answer as a timeout or with the UNBLOCKED error', async () => {
  const a = await TestClient.connect(srv.port);
  const b = await TestClient.connect(srv.port);
  try {
    const p = a.callRaw('BLPOP', 'bu:k', '0');
    await waitFor(() => srv.server.blocking.blockedClients.size === 1);
    const [blocked] = [...srv.server.blocking.blockedClients];
    assert.equal(unblockClientWithTimeoutReply(blocked), true);
    assert.equal(await p, '*-1\r\n');
    const q = b.callRaw('BLMOVE', 'bu:k', 'bu:d', 'LEFT', 'LEFT', '0');
    await waitFor(() => srv.server.blocking.blockedClients.size === 1);
    const [blocked2] = [...srv.server.blocking.blockedClients];
    assert.equal(unblockClientWithError(blocked2), true);
    assert.equal(await q, '-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
    assert.equal(unblockClientWithError(blocked2), false);
    assert.equal(await a.callRaw('PING'), '+PONG\r\n');
  } finally {
    a.close();
    b.close();
  }
});
