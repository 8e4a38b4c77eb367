/**
 * The building blocks of replication, in process: the backlog ring buffer,
 * the request parser's byte accounting (replication offsets depend on it),
 * and the fork-less snapshot's point-in-time guarantee under concurrent
 * writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backlog } from '../../src/replication/backlog';
import { RequestParser } from '../../src/protocol/parser';
import { encodeCommand } from '../../src/protocol/reply';
import { startTredis } from '../helpers/servers';
import { Snapshot } from '../../src/persistence/snapshot';
import { parseRdbBuffer } from '../../src/persistence/rdb/read-file';
import { toPlainValue } from '../../src/persistence/convert';
import { RList } from '../../src/keyspace/types/list';

test('backlog: offsets, wrap-around, PSYNC range, resize', () => {
  const b = new Backlog(16 * 1024, 100);
  assert.equal(b.offset, 101);
  assert.equal(b.histlen, 0);
  assert.ok(b.canServe(101));
  assert.ok(!b.canServe(100));
  let all = '';
  for (let i = 0; i < 3000; i++) {
    const s = `*1\r\n$${String(i).length}\r\n${i}\r\n`;
    b.append(i % 2 ? s : Buffer.from(s, 'latin1'));
    all += s;
  }
  assert.equal(b.endOffset, 100 + all.length);
  assert.equal(b.histlen, 16 * 1024);
  assert.equal(b.offset, 100 + all.length - 16 * 1024 + 1);
  const from = b.offset + 1000;
  assert.equal(b.readFrom(from).toString('latin1'), all.slice(from - 101));
  assert.ok(b.canServe(b.endOffset + 1));
  assert.equal(b.readFrom(b.endOffset + 1).length, 0);
  assert.ok(!b.canServe(b.offset - 1));
  b.resize(20000);
  assert.equal(b.readFrom(b.offset).toString('latin1'), all.slice(all.length - 16 * 1024));
  b.resize(1000);
  assert.equal(b.histlen, 1000);
  assert.equal(b.readFrom(b.offset).toString('latin1'), all.slice(all.length - 1000));
  const big = 'z'.repeat(5000);
  b.append(big);
  assert.equal(b.readFrom(b.offset).toString('latin1'), big.slice(4000));
});

test('parser: the byte sizes of the commands add up to the bytes received, however split', () => {
  const cmds: string[][] = [];
  let stream = '';
  for (let i = 0; i < 300; i++) {
    const argv = ['SET', `k${i}`, i % 50 === 0 ? 'v'.repeat(40000 + i) : `v${i}`];
    cmds.push(argv);
    stream += encodeCommand(argv);
    if (i % 37 === 0) stream += '\n'; // keepalive newlines count toward the next command
    if (i % 41 === 0) stream += '*0\r\n';
  }
  stream += encodeCommand(['PING']);
  cmds.push(['PING']);
  const bytes = Buffer.from(stream, 'latin1');
  for (const step of [1, 7, 1000, 65536]) {
    const p = new RequestParser({ maxBulkLen: 1 << 30, maxQueryBuffer: 1 << 30 });
    let total = 0;
    const got: string[][] = [];
    for (let i = 0; i < bytes.length; i += step) {
      p.push(bytes.subarray(i, i + step));
      for (let a = p.next(); a !== null; a = p.next()) {
        got.push(a);
        total += p.lastSize;
      }
    }
    assert.deepEqual(got, cmds, `commands (step ${step})`);
    assert.equal(total, bytes.length, `sizes add up (step ${step})`);
  }
});

test('snapshot: the dataset at start(), whatever is written while it streams to a slow sink', async () => {
  const t = await startTredis();
  const s = t.server;
  try {
    for (const db of [0, 2]) {
      for (let i = 0; i < 5000; i++) s.dbs[db].set(`k${i}`, `v${i}`);
      s.dbs[db].set('list', new RList(['a', 'b']));
    }
    const expected = new Map<string, string>();
    for (const db of [0, 2]) s.dbs[db].forEach((key, value) => expected.set(`${db}/${key}`, JSON.stringify(toPlainValue(value))));
    const chunks: Buffer[] = [];
    const snap = new Snapshot(
      s,
      {
        // a slow consumer: every chunk waits a little, so writes interleave with the walk
        write: (c) => {
          chunks.push(c);
          return new Promise((r) => setTimeout(r, 2));
        },
      },
      { sliceMs: 1, writer: { chunkSize: 4096 } },
    );
    const done = snap.start();
    let n = 0;
    const writes = setInterval(() => {
      for (let j = 0; j < 50; j++, n++) {
        const db = n % 2 === 0 ? 0 : 2;
        const k = `k${(n * 7919) % 6000}`;
        s.watch.beforeKeyWrite(db, k);
        if (n % 3 === 0) s.dbs[db].delete(k);
        else s.dbs[db].set(k, `new${n}`);
        s.watch.beforeKeyWrite(db, 'list');
        (s.dbs[db].get('list') as RList | undefined)?.pushBack(`x${n}`);
      }
    }, 1);
    await done;
    clearInterval(writes);
    assert.ok(n > 0, 'writes happened during the snapshot');
    const parsed = parseRdbBuffer(Buffer.concat(chunks));
    const got = new Map<string, string>();
    for (const r of parsed.keys) {
      assert.ok(!got.has(`${r.db}/${r.key}`), `key written once: ${r.key}`);
      got.set(`${r.db}/${r.key}`, JSON.stringify(r.value));
    }
    assert.equal(got.size, expected.size);
    for (const [k, v] of expected) assert.equal(got.get(k), v, k);
    assert.equal(s.watch.snapshotHooks.length, 0, 'hook removed');
  } finally {
    await t.close();
  }
});
