/**
 * MULTI / EXEC / DISCARD / WATCH / UNWATCH through a real socket: queueing,
 * EXECABORT (queue-time errors and EXEC rejected by the gate), runtime
 * errors inside the EXEC array, WATCH broken by another client's write, by
 * expiry, by FLUSHALL / FLUSHDB / SWAPDB, and what a transaction propagates.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTredis } from '../helpers/servers';
import { TestClient } from '../helpers/resp';
import { rawReplies as raw } from '../helpers/compare';
import type { TredisServer } from '../../src/index';

let srv: TredisServer;
const propagated: string[][] = [];
/** Added to the server's clock: a test moves time past a TTL at a chosen point instead of racing a short one. */
let skew = 0;

before(async () => {
  srv = await startTredis({ clock: () => Date.now() + skew });
  srv.server.propagation.listeners.push({ feed: (_db, argv) => propagated.push(argv) });
});
after(async () => {
  await srv.close();
});

async function client(): Promise<TestClient> {
  return TestClient.connect(srv.port);
}

/** Whether the server knows a command yet (FLUSHALL & co belong to another family). */
async function known(c: TestClient, ...argv: string[]): Promise<boolean> {
  const r = await c.callRaw(...argv);
  return !r.startsWith('-ERR unknown command');
}

test('MULTI/EXEC queue, run in order, report runtime errors inside the array', async () => {
  const c = await client();
  try {
    assert.deepEqual(
      await raw(
        c,
        ['MULTI'],
        ['SET', 'tx-a', '1'],
        ['INCR', 'tx-a'],
        ['ZADD', 'tx-a', '1', 'm'],
        ['GET', 'tx-a'],
        ['EXEC'],
      ),
      ['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '*4\r\n+OK\r\n:2\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n$1\r\n2\r\n'],
    );
    assert.deepEqual(await raw(c, ['MULTI'], ['EXEC']), ['+OK\r\n', '*0\r\n']);
  } finally {
    c.close();
  }
});

test('control errors: nested MULTI, EXEC/DISCARD without MULTI, WATCH inside MULTI, EXEC arity', async () => {
  const c = await client();
  try {
    assert.deepEqual(
      await raw(
        c,
        ['MULTI'],
        ['MULTI'],
        ['SET', 'tx-b', 'x'],
        ['EXEC'],
        ['EXEC'],
        ['DISCARD'],
        ['MULTI'],
        ['WATCH', 'tx-b'],
        ['DISCARD'],
        ['GET', 'tx-b'],
        ['MULTI'],
        ['EXEC', 'extra'],
        ['EXEC'],
        ['EXEC', 'extra'],
        ['WATCH'],
      ),
      [
        '+OK\r\n',
        '-ERR MULTI calls can not be nested\r\n',
        '+QUEUED\r\n',
        '*1\r\n+OK\r\n',
        '-ERR EXEC without MULTI\r\n',
        '-ERR DISCARD without MULTI\r\n',
        '+OK\r\n',
        '-ERR WATCH inside MULTI is not allowed\r\n',
        '+OK\r\n',
        '$1\r\nx\r\n',
        '+OK\r\n',
        "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n",
        '-ERR EXEC without MULTI\r\n',
        "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n",
        "-ERR wrong number of arguments for 'watch' command\r\n",
      ],
    );
  } finally {
    c.close();
  }
});

test('EXECABORT after queue-time errors (unknown command, arity, no_multi); the queue is discarded', async () => {
  const c = await client();
  try {
    assert.deepEqual(
      await raw(c, ['MULTI'], ['SET', 'tx-c', '1'], ['NOSUCHCMD', 'a'], ['SET', 'tx-c'], ['EXEC'], ['EXISTS', 'tx-c']),
      [
        '+OK\r\n',
        '+QUEUED\r\n',
        "-ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' \r\n",
        "-ERR wrong number of arguments for 'set' command\r\n",
        '-EXECABORT Transaction discarded because of previous errors.\r\n',
        ':0\r\n',
      ],
    );
    // no_multi commands (SHUTDOWN, SAVE, SYNC, PSYNC) are refused at queueing time
    assert.deepEqual(await raw(c, ['MULTI'], ['SHUTDOWN'], ['SET', 'tx-c', '1'], ['EXEC']), [
      '+OK\r\n',
      '-ERR Command not allowed inside a transaction\r\n',
      '+QUEUED\r\n',
      '-EXECABORT Transaction discarded because of previous errors.\r\n',
    ]);
  } finally {
    c.close();
  }
});

test('EXEC rejected by the gate at EXEC time (NOREPLICAS) aborts with the reason', async () => {
  const c = await client();
  const master = srv.server.replication.master;
  const saved = master.hasGoodReplicas;
  try {
    assert.deepEqual(await raw(c, ['MULTI'], ['SET', 'tx-d', '1']), ['+OK\r\n', '+QUEUED\r\n']);
    master.hasGoodReplicas = () => false;
    assert.equal(await c.callRaw('EXEC'), '-EXECABORT Transaction discarded because of: NOREPLICAS Not enough good replicas to write.\r\n');
    assert.equal(await c.callRaw('EXEC'), '-ERR EXEC without MULTI\r\n');
    // a read-only transaction is not a write: it runs
    assert.deepEqual(await raw(c, ['MULTI'], ['GET', 'tx-d'], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '*1\r\n$-1\r\n']);
  } finally {
    master.hasGoodReplicas = saved;
    c.close();
  }
});

test('WATCH: broken by another client write, not by reads; UNWATCH / DISCARD / EXEC forget it', async () => {
  const c = await client();
  const d = await client();
  try {
    await c.call('SET', 'w1', '1');
    assert.equal(await c.call('WATCH', 'w1', 'w-missing'), 'OK');
    await d.call('GET', 'w1');
    assert.deepEqual(await raw(c, ['MULTI'], ['SET', 'w1', '2'], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '*1\r\n+OK\r\n']);
    // write by another client
    await c.call('WATCH', 'w1');
    await d.call('SET', 'w1', 'other');
    assert.deepEqual(await raw(c, ['MULTI'], ['SET', 'w1', 'mine'], ['EXEC'], ['GET', 'w1']), ['+OK\r\n', '+QUEUED\r\n', '*-1\r\n', '$5\r\nother\r\n']);
    // creating a watched missing key breaks it too
    await c.call('WATCH', 'w-missing');
    await d.call('SET', 'w-missing', 'now');
    assert.deepEqual(await raw(c, ['MULTI'], ['PING'], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '*-1\r\n']);
    // UNWATCH forgets
    await c.call('WATCH', 'w1');
    await d.call('SET', 'w1', 'x');
    await c.call('UNWATCH');
    assert.deepEqual(await raw(c, ['MULTI'], ['PING'], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '*1\r\n+PONG\r\n']);
    // DISCARD forgets too
    await c.call('WATCH', 'w1');
    await c.call('MULTI');
    await c.call('DISCARD');
    await d.call('SET', 'w1', 'y');
    assert.deepEqual(await raw(c, ['MULTI'], ['PING'], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '*1\r\n+PONG\r\n']);
    // the transaction's own write does not count; a WATCH in another db is another key
    await c.call('WATCH', 'w1');
    await c.call('SET', 'w1', 'self'); // outside MULTI: it does count
    assert.equal((await raw(c, ['MULTI'], ['PING'], ['EXEC']))[2], '*-1\r\n');
    await c.call('SELECT', '1');
    await c.call('WATCH', 'w1');
    await d.call('SET', 'w1', 'db0');
    assert.deepEqual(await raw(c, ['MULTI'], ['PING'], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '*1\r\n+PONG\r\n']);
    await c.call('SELECT', '0');
    // RESP3 null
    await c.call('HELLO', '3');
    await c.call('WATCH', 'w1');
    await d.call('SET', 'w1', 'z');
    assert.deepEqual(await raw(c, ['MULTI'], ['PING'], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '_\r\n']);
  } finally {
    c.close();
    d.close();
  }
});

test('WATCH and expiry: a key expiring after WATCH fails EXEC; an already expired key does not', async () => {
  const c = await client();
  const cron = srv.server.cron;
  cron.activeExpireEnabled = false; // as DEBUG SET-ACTIVE-EXPIRE 0
  try {
    // expires (logically) between WATCH and EXEC (the clock moved past the TTL after the WATCH, however slow the machine)
    await c.call('SET', 'we1', 'v');
    await c.call('PEXPIRE', 'we1', '10000');
    await c.call('WATCH', 'we1');
    skew += 10_001;
    assert.deepEqual(await raw(c, ['MULTI'], ['PING'], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '*-1\r\n']);
    // deleted by lazy expiry between WATCH and EXEC
    await c.call('SET', 'we2', 'v');
    await c.call('PEXPIRE', 'we2', '10000');
    await c.call('WATCH', 'we2');
    skew += 10_001;
    assert.equal(await c.callRaw('EXISTS', 'we2'), ':0\r\n');
    assert.deepEqual(await raw(c, ['MULTI'], ['PING'], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '*-1\r\n']);
    // WATCH of a stale key (expired, not yet reclaimed): nothing changes logically
    await c.call('SET', 'we3', 'v');
    await c.call('PEXPIRE', 'we3', '1');
    await new Promise((r) => setTimeout(r, 20));
    await c.call('WATCH', 'we3');
    assert.deepEqual(await raw(c, ['MULTI'], ['PING'], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '*1\r\n+PONG\r\n']);
    // ... even when it gets reclaimed by a lookup before EXEC
    await c.call('SET', 'we4', 'v');
    await c.call('PEXPIRE', 'we4', '1');
    await new Promise((r) => setTimeout(r, 20));
    await c.call('WATCH', 'we4');
    assert.equal(await c.callRaw('EXISTS', 'we4'), ':0\r\n');
    assert.deepEqual(await raw(c, ['MULTI'], ['PING'], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '*1\r\n+PONG\r\n']);
    // ... but recreating it afterwards is a change
    await c.call('SET', 'we5', 'v');
    await c.call('PEXPIRE', 'we5', '1');
    await new Promise((r) => setTimeout(r, 20));
    await c.call('WATCH', 'we5');
    assert.equal(await c.callRaw('EXISTS', 'we5'), ':0\r\n');
    await c.call('SET', 'we5', 'again');
    assert.deepEqual(await raw(c, ['MULTI'], ['PING'], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '*-1\r\n']);
  } finally {
    cron.activeExpireEnabled = true;
    c.close();
  }
});

test('WATCH and FLUSHALL / FLUSHDB / SWAPDB: only keys that exist are touched', async (t) => {
  const c = await client();
  const d = await client();
  try {
    if (!(await known(d, 'FLUSHDB')) || !(await known(d, 'SWAPDB', '0', '0'))) {
      t.skip('FLUSHDB / SWAPDB not implemented yet');
      return;
    }
    await c.call('SET', 'wf1', 'v');
    await c.call('WATCH', 'wf1');
    await d.call('FLUSHALL');
    assert.deepEqual(await raw(c, ['MULTI'], ['PING'], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '*-1\r\n']);
    await c.call('WATCH', 'wf-none');
    await d.call('FLUSHDB');
    assert.deepEqual(await raw(c, ['MULTI'], ['PING'], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '*1\r\n+PONG\r\n']);
    // SWAPDB: the key exists in the other db only
    await d.call('SELECT', '9');
    await d.call('SET', 'ws1', 'in9');
    await c.call('WATCH', 'ws1');
    await d.call('SWAPDB', '0', '9');
    assert.deepEqual(await raw(c, ['MULTI'], ['GET', 'ws1'], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '*-1\r\n']);
    // neither db has it: untouched
    await c.call('WATCH', 'ws-none');
    await d.call('SWAPDB', '0', '9');
    assert.deepEqual(await raw(c, ['MULTI'], ['PING'], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '*1\r\n+PONG\r\n']);
    await d.call('FLUSHALL');
  } finally {
    c.close();
    d.close();
  }
});

test(
  'WATCH of an already expired key survives FLUSHDB; SWAPDB with a live key in the other db breaks it',
  async (t) => {
    const c = await client();
    const d = await client();
    const cron = srv.server.cron;
    cron.activeExpireEnabled = false;
    try {
      if (!(await known(d, 'FLUSHDB')) || !(await known(d, 'SWAPDB', '0', '0'))) {
        t.skip('FLUSHDB / SWAPDB not implemented yet');
        return;
      }
      await c.call('SET', 'wst1', 'v');
      await c.call('PEXPIRE', 'wst1', '1');
      await new Promise((r) => setTimeout(r, 20));
      await c.call('WATCH', 'wst1');
      await d.call('FLUSHDB');
      assert.deepEqual(await raw(c, ['MULTI'], ['PING'], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '*1\r\n+PONG\r\n']);
      await c.call('SET', 'wst2', 'v');
      await c.call('PEXPIRE', 'wst2', '1');
      await new Promise((r) => setTimeout(r, 20));
      await c.call('WATCH', 'wst2');
      await d.call('SELECT', '8');
      await d.call('SET', 'wst2', 'live');
      await d.call('SWAPDB', '0', '8');
      assert.deepEqual(await raw(c, ['MULTI'], ['PING'], ['EXEC']), ['+OK\r\n', '+QUEUED\r\n', '*-1\r\n']);
      await d.call('FLUSHALL');
    } finally {
      cron.activeExpireEnabled = true;
      c.close();
      d.close();
    }
  },
);

test('propagation: EXEC itself is never propagated; several writes are wrapped in MULTI/EXEC', async () => {
  const c = await client();
  try {
    propagated.length = 0;
    await raw(c, ['MULTI'], ['SET', 'tp1', '1'], ['GET', 'tp1'], ['EXEC']);
    assert.deepEqual(propagated, [['SET', 'tp1', '1']]);
    propagated.length = 0;
    await raw(c, ['MULTI'], ['SET', 'tp1', '2'], ['ZADD', 'tp2', '1', 'a'], ['INCR', 'tp1'], ['EXEC']);
    assert.deepEqual(propagated, [['MULTI'], ['SET', 'tp1', '2'], ['ZADD', 'tp2', '1', 'a'], ['INCR', 'tp1'], ['EXEC']]);
    propagated.length = 0;
    await raw(c, ['MULTI'], ['GET', 'tp1'], ['EXEC']);
    assert.deepEqual(propagated, []);
  } finally {
    c.close();
  }
});

test('a client that disconnects forgets its WATCHes and its queue', async () => {
  const c = await client();
  await c.call('WATCH', 'wd1', 'wd2');
  await c.call('MULTI');
  assert.ok(srv.server.watch.watchedKeys.has('0\0wd1'));
  c.close();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(srv.server.watch.watchedKeys.has('0\0wd1'), false);
  assert.equal(srv.server.watch.watchedKeys.has('0\0wd2'), false);
});
