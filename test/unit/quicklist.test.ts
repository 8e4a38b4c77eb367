/**
 * RList as a quicklist of listpack nodes, against a plain array: random
 * pushes, pops, LSET, LINSERT, LREM, LTRIM, LPOS and reads on lists with
 * entry-count and byte-size node limits and compression depths (so one-node
 * strings, mutable end nodes, sealed inner nodes and LZF-compressed nodes are
 * all exercised), checking contents, node bytes and node limits after every
 * step, and that the RDB node form rebuilds the same list.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RList, MUTABLE_MIN, CNode, quicklistAllowInsert } from '../../src/keyspace/types/list';
import { lpValidateString, lpToArray } from '../../src/keyspace/listpack';
import { lzfDecompress } from '../../src/util/lzf';
import { mulberry32 } from '../helpers/prng';

function nodeElements(x: string | CNode): string[] {
  if (typeof x === 'string') {
    lpValidateString(x);
    return lpToArray(x);
  }
  const src = Buffer.from(x.lzf, 'latin1');
  const out = Buffer.alloc(x.sz);
  assert.equal(lzfDecompress(src, 0, src.length, out), x.sz);
  const lp = out.toString('latin1');
  lpValidateString(lp);
  assert.equal(lpToArray(lp).length, x.count);
  return lpToArray(lp);
}

function check(l: RList, model: string[], what: string, depth: number): void {
  assert.equal(l.length, model.length, `${what}: length`);
  assert.deepEqual(l.toArray(), model, `${what}: contents`);
  assert.deepEqual([...l], model, `${what}: iterator`);
  const nodes = l.rdbNodes();
  const flat: string[] = [];
  nodes.forEach((x, i) => {
    const els = nodeElements(x);
    assert.ok(els.length > 0, `${what}: empty node ${i}`);
    flat.push(...els);
    const inner = i >= depth && i < nodes.length - depth;
    if (depth > 0 && !inner) assert.equal(typeof x, 'string', `${what}: node ${i} of ${nodes.length} within depth ${depth} is compressed`);
  });
  assert.deepEqual(flat, model, `${what}: nodes`);
  assert.deepEqual(RList.fromNodes(nodes).toArray(), model, `${what}: fromNodes`);
}

const ELEMENTS = (r: () => number): string => {
  const k = Math.floor(r() * 6);
  if (k === 0) return String(Math.floor(r() * 2000) - 1000);
  if (k === 1) return 'x'.repeat(Math.floor(r() * 200));
  if (k === 2) return String(Math.floor(r() * 1e15));
  return 'e' + Math.floor(r() * 50) + ':' + 'y'.repeat(Math.floor(r() * 40));
};

for (const [fill, depth] of [
  [-2, 0],
  [-1, 1],
  [4, 0],
  [5, 2],
  [-5, 0],
  [1, 1],
] as const) {
  test(`quicklist fill ${fill} depth ${depth}: random operations match an array`, () => {
    const r = mulberry32(1000 + fill * 7 + depth);
    const l = new RList(undefined, { fill, compressDepth: depth });
    const model: string[] = [];
    for (let step = 0; step < 2500; step++) {
      const op = Math.floor(r() * 100);
      const el = ELEMENTS(r);
      let what = `step ${step} op ${op}`;
      if (op < 35) {
        const n = 1 + Math.floor(r() * 20);
        for (let i = 0; i < n; i++) {
          const v = ELEMENTS(r);
          if (op & 1) {
            l.pushFront(v);
            model.unshift(v);
          } else {
            l.pushBack(v);
            model.push(v);
          }
        }
        what += ' push';
      } else if (op < 55) {
        const n = Math.floor(r() * 15);
        for (let i = 0; i < n; i++) {
          const got = op & 1 ? l.popFront() : l.popBack();
          const want = op & 1 ? model.shift() : model.pop();
          assert.equal(got, want, `${what} pop`);
        }
      } else if (op < 62) {
        const i = Math.floor(r() * (model.length + 2)) - 1;
        const ok = l.set(i, el);
        assert.equal(ok, i >= -model.length && i < model.length && model.length > 0 ? true : ok);
        if (ok) model[i < 0 ? i + model.length : i] = el;
        what += ' lset';
      } else if (op < 70 && model.length > 0) {
        const pivot = model[Math.floor(r() * model.length)];
        const before = r() < 0.5;
        const at = model.indexOf(pivot);
        assert.equal(l.insert(pivot, before ? 'before' : 'after', el), model.length + 1);
        model.splice(before ? at : at + 1, 0, el);
        what += ' linsert';
      } else if (op < 76 && model.length > 0) {
        const v = model[Math.floor(r() * model.length)];
        const count = Math.floor(r() * 5) - 2;
        let left = count === 0 ? Infinity : Math.abs(count);
        let removed = 0;
        if (count >= 0) {
          for (let i = 0; i < model.length && left > 0; i++) if (model[i] === v) { model.splice(i--, 1); removed++; left--; }
        } else {
          for (let i = model.length - 1; i >= 0 && left > 0; i--) if (model[i] === v) { model.splice(i, 1); removed++; left--; }
        }
        assert.equal(l.remove(count, v), removed, `${what} lrem`);
      } else if (op < 80) {
        const a = Math.floor(r() * 20) - 5;
        const b = model.length - Math.floor(r() * 20);
        l.trim(a, b);
        const len = model.length;
        let s = a < 0 ? len + a : a;
        let e = b < 0 ? len + b : b;
        if (s < 0) s = 0;
        if (e >= len) e = len - 1;
        const kept = s > e || s >= len ? [] : model.slice(s, e + 1);
        model.length = 0;
        model.push(...kept);
        what += ' ltrim';
      } else if (op < 90) {
        const i = Math.floor(r() * (model.length + 4)) - 2;
        assert.equal(l.index(i), model[i < 0 ? i + model.length : i], `${what} lindex`);
        const a = Math.floor(r() * (model.length + 3)) - 1;
        const b = a + Math.floor(r() * 30);
        const len = model.length;
        let s = a < 0 ? len + a : a;
        let e = b < 0 ? len + b : b;
        if (s < 0) s = 0;
        if (e >= len) e = len - 1;
        assert.deepEqual(l.range(a, b), s > e ? [] : model.slice(s, e + 1), `${what} lrange ${a} ${b}`);
      } else if (model.length > 0) {
        const v = model[Math.floor(r() * model.length)];
        const want: number[] = [];
        model.forEach((x, i) => x === v && want.push(i));
        assert.deepEqual(l.pos(v, 1, 0, 0), want, `${what} lpos`);
        assert.deepEqual(l.pos(v, -1, 0, 0), want.slice().reverse(), `${what} lpos rank -1`);
      }
      check(l, model, what, depth);
    }
  });
}

test('node sizes follow list-max-listpack-size on appends, end nodes past MUTABLE_MIN stay correct', () => {
  const l = new RList(undefined, { fill: -2, compressDepth: 0 });
  const model: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const v = 'item:' + i;
    l.pushBack(v);
    model.push(v);
  }
  const nodes = l.rdbNodes() as string[];
  for (let i = 0; i < nodes.length - 1; i++) {
    const n = nodes[i];
    assert.ok(n.length <= 8192, `node ${i} is ${n.length} bytes`);
    // a node is closed only when the next element would not fit
    const next = lpToArray(nodes[i + 1])[0];
    assert.equal(quicklistAllowInsert(n.length, lpToArray(n).length, -2, next.length), false);
  }
  assert.ok(nodes[0].length > MUTABLE_MIN);
  assert.deepEqual(l.toArray(), model);
  // entry-count fill
  const c = new RList(undefined, { fill: 3, compressDepth: 0 });
  for (let i = 0; i < 10; i++) c.pushBack(String(i));
  assert.deepEqual((c.rdbNodes() as string[]).map((x) => lpToArray(x).length), [3, 3, 3, 1]);
});
