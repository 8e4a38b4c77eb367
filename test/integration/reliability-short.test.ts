/**
 * The short CI version of `npm run chaos` and `npm run fuzz` (seconds, fixed
 * seeds): the harness itself, run as a user runs it (the compiled scripts as
 * child processes, servers on free loopback ports, stopped by PID), must pass;
 * and its self-checks (an injected divergence, lost AOF tail) must fail it,
 * so the checks are known to bite.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ROOT, redisAvailable, SKIP_NO_REDIS } from '../helpers/servers';
import { runOwned } from '../../bench/util';
import { sortStoreWithTies } from '../../scripts/reliability/fuzz-commands';

const skip = redisAvailable() ? false : SKIP_NO_REDIS;
const script = (name: string): string => path.join(ROOT, 'dist', 'scripts', 'reliability', `${name}.js`);

async function run(name: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const r = await runOwned(process.execPath, [script(name), ...args], { timeoutMs: 90_000 });
  return { code: r.code, out: r.stdout };
}

test('npm run chaos (short): replication chaos and kill -9 durability pass', { skip }, async () => {
  const r = await run('chaos', ['--seed', '7', '--cycles', '4', '--nodes', '3', '--writes', '150', '--kill-cycles', '2']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /replication chaos \(seed 7\): PASS/);
  assert.match(r.out, /cycles: 4/);
  assert.match(r.out, /always acknowledged writes lost: 0/);
  assert.match(r.out, /everysec kill -9 cycles: 2/);
});

test('npm run chaos fails on a divergence and on lost acknowledged writes', { skip }, async () => {
  const d = await run('chaos', ['--only', 'replication', '--seed', '3', '--cycles', '1', '--nodes', '2', '--writes', '50', '--inject-divergence']);
  assert.equal(d.code, 1, d.out);
  assert.match(d.out, /DIVERGENCE/);
  const l = await run('chaos', ['--only', 'durability', '--seed', '3', '--kill-cycles', '1', '--inject-loss']);
  assert.equal(l.code, 1, l.out);
  assert.match(l.out, /always acknowledged writes lost: [1-9]/);
});

test('npm run fuzz (short): RESP frames, commands, DUMP payloads, RDB files', { skip }, async () => {
  const r = await run('fuzz', ['--seed', '1', '--frames', '5000', '--commands', '1500', '--dumps', '300', '--rdbs', '60', '--rdb-diff-every', '6']);
  // the FAIL lines first: a long output is cut when printed
  assert.equal(r.code, 0, r.out.split('\n').filter((l) => l.includes('FAIL')).join('\n') + '\n' + r.out);
  assert.match(r.out, /RESP frame fuzz \(seed 1\): PASS/);
  assert.match(r.out, /command fuzz \(seed 1\): PASS/);
  assert.match(r.out, /DUMP cases: 300/);
  assert.match(r.out, /RDB cases: 60/);
  assert.doesNotMatch(r.out, /died|not answered|not closed|RSS over/);
});

test('npm run fuzz: only a SORT ... ALPHA BY <pattern with *> ... STORE counts as undefined tie order', () => {
  assert.equal(sortStoreWithTies(['SORT', 'l', 'BY', 'w_*', 'ALPHA', 'STORE', 'd']), 'd');
  assert.equal(sortStoreWithTies(['sort', 'l', 'alpha', 'by', 'nosuch*', 'get', '#', 'limit', '0', '5', 'store', 'd2']), 'd2');
  assert.equal(sortStoreWithTies(['SORT', 'l', 'BY', 'w_*', 'STORE', 'd']), null); // numeric: ties broken by the element
  assert.equal(sortStoreWithTies(['SORT', 'l', 'ALPHA', 'STORE', 'd']), null); // the elements themselves
  assert.equal(sortStoreWithTies(['SORT', 'l', 'BY', 'nosort', 'ALPHA', 'STORE', 'd']), null); // not sorted
  assert.equal(sortStoreWithTies(['SORT', 'l', 'BY', 'w_*', 'ALPHA']), null); // nothing stored
});
