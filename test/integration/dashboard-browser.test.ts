/**
 * The replication dashboard in a real browser: headless Chromium loads the
 * page of a master with two replicas, one of which has a replica of its own
 * (a chain), runs its script against /api/topology and dumps the DOM: the
 * replicas are listed under their masters with their offsets and lag, and a
 * second load after more writes shows the offsets grown. A screenshot is a
 * real 1280x900 PNG with the page drawn in it.
 * Without chromium the tests are skipped (CI=true: failed), see
 * test/helpers/chromium.ts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTredis, freePort, waitFor, tempDir } from '../helpers/servers';
import { TestClient } from '../helpers/resp';
import { chromiumAvailable, SKIP_NO_CHROMIUM, dumpDom, screenshot, readPng, countColour } from '../helpers/chromium';
import type { TredisServer } from '../../src/index';

const skip = chromiumAvailable() ? false : SKIP_NO_CHROMIUM;

let master: TredisServer;
let a: TredisServer;
let b: TredisServer;
let c: TredisServer; // replica of a: master -> a -> c
let masterHttp = 0;
let chainEndHttp = 0;
const id = (s: TredisServer): string => `127.0.0.1:${s.port}`;

async function call(port: number, ...args: string[]): Promise<unknown> {
  const cl = await TestClient.connect(port);
  try {
    return await cl.call(...args);
  } finally {
    cl.close();
  }
}

async function replInfo(s: TredisServer): Promise<string> {
  return String(await call(s.port, 'INFO', 'replication'));
}

/** Until `s` shows every one of its `n` replicas online and acknowledging its own offset; returns that offset. */
async function acked(s: TredisServer, n: number): Promise<number> {
  let offset = 0;
  await waitFor(
    async () => {
      const inf = await replInfo(s);
      offset = Number(/master_repl_offset:(\d+)/.exec(inf)?.[1]);
      return (inf.match(new RegExp(`state=online,offset=${offset},`, 'g')) ?? []).length === n;
    },
    20000,
    `${n} replica(s) of ${id(s)} online at its offset`,
  );
  return offset;
}

async function writeKeys(prefix: string, n: number): Promise<void> {
  const cl = await TestClient.connect(master.port);
  try {
    for (let i = 0; i < n; i++) await cl.call('SET', `${prefix}:${i}`, 'x'.repeat(200));
  } finally {
    cl.close();
  }
}

/** The HTML of one node's card in a dumped DOM (up to the next card). */
function cardOf(dom: string, nodeId: string): string {
  const at = dom.indexOf(`data-node="${nodeId}"`);
  assert.ok(at >= 0, `no card for ${nodeId} in\n${dom}`);
  const next = dom.indexOf('<div class="node', at);
  return dom.slice(dom.lastIndexOf('<div class="node', at), next < 0 ? undefined : next);
}

function field(card: string, name: string): string {
  const m = new RegExp(`data-field="${name.replace(/[()]/g, '\\$&')}">([^<]*)<`).exec(card);
  assert.ok(m, `no field ${name} in\n${card}`);
  return m[1];
}

interface Row {
  state: string;
  offset: number;
  lagBytes: number;
  lagSeconds: number;
  /** the cells' visible text: id, state, offset, lag bytes, lag s */
  cells: string[];
}

/** The replica row of `replicaId` in a master's card, its data attributes and its visible cells. */
function replicaRow(card: string, replicaId: string): Row {
  const m = new RegExp(`<tr data-replica="${replicaId}" data-state="(\\w+)" data-offset="(\\d+)" data-lag-bytes="(\\d+)" data-lag-seconds="(\\d+)">(.*?)</tr>`).exec(card);
  assert.ok(m, `no row for replica ${replicaId} in\n${card}`);
  const cells = [...m[5].matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((x) => x[1]);
  return { state: m[1], offset: Number(m[2]), lagBytes: Number(m[3]), lagSeconds: Number(m[4]), cells };
}

/** Rows shown must say what their attributes say. */
function checkRow(card: string, replicaId: string): Row {
  const r = replicaRow(card, replicaId);
  assert.deepEqual(r.cells, [replicaId, r.state, String(r.offset), String(r.lagBytes), String(r.lagSeconds)]);
  return r;
}

before(async () => {
  if (skip) return;
  masterHttp = await freePort();
  chainEndHttp = await freePort();
  master = await startTredis({ httpPort: masterHttp, replDisklessSyncDelay: 0 });
  a = await startTredis({ replicaof: `127.0.0.1 ${master.port}`, replDisklessSyncDelay: 0 });
  b = await startTredis({ replicaof: `127.0.0.1 ${master.port}` });
  c = await startTredis({ replicaof: `127.0.0.1 ${a.port}`, httpPort: chainEndHttp });
  await writeKeys('first', 20);
  await acked(master, 2);
  await acked(a, 1);
});

after(async () => {
  for (const s of [c, b, a, master]) await s?.close();
});

test("Chromium runs the page's script: the master lists its replicas with offsets and lag, and they update", { skip }, async () => {
  const off1 = Number(/master_repl_offset:(\d+)/.exec(await replInfo(master))![1]);
  const dom1 = await dumpDom(`http://127.0.0.1:${masterHttp}/`);
  assert.match(dom1, /<div id="status">4 node\(s\), updated [^<]+<\/div>/, 'the script ran and drew the four nodes');
  const m1 = cardOf(dom1, id(master));
  assert.ok(m1.startsWith(`<div class="node self" data-node="${id(master)}" data-role="master">`), m1);
  assert.ok(Number(field(m1, 'master_repl_offset')) >= off1);
  const ra1 = checkRow(m1, id(a));
  const rb1 = checkRow(m1, id(b));
  for (const r of [ra1, rb1]) {
    assert.equal(r.state, 'online');
    assert.ok(r.offset >= off1 - 20 && r.offset > 0, `offset ${r.offset} near ${off1}`); // a PING may follow the ACK
  }
  // the chain: c is listed under a, and a's card shows its master and lag
  const a1 = cardOf(dom1, id(a));
  assert.ok(a1.startsWith(`<div class="node" data-node="${id(a)}" data-role="slave">`), a1);
  assert.equal(field(a1, 'master'), id(master));
  assert.equal(field(a1, 'link'), 'up');
  assert.match(field(a1, 'lag (bytes)'), /^\d+$/);
  assert.equal(checkRow(a1, id(c)).state, 'online');
  const c1 = cardOf(dom1, id(c));
  assert.equal(field(c1, 'master'), id(a));
  assert.ok(dom1.indexOf(`data-node="${id(master)}"`) < dom1.indexOf(`data-node="${id(a)}"`) && dom1.indexOf(`data-node="${id(a)}"`) < dom1.indexOf(`data-node="${id(c)}"`), 'drawn top-down');

  // more writes: the next load shows larger offsets on the master and on both replica rows
  await writeKeys('second', 50);
  const off2 = await acked(master, 2);
  await acked(a, 1);
  assert.ok(off2 > off1);
  const dom2 = await dumpDom(`http://127.0.0.1:${masterHttp}/`);
  const m2 = cardOf(dom2, id(master));
  assert.ok(Number(field(m2, 'master_repl_offset')) >= off2);
  for (const r of [id(a), id(b)]) {
    const row = checkRow(m2, r);
    assert.ok(row.offset >= off2 - 20 && row.offset > Math.max(ra1.offset, rb1.offset), `${r}: ${row.offset} after ${off2}`);
  }
  assert.ok(checkRow(cardOf(dom2, id(a)), id(c)).offset > checkRow(a1, id(c)).offset, "c's offset on a's card grew");
});

test('the page at the end of the chain shows the whole topology with itself marked', { skip }, async () => {
  const dom = await dumpDom(`http://127.0.0.1:${chainEndHttp}/`);
  assert.match(dom, /<div id="status">4 node\(s\), updated /);
  assert.match(dom, new RegExp(`class="node self" data-node="${id(c)}" data-role="slave"`));
  assert.match(dom, new RegExp(`<span id="self">— ${id(c)}</span>`));
  for (const s of [master, a, b]) assert.ok(dom.includes(`data-node="${id(s)}"`), id(s));
  assert.match(field(cardOf(dom, id(c)), 'lag (bytes)'), /^\d+$/);
});

test('a screenshot of the page is a 1280x900 PNG with the cards drawn', { skip }, async () => {
  const dir = tempDir('tredis-dash-shot-');
  try {
    const file = path.join(dir, 'dash.png');
    await screenshot(`http://127.0.0.1:${masterHttp}/`, file, 1280, 900);
    const data = fs.readFileSync(file);
    const png = readPng(data);
    assert.equal(png.width, 1280);
    assert.equal(png.height, 900);
    assert.equal(png.bitDepth, 8);
    assert.ok(png.bpp > 0, `colour type ${png.colorType}`);
    // a blank 1280x900 page is about 5 KB; this one has text, tables and sparklines
    assert.ok(data.length > 20000, `${data.length} bytes`);
    const all = png.width * png.height;
    // the page background (#f6f7f9) leaves room for the white cards (#ffffff), and the master's role badge (#ffe7b8) is drawn
    assert.ok(countColour(png, [0xf6, 0xf7, 0xf9]) < all * 0.95);
    assert.ok(countColour(png, [0xff, 0xff, 0xff]) > all * 0.05);
    assert.ok(countColour(png, [0xff, 0xe7, 0xb8], 2) > 100, 'the master badge is drawn');
    if (process.env.TREDIS_DASH_SCREENSHOT) fs.copyFileSync(file, process.env.TREDIS_DASH_SCREENSHOT);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
