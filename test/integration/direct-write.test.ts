/**
 * Replies written on the socket handle directly (src/server/direct-write.ts):
 * what the kernel does not take at once stays queued in order, counts in the
 * client's omem and against client-output-buffer-limit, and arrives whole.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { startTredis, waitFor } from '../helpers/servers';
import { TestClient } from '../helpers/resp';
import type { TredisServer } from '../../src/index';
import type { Client } from '../../src/server/client';

let srv: TredisServer;
const MB = 1024 * 1024;
const KEYS = 24;

before(async () => {
  srv = await startTredis();
  const c = await TestClient.connect(srv.port);
  // distinct values, so that a reply out of order or cut short shows
  for (let i = 0; i < KEYS; i++) assert.equal(await c.call('SET', `big:${i}`, String.fromCharCode(97 + i).repeat(MB)), 'OK');
  c.close();
});
after(async () => {
  await srv.close();
});

/** A raw connection that reads nothing until told to. */
async function rawClient(): Promise<{ socket: net.Socket; received: Buffer[]; id: number }> {
  const socket = net.createConnection({ port: srv.port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const received: Buffer[] = [];
  socket.on('data', (d: Buffer) => received.push(d));
  socket.on('error', () => {});
  socket.write('*2\r\n$6\r\nCLIENT\r\n$2\r\nID\r\n');
  await waitFor(async () => Buffer.concat(received).includes('\r\n'), 5000, 'CLIENT ID reply');
  const id = Number(Buffer.concat(received).toString('latin1').slice(1, -2));
  received.length = 0;
  return { socket, received, id };
}

function serverClient(id: number): Client | undefined {
  return srv.server.clients.get(id);
}

test('replies the kernel does not take at once stay queued, count in omem, and arrive whole and in order', async () => {
  const { socket, received, id } = await rawClient();
  const q = await TestClient.connect(srv.port);
  try {
    const c = serverClient(id)!;
    assert.ok(c.direct !== null, 'a plain TCP client writes its replies directly');
    socket.pause(); // stop reading: what the server writes piles up in the kernel, then in libuv
    let req = '';
    for (let i = 0; i < KEYS; i++) req += `*2\r\n$3\r\nGET\r\n$${`big:${i}`.length}\r\nbig:${i}\r\n`;
    socket.write(req + '*1\r\n$4\r\nPING\r\n');
    await waitFor(async () => c.direct!.pending > 0 && c.commandsProcessed >= KEYS + 2, 10000, 'replies held by libuv');
    // held bytes are the client's omem (CLIENT LIST) and its output buffer (INFO)
    const list = String(await q.call('CLIENT', 'LIST', 'ID', String(id)));
    const omem = Number(/ omem=(\d+)/.exec(list)![1]);
    assert.ok(omem >= MB, `omem ${omem} counts the queued replies`);
    assert.equal(omem, c.outputBytes);
    socket.resume();
    const want = KEYS * (`$${MB}\r\n`.length + MB + 2) + '+PONG\r\n'.length;
    await waitFor(async () => received.reduce((n, b) => n + b.length, 0) >= want, 20000, 'every reply read');
    const all = Buffer.concat(received);
    assert.equal(all.length, want);
    let p = 0;
    for (let i = 0; i < KEYS; i++) {
      const head = `$${MB}\r\n`;
      assert.equal(all.toString('latin1', p, p + head.length), head, `reply ${i} header`);
      p += head.length;
      const body = all.subarray(p, p + MB);
      const ch = 97 + i;
      assert.ok(
        body.every((b) => b === ch),
        `reply ${i} holds its own value`,
      );
      p += MB;
      assert.equal(all.toString('latin1', p, p + 2), '\r\n');
      p += 2;
    }
    assert.equal(all.toString('latin1', p), '+PONG\r\n');
    // all written: nothing held, omem back to 0, and the connection still serves
    await waitFor(async () => c.direct!.pending === 0, 5000, 'queue drained');
    assert.equal(c.outputBytes, 0);
    received.length = 0;
    socket.write('*1\r\n$4\r\nPING\r\n');
    await waitFor(async () => Buffer.concat(received).toString('latin1') === '+PONG\r\n', 5000, 'PING after the drain');
  } finally {
    socket.destroy();
    q.close();
  }
});

test('a client that does not read is cut by client-output-buffer-limit once libuv holds more than the hard limit', async () => {
  const q = await TestClient.connect(srv.port);
  assert.equal(await q.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 4mb 0 0'), 'OK');
  const { socket, id } = await rawClient();
  let closed = false;
  socket.on('close', () => (closed = true));
  try {
    socket.pause();
    const c = serverClient(id)!;
    // one 1 MB reply per batch: each batch's own reply is under the limit, what piles up in libuv is not
    for (let i = 0; i < 40 && !closed && !c.closed; i++) {
      socket.write(`*2\r\n$3\r\nGET\r\n$5\r\nbig:${i % 10}\r\n`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(async () => c.closed, 10000, 'client cut by the output limit');
    assert.equal(serverClient(id), undefined);
    const list = String(await q.call('CLIENT', 'LIST'));
    assert.ok(!list.includes(`id=${id} `), 'the client is gone from CLIENT LIST');
  } finally {
    assert.equal(await q.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0'), 'OK');
    socket.destroy();
    q.close();
  }
});
