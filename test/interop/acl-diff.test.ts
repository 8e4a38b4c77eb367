/**
 * ACL against redis-server 7.0.15, byte for byte: ACL SETUSER with every rule
 * and its errors, GETUSER (with selectors), LIST, USERS, DRYRUN, DELUSER,
 * CAT, GENPASS/LOG argument errors, AUTH and HELLO AUTH, and the NOPERM
 * replies of the gate, inside MULTI/EXEC and from scripts.
 *
 * Redis 7.0 prints the single-command part of a rule string (after the
 * categories) in the order of a hash table seeded at random on every start,
 * and ACL CAT <category> likewise: those runs of `+cmd -cmd` tokens and the
 * ACL CAT lists are compared as sorted sets; everything else byte for byte.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { redisAvailable, SKIP_NO_REDIS, type ChildServer } from '../helpers/servers';
import { startDiffServers } from '../helpers/compare';
import { TestClient } from '../helpers/resp';
import type { TredisServer } from '../../src/index';

const HAVE_REDIS = redisAvailable();
let tredis: TredisServer;
let redis: ChildServer;

before(async () => {
  if (!HAVE_REDIS) return;
  ({ tredis, redis } = await startDiffServers({}));
});

after(async () => {
  await tredis?.close();
  await redis?.stop();
});

/** Sort each run of single-command rules (`+get -set +config|get`): Redis emits them in a random order. */
export function normalizeRules(raw: string): string {
  return raw
    .replace(/[+-][^@\s()][^\s()]*(?: [+-][^@\s()][^\s()]*)*/g, (run) => run.split(' ').sort().join(' '))
    .replace(/\r\nid\r\n:\d+\r\n/, '\r\nid\r\n:<client id>\r\n');
}

/** Send argv to both; the (normalized) replies must be equal. Returns Redis's reply. */
async function both(a: TestClient, b: TestClient, argv: string[]): Promise<string> {
  const ra = await a.callRaw(...argv);
  const rb = await b.callRaw(...argv);
  assert.equal(normalizeRules(rb), normalizeRules(ra), JSON.stringify(argv));
  return ra;
}

async function clients(): Promise<[TestClient, TestClient]> {
  return [await TestClient.connect(redis.port), await TestClient.connect(tredis.port)];
}

const SETUP_RULES: string[][] = [
  ['ACL', 'SETUSER', 'u1', 'on', '>p1', '+get', '+set', '~a*', '%R~b*', '%W~c*', '&ch', '(+ping ~x)'],
  ['ACL', 'SETUSER', 'u2', '+@all', '-get', '-set'],
  ['ACL', 'SETUSER', 'u3', '-@all', '+@read', '-@dangerous', '+config|get', '+select|0', '+select|1'],
  ['ACL', 'SETUSER', 'u4', '+@all', '-@admin'],
  ['ACL', 'SETUSER', 'u5', 'reset', '+@string', '+@hash', '-hset', '~*', '&*', 'on', '>pw', 'nopass', 'resetpass', '>a', '>b', '<a'],
  ['ACL', 'SETUSER', 'u6', '(~a', '+get)', '(%W~b', '+set', '%R~c)', '#' + 'a'.repeat(64)],
  ['ACL', 'SETUSER', 'u7', 'allkeys', 'allchannels', 'allcommands', 'resetkeys', '~k1', '%RW~k2', '%wr~k3', '~k1', 'resetchannels', '&c1', '&c2', '&c1', 'nocommands', '+@set', '-sadd'],
  ['ACL', 'SETUSER', 'u8', 'skip-sanitize-payload', 'on', 'nopass', '+@all', '-@keyspace', '-@write'],
  ['ACL', 'SETUSER', 'u9', '-@all', '+@keyspace', '+@read', '+@fast', '-flushdb'],
  ['ACL', 'SETUSER', 'u10', '+@all', '-@dangerous', '+flushdb', 'sanitize-payload'],
  ['ACL', 'SETUSER', 'u11', '-@all', '+@pubsub', '+@connection', '+@transaction', '+@scripting'],
  ['ACL', 'SETUSER', 'u12', '-@all', '+@admin', '+client', '-client|kill'],
  ['ACL', 'SETUSER', 'u13', '+@all', '-@slow', '+@blocking'],
  ['ACL', 'SETUSER', 'u14', '-@all', '+@geo', '+@stream', '+@bitmap', '+@hyperloglog', '+@list', '+@set', '+@sortedset'],
  ['ACL', 'SETUSER', 'u15', '-@all', '+cluster|info', '+module', '+migrate', '-module|load'],
  ['ACL', 'SETUSER', 'u16', '+@all', '(', '~x', ')', '( -@all +get ~y )'],
  ['ACL', 'SETUSER', 'u16', 'clearselectors', '()'],
  ['ACL', 'SETUSER', 'u17', 'on', 'nopass', '-@all', '+acl|whoami', '+@connection'],
];

test('ACL SETUSER rules, GETUSER, LIST and USERS give the same replies', { skip: !HAVE_REDIS && SKIP_NO_REDIS }, async () => {
  const [a, b] = await clients();
  try {
    for (const argv of SETUP_RULES) {
      await both(a, b, argv);
      await both(a, b, ['ACL', 'GETUSER', argv[2]]);
    }
    await both(a, b, ['ACL', 'LIST']);
    await both(a, b, ['ACL', 'USERS']);
    await both(a, b, ['ACL', 'GETUSER', 'nosuch']);
    // RESP3 maps and sets
    await both(a, b, ['HELLO', '3']);
    await both(a, b, ['ACL', 'GETUSER', 'u6']);
    await both(a, b, ['ACL', 'GETUSER', 'default']);
    await both(a, b, ['HELLO', '2']);
    await both(a, b, ['ACL', 'DELUSER', 'default']);
    await both(a, b, ['ACL', 'DELUSER', 'u15', 'u16', 'nosuch']);
    await both(a, b, ['ACL', 'USERS']);
    await both(a, b, ['ACL', 'SETUSER', 'u1', 'reset']);
    await both(a, b, ['ACL', 'LIST']);
  } finally {
    a.close();
    b.close();
  }
});

test('ACL SETUSER errors leave the user unchanged', { skip: !HAVE_REDIS && SKIP_NO_REDIS }, async () => {
  const [a, b] = await clients();
  const bad: string[][] = [
    ['+nosuch'],
    ['~*', '~a'],
    ['allkeys', '~a'],
    ['&*', '&a'],
    ['#abc'],
    ['#' + 'A'.repeat(64)],
    ['!' + '0'.repeat(64)],
    ['<nope'],
    ['+config|get|x'],
    ['+get|'],
    ['+config|nosuch'],
    ['-config|nosuch'],
    ['-select|0'],
    ['+@nosuch'],
    ['-@nosuch'],
    ['%X~a'],
    ['%R'],
    ['~a b'],
    ['&a b'],
    ['foo'],
    ['(~a', '+get'],
    ['(+nosuch)'],
    ['( ~a ( )'],
    ['on', '>x', '+nosuch', 'off'],
  ];
  try {
    await both(a, b, ['ACL', 'SETUSER', 'e1', 'on', '+get', '~k']);
    for (const rules of bad) {
      await both(a, b, ['ACL', 'SETUSER', 'e1', ...rules]);
      await both(a, b, ['ACL', 'GETUSER', 'e1']);
    }
    await both(a, b, ['ACL', 'SETUSER', 'e2', '+nosuch']);
    await both(a, b, ['ACL', 'GETUSER', 'e2']);
    await both(a, b, ['ACL', 'SETUSER', 'a b']);
    await both(a, b, ['ACL', 'SETUSER', 'a\0b']);
    await both(a, b, ['ACL', 'SETUSER']);
    await both(a, b, ['ACL', 'GETUSER']);
    await both(a, b, ['ACL', 'DELUSER']);
    await both(a, b, ['ACL', 'NOSUCH']);
    await both(a, b, ['ACL']);
    await both(a, b, ['ACL', 'USERS', 'x']);
    await both(a, b, ['ACL', 'CAT', 'a', 'b']);
    await both(a, b, ['ACL', 'CAT', 'nosuch']);
    await both(a, b, ['ACL', 'CAT']);
    await both(a, b, ['ACL', 'GENPASS', '0']);
    await both(a, b, ['ACL', 'GENPASS', '4097']);
    await both(a, b, ['ACL', 'GENPASS', 'abc']);
    await both(a, b, ['ACL', 'GENPASS', '1', '2']);
    await both(a, b, ['ACL', 'LOG', 'abc']);
    await both(a, b, ['ACL', 'LOG', '1', '2']);
    await both(a, b, ['ACL', 'LOG', 'RESET']);
    await both(a, b, ['ACL', 'LOG', '-1']);
    await both(a, b, ['ACL', 'LOAD']);
    await both(a, b, ['ACL', 'SAVE']);
    await both(a, b, ['ACL', 'HELP']);
    await both(a, b, ['ACL', 'WHOAMI']);
    await both(a, b, ['ACL', 'WHOAMI', 'x']);
    for (const bits of ['1', '4', '5', '256', '4096']) {
      const ra = await a.callRaw('ACL', 'GENPASS', bits);
      const rb = await b.callRaw('ACL', 'GENPASS', bits);
      assert.equal(rb.length, ra.length, bits);
      assert.match(rb, /^\$\d+\r\n[0-9a-f]+\r\n$/);
    }
  } finally {
    a.close();
    b.close();
  }
});

test('ACL CAT lists the same commands for every category', { skip: !HAVE_REDIS && SKIP_NO_REDIS }, async () => {
  const [a, b] = await clients();
  try {
    const cats = (await a.call('ACL', 'CAT')) as string[];
    assert.equal(cats.length, 21);
    // client|no-touch and client|setinfo are tredis extras (Redis 7.2 subcommands) that 7.0.15 does not have
    const extras = new Set(['client|no-touch', 'client|setinfo']);
    for (const cat of cats) {
      const ra = ((await a.call('ACL', 'CAT', cat)) as string[]).slice().sort();
      const rb = ((await b.call('ACL', 'CAT', cat.toUpperCase())) as string[]).filter((x) => !extras.has(x)).sort();
      assert.deepEqual(rb, ra, cat);
    }
  } finally {
    a.close();
    b.close();
  }
});

test('ACL DRYRUN answers as redis-server', { skip: !HAVE_REDIS && SKIP_NO_REDIS }, async () => {
  const [a, b] = await clients();
  try {
    const setup = [
      ['ACL', 'SETUSER', 'd1', 'on', '+get', '+set', '+hset', '+publish', '+subscribe', '+psubscribe', '+lmove', '+eval', '+select|0', '~a*', '%R~b*', '%W~c*', '&ch*', '(+ping +mget ~x*)'],
      ['ACL', 'SETUSER', 'd2', 'on', '+@all', '-@dangerous', 'allkeys', 'allchannels'],
    ];
    for (const argv of setup) await both(a, b, argv);
    const cases: string[][] = [
      ['get', 'a1'],
      ['get', 'b1'],
      ['get', 'c1'],
      ['set', 'b1', 'x'],
      ['set', 'c1', 'x'],
      ['set', 'a1', 'x', 'GET'],
      ['set', 'c1', 'x', 'GET'],
      ['hset', 'a1', 'f', 'v'],
      ['lmove', 'b1', 'c1', 'left', 'right'],
      ['lmove', 'c1', 'b1', 'left', 'right'],
      ['publish', 'ch1', 'x'],
      ['publish', 'other', 'x'],
      ['subscribe', 'ch1', 'ch2', 'zz'],
      ['psubscribe', 'ch*'],
      ['psubscribe', 'ch1'],
      ['mget', 'x1', 'x2'],
      ['mget', 'x1', 'a1'],
      ['mget', 'a1'],
      ['ping'],
      ['select', '0'],
      ['select', '1'],
      ['eval', 'return 1', '1', 'a1'],
      ['eval', 'return 1', '1', 'zz'],
      ['config', 'get', 'x'],
      ['config'],
      ['get'],
      ['nosuch', 'a'],
      ['config', 'nosuch'],
      ['auth', 'x'],
    ];
    for (const c of cases) {
      await both(a, b, ['ACL', 'DRYRUN', 'd1', ...c]);
      await both(a, b, ['ACL', 'DRYRUN', 'd2', ...c]);
    }
    await both(a, b, ['ACL', 'DRYRUN', 'nosuch', 'get', 'a']);
    await both(a, b, ['ACL', 'DRYRUN', 'd2', 'flushall']);
  } finally {
    a.close();
    b.close();
  }
});

test('AUTH, HELLO AUTH and the NOPERM replies of the gate, MULTI/EXEC and scripts', { skip: !HAVE_REDIS && SKIP_NO_REDIS }, async () => {
  const [ra, rb] = await clients();
  const [a, b] = await clients();
  try {
    const setup = [
      ['ACL', 'SETUSER', 'n1', 'on', '>secret', '+@all', '-flushall', '-debug', '~k*', '%R~r*', '&ch', '-client|kill'],
      ['ACL', 'SETUSER', 'n2', 'off', '>pw', '+@all', '~*'],
      ['ACL', 'SETUSER', 'n3', 'on', 'nopass', '+get', '+auth', '+multi', '+exec', '~*'],
    ];
    for (const argv of setup) await both(ra, rb, argv);
    const seq: string[][] = [
      ['AUTH', 'n1', 'wrong'],
      ['AUTH', 'n2', 'pw'],
      ['AUTH', 'nosuch', 'x'],
      ['AUTH', 'x'],
      ['AUTH', 'a', 'b', 'c'],
      ['HELLO', '2', 'AUTH', 'n1', 'wrong'],
      ['HELLO', '2', 'AUTH', 'n1', 'secret', 'SETNAME', 'x'],
      ['ACL', 'WHOAMI'],
      ['SET', 'k1', 'v'],
      ['SET', 'r1', 'v'],
      ['GET', 'r1'],
      ['SET', 'z1', 'v'],
      ['MGET', 'k1', 'r1', 'z1'],
      ['COPY', 'k1', 'r2'],
      ['FLUSHALL'],
      ['CLIENT', 'KILL', 'ID', '999999'],
      ['PUBLISH', 'ch', 'x'],
      ['PUBLISH', 'other', 'x'],
      ['MULTI'],
      ['SET', 'k2', 'v'],
      ['SET', 'z2', 'v'],
      ['FLUSHALL'],
      ['EXEC'],
      ['MULTI'],
      ['SET', 'k3', 'v'],
      ['GET', 'r1'],
      ['EXEC'],
      ['EVAL', "return redis.call('set', KEYS[1], 'v')", '1', 'k4'],
      ['EVAL', "return redis.call('set', KEYS[1], 'v')", '1', 'z4'],
      ['EVAL', "return redis.call('flushall')", '0'],
      ['EVAL', "return redis.pcall('flushall')", '0'],
      ['EVAL', "return redis.call('publish', 'other', 'x')", '0'],
      ['EVAL', "return redis.acl_check_cmd('set', 'z1', 'v')", '0'],
      ['EVAL', "return redis.acl_check_cmd('set', 'k1', 'v')", '0'],
      ['EVAL', "return redis.acl_check_cmd('flushall')", '0'],
      ['EVAL', "return redis.acl_check_cmd('nosuch')", '0'],
      ['ACL', 'LOG', 'RESET'],
      ['AUTH', 'n3', 'anything'],
      ['ACL', 'WHOAMI'],
      ['SET', 'k5', 'v'],
      ['MULTI'],
      ['GET', 'k1'],
      ['SET', 'k1', 'x'],
      ['EXEC'],
    ];
    for (const argv of seq) await both(a, b, argv);
    // rules changed between queueing and EXEC
    await both(a, b, ['MULTI']);
    await both(a, b, ['SET', 'k6', 'v']);
    await both(a, b, ['GET', 'k6']);
    await both(ra, rb, ['ACL', 'SETUSER', 'n3', '-set']);
    await both(a, b, ['EXEC']);
    await both(ra, rb, ['ACL', 'SETUSER', 'n3', 'resetkeys', '~q*', '+set']);
    await both(a, b, ['MULTI']);
    await both(a, b, ['SET', 'q1', 'v']);
    await both(ra, rb, ['ACL', 'SETUSER', 'n3', 'resetkeys']);
    await both(a, b, ['EXEC']);
    // a user set off keeps its connections (Redis 7.0 disconnects only on DELUSER); AUTH as it fails
    await both(ra, rb, ['ACL', 'SETUSER', 'n3', 'off', '~*']);
    await both(a, b, ['GET', 'k1']);
    await both(a, b, ['AUTH', 'n3', 'x']);
    await both(a, b, ['AUTH', 'default', 'x']);
    // the log: same entries (client-info and ages differ by nature)
    const la = (await ra.call('ACL', 'LOG')) as unknown[][];
    const lb = (await rb.call('ACL', 'LOG')) as unknown[][];
    const strip = (entries: unknown[][]) => entries.map((e) => e.slice(0, 10));
    assert.deepEqual(strip(lb), strip(la));
    assert.equal(lb.length, la.length);
  } finally {
    for (const c of [a, b, ra, rb]) c.close();
  }
});

test('requirepass is the default user password, ACL SETUSER default changes AUTH', { skip: !HAVE_REDIS && SKIP_NO_REDIS }, async () => {
  const [a, b] = await clients();
  try {
    await both(a, b, ['CONFIG', 'SET', 'requirepass', 'pw1']);
    await both(a, b, ['ACL', 'GETUSER', 'default']);
    await both(a, b, ['ACL', 'LIST']);
    const [x, y] = await clients();
    try {
      await both(x, y, ['GET', 'a']);
      await both(x, y, ['AUTH', 'pw2']);
      await both(x, y, ['AUTH', 'pw1']);
      await both(x, y, ['ACL', 'SETUSER', 'default', '>pw2']);
      await both(x, y, ['AUTH', 'pw2']);
      await both(x, y, ['AUTH', 'default', 'pw1']);
      await both(x, y, ['CONFIG', 'GET', 'requirepass']);
      await both(x, y, ['CONFIG', 'SET', 'requirepass', '']);
      await both(x, y, ['ACL', 'GETUSER', 'default']);
      await both(x, y, ['AUTH', 'x']);
    } finally {
      x.close();
      y.close();
    }
  } finally {
    a.close();
    b.close();
  }
});
