/**
 * Error texts that echo a name with a NUL byte, byte for byte against
 * redis-server 7.0: Redis formats such names with `%s`, which stops at the
 * NUL, so a group `\x00\xff` prints as `''` (the random-command fuzzer found
 * XCLAIM, XPENDING, XGROUP CREATECONSUMER and ACL CAT; the rest are the other
 * `%s` error texts of Redis's source that echo a client's argument).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { redisAvailable, SKIP_NO_REDIS } from '../helpers/servers';
import { startPair, stopPair, sameBytesOn, type ServerPair } from '../helpers/compare';

const HAVE_REDIS = redisAvailable();
let p: ServerPair;

before(async () => {
  if (!HAVE_REDIS) return;
  p = await startPair({ 'enable-debug-command': 'yes' });
});

after(async () => {
  if (p) await stopPair(p);
});

const N = '\x00\xff';

const SETUP: string[][] = [
  ['XADD', 's', '1-1', 'f', 'v'],
  ['XGROUP', 'CREATE', 's', 'g', '0'],
  ['PFADD', 'h', 'a'],
];

const CASES: string[][] = [
  // streams
  ['XCLAIM', 's', N, 'c', '0', '1-1'],
  ['XCLAIM', `s${N}`, 'g', 'c', '0', '1-1'],
  ['XCLAIM', 's', 'g', 'c', '0', '1-1', `FOO${N}BAR`],
  ['XPENDING', 's', N],
  ['XPENDING', `x${N}y`, `g${N}`, '-', '+', '10'],
  ['XAUTOCLAIM', 's', `g${N}`, 'c', '0', '0'],
  ['XGROUP', 'CREATECONSUMER', 's', N, 'c'],
  ['XGROUP', 'DELCONSUMER', 's', `g${N}x`, 'c'],
  ['XGROUP', 'SETID', 's', N, '$'],
  ['XINFO', 'CONSUMERS', 's', N],
  ['XREADGROUP', 'GROUP', `g${N}`, 'c', 'STREAMS', `k${N}`, '>'],
  // ACL
  ['ACL', 'CAT', N],
  ['ACL', 'CAT', `cat${N}egory`],
  ['ACL', 'DRYRUN', `u${N}`, 'get', 'k'],
  ['ACL', 'DRYRUN', 'default', `get${N}`, 'k'],
  ['ACL', 'SETUSER', 'nuluser', `on${N}x`],
  // the gate and subcommand containers
  [`foo${N}bar`, `a${N}b`, 'c'],
  ['OBJECT', `enc${N}x`, 'k'],
  ['PUBSUB', `x${N}`],
  ['CONFIG', 'SET', `maxmemory${N}`, '1'],
  // options echoed back
  ['CLIENT', 'LIST', 'TYPE', `x${N}normal`],
  ['CLIENT', 'KILL', 'TYPE', `master${N}x`],
  ['CLIENT', 'KILL', 'TYPE', `x${N}y`],
  ['CLIENT', 'KILL', 'USER', `u${N}`],
  ['HELLO', '2', `FOO${N}`],
  ['LATENCY', 'GRAPH', `ev${N}x`],
  ['PFDEBUG', `x${N}`, 'h'],
  ['EXPIRE', 'h', '100', `xx${N}yy`],
  ['EXPIRE', 'h', '100', `q${N}`],
  ['FUNCTION', 'LIST', `x${N}`],
  ['FUNCTION', 'RESTORE', 'x', `y${N}`],
  ['REPLCONF', `opt${N}`, 'v'],
];

test('error texts print a name only up to its first NUL byte, as Redis\'s %s', { skip: !HAVE_REDIS && SKIP_NO_REDIS }, async () => {
  for (const argv of SETUP) {
    await p.c.call(...argv);
    await p.r!.call(...argv);
  }
  await sameBytesOn(p.redis!.port, p.srv.port, CASES);
  // the texts really are cut (and the comparison bites): two spot checks
  assert.equal(await p.c.callRaw('XPENDING', 's', N), "-NOGROUP No such key 's' or consumer group ''\r\n");
  assert.equal(await p.c.callRaw('ACL', 'CAT', N), "-ERR Unknown category ''\r\n");
});

test('SCAN cursors are read as C strings: they end at a NUL byte (the fuzzer found ZSCAN k "\\x00\\xff")', { skip: !HAVE_REDIS && SKIP_NO_REDIS }, async () => {
  const setup = [['HSET', 'sc:h', 'f', 'v'], ['SADD', 'sc:s', '1', '2'], ['ZADD', 'sc:z', '1', 'a', '2', 'b']];
  for (const argv of setup) {
    await p.c.call(...argv);
    await p.r!.call(...argv);
  }
  const cursors = ['', N, `${N}1`, `3${N}ab`, `-1${N}x`, '+', '-', `+${N}`, `-${N}`, ' 1', `x${N}`, '18446744073709551616'];
  const cases: string[][] = [];
  for (const cur of cursors) {
    // small hashes, zsets (listpack) and sets (intset) are scanned whole whatever the cursor
    cases.push(['HSCAN', 'sc:h', cur], ['SSCAN', 'sc:s', cur], ['ZSCAN', 'sc:z', cur]);
    // SCAN's next cursor depends on the hash table: only the cursor-0 and error cases are compared
    if (cur === '' || cur.startsWith(N) || !/^[0-9-]/.test(cur)) cases.push(['SCAN', cur, 'MATCH', 'no-such-*', 'COUNT', '1000']);
  }
  await sameBytesOn(p.redis!.port, p.srv.port, cases);
  assert.equal(await p.c.callRaw('ZSCAN', 'sc:z', N, 'COUNT', '1'), '*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n');
});
