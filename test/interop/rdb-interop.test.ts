/**
 * RDB / DUMP / DEBUG DIGEST interop with Debian's redis-server 7.0.
 *
 * - Redis -> tredis: fill a real redis-server with every encoding, SAVE, read
 *   dump.rdb with RdbReader, compare values, DEBUG DIGEST and DIGEST-VALUE.
 * - tredis -> Redis: write an RDB with RdbWriter, start redis-server on it,
 *   compare DEBUG DIGEST and OBJECT ENCODING, run redis-check-rdb.
 * - DUMP/RESTORE both ways, old encodings (ziplist, zipmap, intset) loaded by both.
 *
 * Skipped when redis-server is not installed, unless CI=true (then it fails).
 */
import { lcg as rng } from '../helpers/prng';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Crc64,
  RdbError,
  RdbWriter,
  decodeDumpPayload,
  encodeDumpPayload,
  parseRdbBuffer,
  rdbToBuffer,
  readRdbFile,
  datasetFromRecords,
  type PlainValue,
  type RdbKeyRecord,
} from '../../src/persistence/rdb/index';
import { digestDataset, digestValue } from '../../src/keyspace/digest';

const REDIS_SERVER = '/usr/bin/redis-server';
const CHECK_RDB = '/usr/bin/redis-check-rdb';
const haveRedis = existsSync(REDIS_SERVER);
const skipReason = haveRedis ? false : 'redis-server not installed';
if (!haveRedis && process.env.CI === 'true') {
  test('redis-server must be installed in CI', () => assert.fail(`${REDIS_SERVER} missing`));
}

// ------------------------------------------------------------------ helpers

type Reply = string | number | null | Reply[] | Error;

/** Minimal RESP2 client (binary safe via latin1), pipelining friendly. */
class Resp {
  private buf: Buffer = Buffer.alloc(0);
  private waiters: Array<(r: Reply) => void> = [];
  private constructor(private readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      for (;;) {
        const r = this.parse(0);
        if (!r) break;
        this.buf = this.buf.subarray(r[1]);
        const w = this.waiters.shift();
        if (w) w(r[0]);
      }
    });
  }
  static open(port: number): Promise<Resp> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new Resp(s)));
      s.once('error', reject);
    });
  }
  private parse(p: number): [Reply, number] | null {
    const b = this.buf;
    const nl = b.indexOf('\r\n', p, 'latin1');
    if (nl < 0) return null;
    const line = b.toString('latin1', p + 1, nl);
    switch (b[p]) {
      case 43: return [line, nl + 2];
      case 45: return [new Error(line), nl + 2];
      case 58: return [Number(line), nl + 2];
      case 36: {
        const n = Number(line);
        if (n < 0) return [null, nl + 2];
        if (nl + 2 + n + 2 > b.length) return null;
        return [b.toString('latin1', nl + 2, nl + 2 + n), nl + 4 + n];
      }
      case 42: {
        const n = Number(line);
        if (n < 0) return [null, nl + 2];
        const arr: Reply[] = [];
        let q = nl + 2;
        for (let i = 0; i < n; i++) {
          const r = this.parse(q);
          if (!r) return null;
          arr.push(r[0]);
          q = r[1];
        }
        return [arr, q];
      }
      default: throw new Error(`bad reply byte ${b[p]}`);
    }
  }
  private encode(args: Array<string | number>): Buffer {
    const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
    for (const a of args) {
      const s = Buffer.from(String(a), 'latin1');
      parts.push(Buffer.from(`$${s.length}\r\n`), s, Buffer.from('\r\n'));
    }
    return Buffer.concat(parts);
  }
  /** Send one command, resolve with its reply (errors are returned, not thrown). */
  call(...args: Array<string | number>): Promise<Reply> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.sock.write(this.encode(args));
    });
  }
  /** Send one command; throw on error replies. */
  async ok(...args: Array<string | number>): Promise<Reply> {
    const r = await this.call(...args);
    if (r instanceof Error) throw new Error(`${args.join(' ').slice(0, 80)} -> ${r.message}`);
    return r;
  }
  /** Pipeline many commands; throw on the first error reply. */
  async pipeline(cmds: Array<Array<string | number>>): Promise<Reply[]> {
    const ps = cmds.map((c) => this.call(...c));
    const rs = await Promise.all(ps);
    rs.forEach((r, i) => {
      if (r instanceof Error) throw new Error(`${cmds[i].join(' ').slice(0, 80)} -> ${r.message}`);
    });
    return rs;
  }
  close(): void {
    this.sock.destroy();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

interface RedisProc {
  proc: ChildProcess;
  port: number;
  dir: string;
  client: Resp;
  log: () => string;
}

const procs: ChildProcess[] = [];

async function startRedis(dir: string, dbfilename = 'dump.rdb', extra: string[] = []): Promise<RedisProc> {
  const port = await freePort();
  const proc = spawn(
    REDIS_SERVER,
    [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', dbfilename,
      '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--enable-debug-command', 'yes',
      '--logfile', '', ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  procs.push(proc);
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 10000;
  while (!out.includes('Ready to accept connections')) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited: ${out}`);
    if (Date.now() > deadline) throw new Error(`redis-server did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const client = await Resp.open(port);
  return { proc, port, dir, client, log: () => out };
}

async function stopRedis(r: RedisProc | undefined): Promise<void> {
  if (!r) return;
  r.client.close();
  if (r.proc.exitCode === null) {
    const done = new Promise((res) => r.proc.once('exit', res));
    r.proc.kill('SIGKILL');
    await done;
  }
}

function killAll(): void {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
}
process.on('exit', killAll);

function randBytes(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(r() * 256));
  return s;
}

function canonZset(z: Array<[string, number]>): Array<[string, number]> {
  return [...z].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Values in comparable form (sets and hashes sorted). */
function norm(v: PlainValue): unknown {
  switch (v.type) {
    case 'string': return ['string', v.value];
    case 'list': return ['list', [...v.value]];
    case 'set': return ['set', [...v.value].sort()];
    case 'hash': return ['hash', [...v.value].sort((a, b) => (a[0] < b[0] ? -1 : 1))];
    case 'zset': return ['zset', canonZset(v.value)];
    case 'stream': return ['stream', v.value.length];
  }
}

/** The commands that create a value in Redis. */
function createCmds(key: string, v: PlainValue): Array<Array<string | number>> {
  switch (v.type) {
    case 'string': return [['SET', key, typeof v.value === 'string' ? v.value : v.value.toString('latin1')]];
    case 'list': {
      const out: Array<Array<string | number>> = [];
      const items = [...v.value];
      for (let i = 0; i < items.length; i += 500) out.push(['RPUSH', key, ...items.slice(i, i + 500)]);
      return out;
    }
    case 'set': {
      const m = [...v.value];
      const out: Array<Array<string | number>> = [];
      for (let i = 0; i < m.length; i += 500) out.push(['SADD', key, ...m.slice(i, i + 500)]);
      return out;
    }
    case 'hash': {
      const flat: string[] = [];
      for (const [f, x] of v.value) flat.push(f, x);
      const out: Array<Array<string | number>> = [];
      for (let i = 0; i < flat.length; i += 1000) out.push(['HSET', key, ...flat.slice(i, i + 1000)]);
      return out;
    }
    case 'zset': {
      const flat: string[] = [];
      for (const [m, s] of v.value) flat.push(s === Infinity ? '+inf' : s === -Infinity ? '-inf' : String(s), m);
      const out: Array<Array<string | number>> = [];
      for (let i = 0; i < flat.length; i += 1000) out.push(['ZADD', key, ...flat.slice(i, i + 1000)]);
      return out;
    }
    case 'stream':
      return [];
  }
}

interface Spec {
  db: number;
  key: string;
  value: PlainValue;
  expireAt: number;
  /** OBJECT ENCODING Redis should report */
  enc: string;
}

/** A dataset that exercises every encoding Redis 7.0 writes. */
function buildSpecs(): Spec[] {
  const r = rng(42);
  const far = Date.now() + 10 * 24 * 3600 * 1000;
  const specs: Spec[] = [];
  const add = (db: number, key: string, value: PlainValue, enc: string, expireAt = -1): void => {
    specs.push({ db, key, value, expireAt, enc });
  };
  const str = (s: string): PlainValue => ({ type: 'string', value: s });
  add(0, 'str:small', str('hello'), 'embstr');
  add(0, 'str:empty', str(''), 'embstr');
  add(0, 'str:int8', str('-7'), 'int');
  add(0, 'str:int16', str('1234'), 'int');
  add(0, 'str:int32', str('-2000000000'), 'int');
  add(0, 'str:int64', str('1234567890123456'), 'int');
  add(0, 'str:notint', str('0123'), 'embstr');
  add(0, 'str:compressible', str('abcabcabc'.repeat(200)), 'raw');
  add(0, 'str:random', str(randBytes(r, 300)), 'raw');
  add(0, 'str:21', str('x'.repeat(21)), 'embstr');
  add(0, 'str:big', str('0123456789'.repeat(20000)), 'raw');
  add(0, 'str:bin\x00\xffkey', str('\x00\x01\x02\xff'), 'embstr');
  add(0, 'str:ttl', str('expiring'), 'embstr', far);
  add(0, 'list:small', { type: 'list', value: ['a', 'b', '1', '-300', '100000', 'x'.repeat(70)] }, 'quicklist');
  add(0, 'list:ints', { type: 'list', value: ['0', '127', '-4096', '4095', '32767', '-8388608', '2147483647', '-9223372036854775808', '9223372036854775807', '18446744073709551616'] }, 'quicklist');
  const big: string[] = [];
  for (let i = 0; i < 3000; i++) big.push(i % 3 === 0 ? String(i * 7919) : randBytes(r, 1 + Math.floor(r() * 40)));
  add(0, 'list:big', { type: 'list', value: big }, 'quicklist');
  add(0, 'list:hugeel', { type: 'list', value: ['a', 'y'.repeat(20000), 'b'] }, 'quicklist', far);
  add(0, 'list:compress', { type: 'list', value: Array.from({ length: 400 }, () => 'repeat-me-please') }, 'quicklist');
  add(0, 'set:i16', { type: 'set', value: new Set(['1', '2', '3', '-5', '32767']) }, 'intset');
  add(0, 'set:i32', { type: 'set', value: new Set(['1', '70000', '-2147483648']) }, 'intset');
  add(0, 'set:i64', { type: 'set', value: new Set(['1', String(2 ** 40), '-4611686018427387904', '9223372036854775807']) }, 'intset');
  add(0, 'set:str', { type: 'set', value: new Set(['a', 'b', 'c', '007']) }, 'hashtable');
  add(0, 'set:bigints', { type: 'set', value: new Set(Array.from({ length: 600 }, (_, i) => String(i * 3))) }, 'hashtable');
  add(0, 'set:bigstr', { type: 'set', value: new Set(Array.from({ length: 1000 }, (_, i) => `m${i}:${randBytes(r, 5)}`)) }, 'hashtable', far);
  add(0, 'hash:small', { type: 'hash', value: new Map([['f1', 'v1'], ['n', '12'], ['neg', '-1'], ['e', '']]) }, 'listpack');
  add(0, 'hash:bigval', { type: 'hash', value: new Map([['f', 'v'.repeat(65)], ['g', 'h']]) }, 'hashtable');
  add(0, 'hash:many', { type: 'hash', value: new Map(Array.from({ length: 600 }, (_, i) => [`field:${i}`, String(i)] as [string, string])) }, 'hashtable');
  add(0, 'hash:512', { type: 'hash', value: new Map(Array.from({ length: 512 }, (_, i) => [`f${i}`, `v${i}`] as [string, string])) }, 'listpack');
  add(0, 'zset:small', { type: 'zset', value: canonZset([['a', 1], ['b', 2.5], ['c', -Infinity], ['d', Infinity], ['e', 0.1], ['f', 1e300], ['g', -0.000001], ['7', 7], ['big', 2 ** 53 + 2]]) }, 'listpack');
  add(0, 'zset:ties', { type: 'zset', value: canonZset([['b', 1], ['a', 1], ['c', 1]]) }, 'listpack');
  add(0, 'zset:big', { type: 'zset', value: canonZset(Array.from({ length: 200 }, (_, i) => [`m${i}`, (i * 37) % 101 / 7] as [string, number])) }, 'skiplist');
  add(0, 'zset:longmember', { type: 'zset', value: canonZset([['m'.repeat(65), 1], ['x', 2]]) }, 'skiplist', far);
  add(1, 'db1:str', str('one'), 'embstr');
  add(1, 'db1:list', { type: 'list', value: ['x'] }, 'quicklist');
  add(5, 'db5:hash', { type: 'hash', value: new Map([['a', '1']]) }, 'listpack', far);
  add(15, 'db15:zset', { type: 'zset', value: [['only', 3]] }, 'listpack');
  return specs;
}

async function fill(c: Resp, specs: Spec[]): Promise<void> {
  const byDb = new Map<number, Spec[]>();
  for (const s of specs) {
    const l = byDb.get(s.db) ?? [];
    l.push(s);
    byDb.set(s.db, l);
  }
  for (const [db, list] of byDb) {
    await c.ok('SELECT', db);
    const cmds: Array<Array<string | number>> = [];
    for (const s of list) {
      cmds.push(...createCmds(s.key, s.value));
      if (s.expireAt >= 0) cmds.push(['PEXPIREAT', s.key, s.expireAt]);
    }
    await c.pipeline(cmds);
  }
  await c.ok('SELECT', 0);
}

async function redisDigestValues(c: Resp, specs: Spec[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const s of specs) {
    await c.ok('SELECT', s.db);
    const r = (await c.ok('DEBUG', 'DIGEST-VALUE', s.key)) as Reply[];
    out.set(`${s.db}/${s.key}`, r[0] as string);
  }
  await c.ok('SELECT', 0);
  return out;
}

// ------------------------------------------------------------------ tests

describe('RDB interop with redis-server 7.0', { skip: skipReason }, () => {
  const dirs: string[] = [];
  const mkdir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'tredis-rdb-'));
    dirs.push(d);
    return d;
  };
  let src: RedisProc | undefined;
  const specs = buildSpecs();

  before(async () => {
    // deep-sanitize RESTORE payloads so our listpacks/intsets get Redis's full validation
    src = await startRedis(mkdir(), 'dump.rdb', ['--sanitize-dump-payload', 'yes']);
    await fill(src.client, specs);
  });

  after(async () => {
    await stopRedis(src);
    killAll();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('redis uses the expected encodings for the fixture', async () => {
    const c = (src as RedisProc).client;
    for (const s of specs) {
      await c.ok('SELECT', s.db);
      assert.equal(await c.ok('OBJECT', 'ENCODING', s.key), s.enc, s.key);
    }
    await c.ok('SELECT', 0);
  });

  test('Redis SAVE -> RdbReader: values, expiries, dbs, aux fields and digests match', async () => {
    const r = src as RedisProc;
    await r.client.ok('SAVE');
    const keys: RdbKeyRecord[] = [];
    const aux = new Map<string, string>();
    const dbsSeen: number[] = [];
    const summary = await readRdbFile(join(r.dir, 'dump.rdb'), {
      onAux: (k, v) => void aux.set(k, v),
      onSelectDb: (db) => void dbsSeen.push(db),
      onKey: (db, key, value, expireAt) => void keys.push({ db, key, value, expireAt }),
    }, { highWaterMark: 997 }); // odd chunk size: exercise the streaming paths
    assert.equal(summary.version, 10);
    assert.equal(summary.checksum, 'verified');
    assert.equal(aux.get('redis-ver'), '7.0.15');
    assert.equal(aux.get('redis-bits'), '64');
    assert.deepEqual(dbsSeen, [0, 1, 5, 15]);
    assert.equal(keys.length, specs.length);
    const got = new Map(keys.map((k) => [`${k.db}/${k.key}`, k]));
    for (const s of specs) {
      const k = got.get(`${s.db}/${s.key}`);
      assert.ok(k, `missing ${s.key}`);
      assert.deepEqual(norm(k.value), norm(s.value), s.key);
      assert.equal(k.expireAt, s.expireAt, s.key);
    }
    // DEBUG DIGEST and DIGEST-VALUE
    const mine = digestDataset((cb) => keys.forEach((k) => cb(k.db, k.key, k.value, k.expireAt)));
    assert.equal(mine, await r.client.ok('DEBUG', 'DIGEST'));
    const theirs = await redisDigestValues(r.client, specs);
    for (const k of keys) assert.equal(digestValue(k.value, k.expireAt), theirs.get(`${k.db}/${k.key}`), k.key);
  });

  test('RdbWriter -> redis-server loads it: same DEBUG DIGEST, encodings, redis-check-rdb passes', async () => {
    const dir = mkdir();
    const records = specs.map((s) => ({ db: s.db, key: s.key, value: s.value, expireAt: s.expireAt }));
    const rdb = rdbToBuffer(datasetFromRecords(records, { repl: { streamDb: 0, id: 'a'.repeat(40), offset: 12345 } }));
    writeFileSync(join(dir, 'mine.rdb'), rdb);
    const chk = spawnSync(CHECK_RDB, [join(dir, 'mine.rdb')], { encoding: 'utf8' });
    assert.equal(chk.status, 0, chk.stdout + chk.stderr);
    assert.match(chk.stdout, /RDB looks OK!/);
    const dst = await startRedis(dir, 'mine.rdb');
    try {
      const mine = digestDataset((cb) => records.forEach((k) => cb(k.db, k.key, k.value, k.expireAt)));
      assert.equal(await dst.client.ok('DEBUG', 'DIGEST'), mine);
      for (const s of specs) {
        await dst.client.ok('SELECT', s.db);
        assert.equal(await dst.client.ok('OBJECT', 'ENCODING', s.key), s.enc, s.key);
      }
      assert.match(dst.log(), /Loading RDB produced by version 7\.0\.15/);
      // and Redis's own save of it reads back identically
      await dst.client.ok('SAVE');
      const back = parseRdbBuffer(readFileSync(join(dir, 'mine.rdb')));
      assert.equal(digestDataset((cb) => back.keys.forEach((k) => cb(k.db, k.key, k.value, k.expireAt))), mine);
    } finally {
      await stopRedis(dst);
    }
  });

  test('writer options: no compression, no checksum', async () => {
    const dir = mkdir();
    const records = specs.map((s) => ({ db: s.db, key: s.key, value: s.value, expireAt: s.expireAt }));
    const rdb = rdbToBuffer(datasetFromRecords(records), { compression: false, checksum: false });
    assert.deepEqual(rdb.subarray(rdb.length - 8), Buffer.alloc(8));
    writeFileSync(join(dir, 'plain.rdb'), rdb);
    const dst = await startRedis(dir, 'plain.rdb');
    try {
      const mine = digestDataset((cb) => records.forEach((k) => cb(k.db, k.key, k.value, k.expireAt)));
      assert.equal(await dst.client.ok('DEBUG', 'DIGEST'), mine);
    } finally {
      await stopRedis(dst);
    }
    assert.equal(parseRdbBuffer(rdb).summary.checksum, 'disabled');
  });

  test('DUMP from Redis decodes; encodeDumpPayload is byte-identical for compact encodings and RESTOREs', async () => {
    const c = (src as RedisProc).client;
    let identical = 0;
    for (const s of specs) {
      await c.ok('SELECT', s.db);
      const payload = Buffer.from((await c.ok('DUMP', s.key)) as string, 'latin1');
      const v = decodeDumpPayload(payload);
      assert.deepEqual(norm(v), norm(s.value), s.key);
      const mine = encodeDumpPayload(s.value);
      // hashtable-encoded values are written in dict order by Redis: only compact ones can match bytes
      if (['embstr', 'int', 'raw', 'intset', 'listpack', 'quicklist'].includes(s.enc)) {
        if (!mine.equals(payload)) {
          let i = 0;
          while (i < mine.length && mine[i] === payload[i]) i++;
          assert.fail(`DUMP bytes of ${s.key} differ at ${i}: ${mine.length} vs ${payload.length} bytes, ` +
            `mine ${mine.subarray(i, i + 16).toString('hex')} theirs ${payload.subarray(i, i + 16).toString('hex')}`);
        }
        identical++;
      }
      assert.equal(await c.ok('RESTORE', `${s.key}:copy`, 0, mine.toString('latin1')), 'OK', s.key);
      const d = (await c.ok('DEBUG', 'DIGEST-VALUE', `${s.key}:copy`)) as Reply[];
      assert.equal(d[0], digestValue(s.value), s.key);
      assert.equal(await c.ok('OBJECT', 'ENCODING', `${s.key}:copy`), s.enc, s.key);
      await c.ok('DEL', `${s.key}:copy`);
    }
    assert.ok(identical > 20);
    await c.ok('SELECT', 0);
    // Redis refuses a payload with a bad checksum, and so do we
    const good = encodeDumpPayload({ type: 'string', value: 'x' });
    const bad = Buffer.from(good);
    bad[bad.length - 1] ^= 1;
    const r = await c.call('RESTORE', 'badkey', 0, bad.toString('latin1'));
    assert.ok(r instanceof Error && /DUMP payload version or checksum are wrong/.test(r.message));
    assert.throws(() => decodeDumpPayload(bad), (e: unknown) => e instanceof RdbError && e.code === 'DUMP_PAYLOAD');
  });

  test('old encodings (zipmap, ziplists, quicklist v1, text zset scores) load alike in Redis and RdbReader', async () => {
    const dir = mkdir();
    const rdb = buildLegacyRdb();
    writeFileSync(join(dir, 'old.rdb'), rdb);
    const parsed = parseRdbBuffer(rdb);
    assert.equal(parsed.keys.length, 8);
    const byKey = new Map(parsed.keys.map((k) => [k.key, k.value]));
    assert.deepEqual(norm(byKey.get('zipmap') as PlainValue), norm({ type: 'hash', value: new Map([['name', 'foo'], ['n', '123'], ['big'.repeat(100), 'v']]) }));
    assert.deepEqual(byKey.get('zl:list'), { type: 'list', value: LEGACY_LIST });
    assert.deepEqual(byKey.get('ql1'), { type: 'list', value: [...LEGACY_LIST, ...LEGACY_LIST] });
    const dst = await startRedis(dir, 'old.rdb');
    try {
      const mine = digestDataset((cb) => parsed.keys.forEach((k) => cb(k.db, k.key, k.value, k.expireAt)));
      assert.equal(await dst.client.ok('DEBUG', 'DIGEST'), mine);
    } finally {
      await stopRedis(dst);
    }
  });

  test('compressed quicklist nodes (list-compress-depth) and rdbcompression no', async () => {
    const dir = mkdir();
    const r = await startRedis(dir, 'dump.rdb', ['--list-compress-depth', '1', '--rdbcompression', 'no']);
    try {
      const items = Array.from({ length: 5000 }, (_, i) => `element-${i % 50}-padding-padding`);
      await r.client.pipeline(createCmds('biglist', { type: 'list', value: items }));
      await r.client.ok('SAVE');
      const p = parseRdbBuffer(readFileSync(join(dir, 'dump.rdb')));
      assert.deepEqual(p.keys.map((k) => norm(k.value)), [norm({ type: 'list', value: items })]);
      assert.equal(digestDataset((cb) => p.keys.forEach((k) => cb(k.db, k.key, k.value, k.expireAt))), await r.client.ok('DEBUG', 'DIGEST'));
    } finally {
      await stopRedis(r);
    }
  });

  test('streams (read), functions and checksum-less files from Redis', async () => {
    const dir = mkdir();
    const r = await startRedis(dir, 'dump.rdb', ['--rdbchecksum', 'no']);
    try {
      const c = r.client;
      await c.ok('SET', 'a', '1');
      await c.ok('FUNCTION', 'LOAD', "#!lua name=mylib\nredis.register_function('f', function() return 1 end)");
      await c.ok('SAVE');
      const file = join(dir, 'dump.rdb');
      const buf = readFileSync(file);
      assert.deepEqual(buf.subarray(buf.length - 8), Buffer.alloc(8));
      assert.throws(() => parseRdbBuffer(buf, { onKey: () => undefined }), (e: unknown) => e instanceof RdbError && e.code === 'UNSUPPORTED' && /FUNCTION2/.test(e.message));
      const got = parseRdbBuffer(buf);
      assert.deepEqual(got.functions, ["#!lua name=mylib\nredis.register_function('f', function() return 1 end)"]);
      await c.ok('FUNCTION', 'FLUSH');
      await c.ok('XADD', 'mystream', '*', 'f', 'v');
      await c.ok('SAVE');
      const buf2 = readFileSync(file);
      // streams are read (RDB_TYPE_STREAM_LISTPACKS_2), with the digest Redis computes
      const withStream = parseRdbBuffer(buf2);
      const st = withStream.keys.find((k) => k.key === 'mystream');
      assert.equal(st?.value.type, 'stream');
      assert.equal(digestDataset((cb) => withStream.keys.forEach((k) => cb(k.db, k.key, k.value, k.expireAt))), await c.ok('DEBUG', 'DIGEST'));
      await c.ok('DEL', 'mystream');
      await c.ok('SAVE');
      const warnings: string[] = [];
      const p = parseRdbBuffer(readFileSync(file), { onKey: () => undefined, onWarning: (m) => void warnings.push(m) });
      assert.equal(p.summary.checksum, 'disabled');
      assert.match(warnings.join('\n'), /checksum disabled/);
    } finally {
      await stopRedis(r);
    }
  });
});

// ------------------------------------------------------------------ legacy encodings

const LEGACY_LIST = ['hello', '', '0', '12', '-1', '127', '-129', '30000', '-8000000', '2000000000', '-300000000000', 'x'.repeat(300), 'y'.repeat(20000)];

/** A test-only ziplist encoder (Redis <= 6.2 format), choosing the same encodings Redis did. */
function ziplist(items: string[]): Buffer {
  const entries: Buffer[] = [];
  let prev = 0;
  let tail = 10;
  for (const s of items) {
    const pre = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([254]), u32le(prev)]);
    let body: Buffer;
    const n = /^(0|-?[1-9][0-9]*)$/.test(s) && s.length <= 20 ? BigInt(s) : null;
    if (n !== null && n >= -(2n ** 63n) && n < 2n ** 63n) {
      const v = Number(n);
      if (n >= 0n && n <= 12n) body = Buffer.from([0xf1 + v]);
      else if (v >= -128 && v <= 127) body = Buffer.from([0xfe, v & 0xff]);
      else if (v >= -32768 && v <= 32767) { body = Buffer.alloc(3); body[0] = 0xc0; body.writeInt16LE(v, 1); }
      else if (v >= -8388608 && v <= 8388607) { body = Buffer.alloc(4); body[0] = 0xf0; body.writeIntLE(v, 1, 3); }
      else if (v >= -2147483648 && v <= 2147483647) { body = Buffer.alloc(5); body[0] = 0xd0; body.writeInt32LE(v, 1); }
      else { body = Buffer.alloc(9); body[0] = 0xe0; body.writeBigInt64LE(n, 1); }
    } else {
      const d = Buffer.from(s, 'latin1');
      let h: Buffer;
      if (d.length < 64) h = Buffer.from([d.length]);
      else if (d.length < 16384) h = Buffer.from([0x40 | (d.length >> 8), d.length & 0xff]);
      else { h = Buffer.alloc(5); h[0] = 0x80; h.writeUInt32BE(d.length, 1); }
      body = Buffer.concat([h, d]);
    }
    const e = Buffer.concat([pre, body]);
    if (entries.length) tail += prev;
    entries.push(e);
    prev = e.length;
  }
  const bodyAll = Buffer.concat(entries);
  const total = 10 + bodyAll.length + 1;
  const hdr = Buffer.alloc(10);
  hdr.writeUInt32LE(total, 0);
  hdr.writeUInt32LE(items.length ? tail : 10, 4);
  hdr.writeUInt16LE(Math.min(items.length, 0xffff), 8);
  return Buffer.concat([hdr, bodyAll, Buffer.from([0xff])]);
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function rdbLen(n: number): Buffer {
  if (n < 64) return Buffer.from([n]);
  if (n < 16384) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0x80;
  b.writeUInt32BE(n, 1);
  return b;
}

function rdbStr(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  return Buffer.concat([rdbLen(b.length), b]);
}

/** An RDB v9 file (as Redis 6.2 could write) using every legacy encoding. */
function buildLegacyRdb(): Buffer {
  const parts: Buffer[] = [Buffer.from('REDIS0009')];
  parts.push(Buffer.from([0xfa]), rdbStr('redis-ver'), rdbStr('2.4.0'));
  parts.push(Buffer.from([0xfe, 0]));
  // zipmap hash (type 9)
  const zm = Buffer.concat([
    Buffer.from([3]),
    Buffer.from([4]), Buffer.from('name'), Buffer.from([3, 0]), Buffer.from('foo'),
    Buffer.from([1]), Buffer.from('n'), Buffer.from([3, 2]), Buffer.from('123'), Buffer.from('..'),
    Buffer.from([254]), u32le(300), Buffer.from('big'.repeat(100)), Buffer.from([1, 0]), Buffer.from('v'),
    Buffer.from([0xff]),
  ]);
  parts.push(Buffer.from([9]), rdbStr('zipmap'), rdbStr(zm));
  parts.push(Buffer.from([10]), rdbStr('zl:list'), rdbStr(ziplist(LEGACY_LIST)));
  parts.push(Buffer.from([12]), rdbStr('zl:zset'), rdbStr(ziplist(['a', '1', 'b', '2.5', 'c', '-inf', 'd', '3000000000'])));
  parts.push(Buffer.from([13]), rdbStr('zl:hash'), rdbStr(ziplist(['f', 'v', 'num', '-42', '7', 'seven'])));
  parts.push(Buffer.from([11]), rdbStr('intset'), rdbStr(Buffer.concat([u32le(2), u32le(3), Buffer.from([0xfb, 0xff, 1, 0, 0x10, 0])])));
  // quicklist v1 (type 14): two ziplist nodes
  parts.push(Buffer.from([14]), rdbStr('ql1'), rdbLen(2), rdbStr(ziplist(LEGACY_LIST)), rdbStr(ziplist(LEGACY_LIST)));
  // old text-score zset (type 3) and plain list (type 1)
  parts.push(Buffer.from([3]), rdbStr('zset3'), rdbLen(3), rdbStr('x'), Buffer.from([3]), Buffer.from('1.5'), rdbStr('y'), Buffer.from([254]), rdbStr('z'), Buffer.from([255]));
  parts.push(Buffer.from([0xfd]), u32le(Math.floor(Date.now() / 1000) + 86400), Buffer.from([1]), rdbStr('list1'), rdbLen(2), rdbStr('p'), rdbStr('q'));
  parts.push(Buffer.from([0xff]));
  const body = Buffer.concat(parts);
  return Buffer.concat([body, new Crc64().update(body).toBufferLE()]);
}

// keep the writer import used even if the tests above change
void RdbWriter;
