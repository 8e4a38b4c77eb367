/**
 * RDB file and DUMP payload fuzzers. The seeds are real bytes written by
 * redis-server 7.0 (a dataset of every type and encoding: int/short/long
 * compressed strings, listpack and quicklist lists, listpack/hashtable
 * hashes, intset/listpack... sets, listpack/skiplist zsets, streams with
 * consumer groups and pending entries, sparse and dense HLLs, TTLs, 3 dbs).
 * Each case mutates a copy (bytes flipped or set to edge values, ranges
 * inserted, deleted, duplicated, the tail cut) and fixes up the CRC64
 * (so the case reaches the decoder rather than the checksum check; 3% keep
 * the stale checksum to test that check too).
 *
 * DUMP: RESTORE on tredis and on redis-server (both sanitize-dump-payload
 * yes): both must accept or both reject; when both accept, DEBUG DIGEST-VALUE
 * must be equal, then tredis reads the value back whole and writes to it.
 * RDB: the file becomes tredis's dump.rdb and DEBUG RELOAD NOSAVE loads it: an
 * error must leave the previous dataset (digest unchanged); every
 * --diff-every'th case the same file is loaded by redis-server (DEBUG RELOAD
 * NOSAVE; Redis exits on a corrupt file, then it is restarted), and when both
 * load it the digests must be equal.
 * After every case a PING on another connection must answer within the bound.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc64 } from '../../src/persistence/rdb/crc64';
import { Node, Prober, Report, Rng, rssKb, within, ReplyError, TestClient, type Reply } from './common';

/** Fill a server with every type and encoding (a few keys each, dbs 0, 1, 2). */
async function populate(n: Node): Promise<void> {
  const c = n.c;
  const cmds: Array<Array<string | number>> = [];
  for (const db of [0, 1, 2]) {
    cmds.push(['SELECT', db]);
    cmds.push(['SET', 'str', 'hello'], ['SET', 'int', 12345], ['SET', 'neg', -7], ['SET', 'long', 'abcdefgh'.repeat(100)], ['SET', 'bin', '\x00\x01\xff\r\n']);
    cmds.push(['SET', 'ttl', 'v', 'PX', 3_600_000]);
    cmds.push(['RPUSH', 'list', 'a', 'b', 1, 2, -3, 'c'.repeat(70)]);
    cmds.push(['RPUSH', 'qlist', ...Array.from({ length: 400 }, (_, i) => (i % 3 ? `item-${i}` : String(i * 1000)))]);
    cmds.push(['RPUSH', 'biglist', 'x'.repeat(9000), 'y'.repeat(9000), 'z']);
    cmds.push(['HSET', 'hash', 'f1', 'v1', 'f2', 22, 'f3', 'v'.repeat(40)]);
    cmds.push(['HSET', 'bighash', ...Array.from({ length: 300 }, (_, i) => [`f${i}`, `v${i}`]).flat()]);
    cmds.push(['SADD', 'iset', 1, 2, 3, -40000, 70000]);
    cmds.push(['SADD', 'iset64', 1, 5_000_000_000]);
    cmds.push(['SADD', 'set', 'a', 'b', 'c']);
    cmds.push(['SADD', 'bigset', ...Array.from({ length: 600 }, (_, i) => `m${i}`)]);
    cmds.push(['ZADD', 'zset', 1, 'a', 2.5, 'b', -3, 'c', 'inf', 'd']);
    cmds.push(['ZADD', 'bigzset', ...Array.from({ length: 200 }, (_, i) => [i * 1.5, `m${i}`]).flat()]);
    for (let i = 1; i <= 30; i++) cmds.push(['XADD', 'stream', `${i}-${i}`, 'f', `v${i}`, 'g', i]);
    cmds.push(['XDEL', 'stream', '5-5']);
    cmds.push(['XGROUP', 'CREATE', 'stream', 'g1', '0'], ['XGROUP', 'CREATE', 'stream', 'g2', '10-10']);
    cmds.push(['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', 4, 'STREAMS', 'stream', '>'], ['XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', 2, 'STREAMS', 'stream', '>']);
    cmds.push(['XACK', 'stream', 'g1', '1-1']);
    cmds.push(['PFADD', 'hll', 'a', 'b', 'c'], ['PFADD', 'hlldense', ...Array.from({ length: 3000 }, (_, i) => `e${i}`)]);
  }
  cmds.push(['SELECT', 0]);
  for (const a of cmds) {
    const r = await c.call(...a);
    if (r instanceof ReplyError) throw new Error(`${String(a[0])}: ${r.message}`);
  }
}

/** 1-4 random edits of a copy of buf[from..] (bytes before `from` kept). */
export function mutate(rng: Rng, buf: Buffer, from: number): Buffer {
  let b = Buffer.from(buf);
  for (let n = rng.range(1, 4); n > 0; n--) {
    const span = Math.max(1, b.length - from);
    const p = from + rng.int(span);
    switch (rng.int(7)) {
      case 0:
        if (p < b.length) b[p] ^= 1 << rng.int(8);
        break;
      case 1:
        if (p < b.length) b[p] = rng.pick([0, 1, 0x7f, 0x80, 0xc0, 0xfe, 0xff, rng.int(256)]);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, p), rng.bytes(rng.range(1, 8)), b.subarray(p)]);
        break;
      case 3:
        b = Buffer.concat([b.subarray(0, p), b.subarray(Math.min(b.length, p + rng.range(1, 16)))]);
        break;
      case 4: {
        const q = from + rng.int(span);
        b = Buffer.concat([b.subarray(0, p), b.subarray(q, q + rng.range(1, 32)), b.subarray(p)]);
        break;
      }
      case 5:
        if (p + 4 <= b.length) b.writeUInt32LE(rng.pick([0, 0xffffffff, 0x7fffffff, 0x80000000, rng.int(2 ** 32)]), p);
        break;
      default:
        b = b.subarray(0, Math.max(from, p));
    }
  }
  return b;
}

function withCrc(body: Buffer, rng: Rng, stale: Buffer): Buffer {
  const crc = Buffer.alloc(8);
  if (rng.chance(0.03)) stale.copy(crc);
  else crc.writeBigUInt64LE(crc64(body));
  return Buffer.concat([body, crc]);
}

/** Read a value whole and write to it: what a client would do with a restored key. '' or the command left without a (complete) reply. */
async function exercise(n: Node, key: string, ms: number): Promise<string> {
  const c = n.c;
  const type = String(await c.call('TYPE', key));
  const cmds: Record<string, Array<Array<string | number>>> = {
    string: [['GET', key], ['STRLEN', key], ['APPEND', key, 'x'], ['GETRANGE', key, 0, -1]],
    list: [['LRANGE', key, 0, -1], ['LINDEX', key, -1], ['LPUSH', key, 'x'], ['RPOP', key], ['LINSERT', key, 'BEFORE', 'a', 'b']],
    hash: [['HGETALL', key], ['HSET', key, 'newf', 'v'], ['HDEL', key, 'f1'], ['HSCAN', key, 0]],
    set: [['SMEMBERS', key], ['SADD', key, 'newm', 7], ['SISMEMBER', key, 'a'], ['SREM', key, 1]],
    zset: [['ZRANGE', key, 0, -1, 'WITHSCORES'], ['ZADD', key, 1, 'newm'], ['ZRANGEBYLEX', key, '-', '+'], ['ZREM', key, 'a']],
    stream: [['XRANGE', key, '-', '+'], ['XINFO', 'STREAM', key, 'FULL'], ['XADD', key, '*', 'a', 'b'], ['XINFO', 'GROUPS', key], ['XTRIM', key, 'MAXLEN', 2]],
  };
  for (const a of [...(cmds[type] ?? []), ['DUMP', key], ['OBJECT', 'ENCODING', key], ['PFCOUNT', key], ['DEL', key]]) {
    const r = await within(c.call(...a).catch((e: Error) => e), ms);
    if (r === 'timeout' || r instanceof Error) {
      c.close();
      n.c = await TestClient.connect(n.port);
      return `${a.join(' ')} on the restored ${type}: ${r === 'timeout' ? `no complete reply within ${ms} ms` : r.message}`;
    }
  }
  return '';
}

interface PayloadOpts {
  cases: number;
  rdbCases: number;
  seconds: number;
  seed: number;
  hangMs: number;
  maxRssMb: number;
  diffEvery: number;
}

/** Run the DUMP payload fuzzer, then the RDB file fuzzer. */
export async function runPayloadFuzz(o: PayloadOpts): Promise<Report> {
  const rep = new Report(`DUMP payload and RDB file fuzz (seed ${o.seed})`);
  const rng = new Rng(o.seed ^ 0xd0b);
  const args = ['--sanitize-dump-payload', 'yes'];
  const t = await Node.start('tredis', args);
  const r = await Node.start('redis', args);
  const probe = new Prober(t.port, o.hangMs);
  const examples = new Map<string, string>();
  const differ = (cls: string, what: string): void => {
    rep.add(`differs: ${cls}`);
    if (!examples.has(cls)) examples.set(cls, what);
  };
  let redisTrouble = '';
  // a redis-server that crashed or did not answer in time is killed (also when still running: a new
  // one could not bind the port, and the old one would go on answering in its place) and restarted
  const restartRedis = async (why: string): Promise<void> => {
    if (!redisTrouble) redisTrouble = `${why}\n${r.logTail(1200)}`;
    await r.kill9();
    // the corrupt file it exited on would stop the new one at start-up: start empty
    fs.rmSync(path.join(r.dir, 'dump.rdb'), { force: true });
    await r.restart();
  };
  try {
    await populate(r);
    const keys = ((await r.c.call('KEYS', '*')) as string[]).sort();
    const payloads: Buffer[] = [];
    for (const k of keys) payloads.push(Buffer.from((await r.c.call('DUMP', k)) as string, 'latin1'));
    if ((await r.c.call('SAVE')) !== 'OK') throw new Error('SAVE on redis-server failed');
    const rdb = fs.readFileSync(path.join(r.dir, 'dump.rdb'));
    rep.set('seed payloads', payloads.length);
    rep.set('seed RDB bytes', rdb.length);
    const t0 = Date.now();
    const left = (): boolean => Date.now() - t0 < o.seconds * 1000;

    // DUMP payloads
    for (let i = 0; i < o.cases && left(); i++) {
      const src = rng.pick(payloads);
      const stale = src.subarray(src.length - 8);
      const ver = src.subarray(src.length - 10, src.length - 8);
      const core = rng.chance(0.05) ? mutate(rng, src.subarray(0, src.length - 8), src.length - 10) : Buffer.concat([mutate(rng, src.subarray(0, src.length - 10), 0), ver]);
      const payload = withCrc(core, rng, stale);
      const argv = ['RESTORE', 'fz', 0, payload, 'REPLACE'] as const;
      const [a, b] = await Promise.all([within(t.c.call(...argv).catch((e: Error) => e), o.hangMs), within(r.c.call(...argv).catch((e: Error) => e), o.hangMs)]);
      rep.add('DUMP cases');
      if (a === 'timeout' || a instanceof Error) {
        rep.fail(`RESTORE on tredis: ${a === 'timeout' ? `no reply within ${o.hangMs} ms` : a.message}; payload ${payload.toString('hex').slice(0, 400)}`);
        break;
      }
      let bOk: boolean | null = null;
      if (b === 'timeout' || b instanceof Error || !r.alive) {
        rep.add('redis-server crashed or hung on a payload (restarted)');
        await restartRedis(`RESTORE on redis-server: ${b === 'timeout' ? 'no reply' : b instanceof Error ? b.message : 'exited'}; payload ${payload.toString('hex').slice(0, 300)}`);
      } else bOk = b === 'OK';
      const aOk = a === 'OK';
      rep.add(aOk ? 'DUMP accepted by tredis' : 'DUMP rejected by tredis');
      if (bOk !== null && aOk !== bOk) differ(`RESTORE ${aOk ? 'accepted by tredis only' : 'rejected by tredis only'}`, `payload ${payload.toString('hex').slice(0, Number(process.env.FUZZ_HEX_MAX ?? 300))}: tredis ${String(a)} | redis ${String(b)}`);
      if (aOk && bOk) {
        const [da, db] = await Promise.all([t.c.call('DEBUG', 'DIGEST-VALUE', 'fz'), r.c.call('DEBUG', 'DIGEST-VALUE', 'fz')]);
        if (String(da) !== String(db)) differ('value digest after RESTORE', `payload ${payload.toString('hex').slice(0, 300)}`);
      }
      if (aOk) {
        const bad = await exercise(t, 'fz', o.hangMs);
        if (bad) {
          rep.fail(`${bad}; payload ${payload.toString('hex').slice(0, 400)}\n${t.logTail(800)}`);
          break;
        }
      }
      const why = await probe.ping();
      if (why || !t.alive) {
        rep.fail(`after RESTORE of ${payload.toString('hex').slice(0, 300)}: ${why || 'tredis died'}\n${t.logTail(1500)}`);
        break;
      }
      if (i % 500 === 0) rep.max('tredis max RSS (MB)', Math.round(rssKb(t.pid) / 1024));
    }

    // RDB files
    const tFile = path.join(t.dir, 'dump.rdb');
    const rFile = path.join(r.dir, 'dump.rdb');
    for (let i = 0; i < o.rdbCases && left() && rep.failures.length === 0; i++) {
      const body = mutate(rng, rdb.subarray(0, rdb.length - 8), rng.chance(0.05) ? 0 : 9);
      const file = withCrc(body, rng, rdb.subarray(rdb.length - 8));
      const before = String(await t.c.call('DEBUG', 'DIGEST'));
      fs.writeFileSync(tFile, file);
      const a = await within(t.c.call('DEBUG', 'RELOAD', 'NOSAVE').catch((e: Error) => e), o.hangMs * 5);
      rep.add('RDB cases');
      if (a === 'timeout' || a instanceof Error || !t.alive) {
        rep.fail(`DEBUG RELOAD of a mutated RDB: ${a === 'timeout' ? 'no reply' : a instanceof Error ? a.message : 'died'}\n${t.logTail(1500)}`);
        break;
      }
      const aOk = a === 'OK';
      rep.add(aOk ? 'RDB loaded by tredis' : 'RDB rejected by tredis');
      const after = String(await t.c.call('DEBUG', 'DIGEST'));
      if (!aOk && after !== before) rep.fail(`DEBUG RELOAD answered ${String(a)} but the dataset changed (digest ${before} -> ${after}); file ${file.toString('hex').slice(0, 200)}...`);
      if (o.diffEvery > 0 && i % o.diffEvery === 0) {
        fs.writeFileSync(rFile, file);
        const b: Reply | Error | 'timeout' = await within(r.c.call('DEBUG', 'RELOAD', 'NOSAVE').catch((e: Error) => e), o.hangMs * 5);
        await new Promise((res) => setTimeout(res, 20));
        const bOk = b === 'OK' && r.alive;
        rep.add('RDB differential cases');
        if (!r.alive || b === 'timeout' || b instanceof Error) {
          rep.add('RDB files redis-server exited on');
          await restartRedis(`DEBUG RELOAD on redis-server: ${b === 'timeout' ? 'no reply' : b instanceof Error ? b.message : 'exited'}`);
        }
        if (aOk !== bOk) differ(`RDB ${aOk ? 'loaded by tredis only' : 'loaded by redis-server only'}`, `tredis ${String(a)} | redis ${b instanceof Error ? b.message : String(b)}; file ${file.toString('hex').slice(0, 200)}...`);
        else if (aOk && bOk && after !== String(await r.c.call('DEBUG', 'DIGEST'))) differ('dataset digest after loading the same RDB', `file ${file.toString('hex').slice(0, 200)}...`);
      }
      const why = await probe.ping();
      if (why) {
        rep.fail(`after DEBUG RELOAD: ${why}`);
        break;
      }
      if (i % 200 === 0) rep.max('tredis max RSS (MB)', Math.round(rssKb(t.pid) / 1024));
    }
    rep.max('tredis max RSS (MB)', Math.round(rssKb(t.pid) / 1024));
    if ((rep.counts.get('tredis max RSS (MB)') ?? 0) > o.maxRssMb) rep.fail(`tredis RSS over ${o.maxRssMb} MB`);
    rep.set('slowest probe PING (ms)', Math.round(probe.worst));
    for (const [cls, what] of examples) rep.fail(`${cls}: ${what}`);
    if (redisTrouble) console.log(`first redis-server crash or hang (not a tredis failure): ${redisTrouble}`);
  } finally {
    probe.close();
    await t.stop().catch(() => {});
    await r.stop().catch(() => {});
  }
  return rep;
}
