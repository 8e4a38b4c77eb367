/**
 * Random commands with random arguments, differential: the same command goes
 * to tredis and to redis-server (same dataset, same order) and the reply
 * kinds must agree (simple/bulk/integer/array/nil, and for an error its
 * prefix: ERR, WRONGTYPE, NOSCRIPT...), and so must the datasets after it
 * (the keys of the db and DEBUG DIGEST-VALUE of each; on a difference both
 * are reset, so one defect is reported once, at the command that caused it). Arguments follow the command's
 * COMMAND DOCS argument tree from redis-server (tokens, keys, integers,
 * doubles, optional and repeated parts), with a share of mutations (an
 * argument dropped, a random one added, edge numbers), over a small keyspace
 * of every type re-created every 500 cases. After each case a PING on
 * another connection must answer within the hang bound.
 *
 * Left out, because they act on the process, the connection or time rather
 * than on data (their reply would not be defined, or they would stop the
 * run): SHUTDOWN, DEBUG, MONITOR, SYNC/PSYNC, REPLICAOF/SLAVEOF, FAILOVER,
 * CLUSTER, MIGRATE, the (P/S)SUBSCRIBE family, blocking commands, WAIT, CLIENT
 * (but GETNAME/SETNAME/ID/INFO), CONFIG (but GET), ACL writes, SAVE/BGSAVE/
 * BGREWRITEAOF, and the commands whose result is random (SPOP, SRANDMEMBER,
 * RANDOMKEY, HRANDFIELD, ZRANDMEMBER: the two datasets would drift apart).
 */
import { Node, Prober, Report, Rng, rssKb, within, replyKind, TestClient, type Reply } from './common';

type ArgSpec = { name: string; type: string; token?: string; flags: string[]; args: ArgSpec[] };
type Cmd = { argv0: string[]; args: ArgSpec[] };

/** A flat [k, v, k, v...] RESP2 array as a Map. */
function kv(a: Reply): Map<string, Reply> {
  const m = new Map<string, Reply>();
  if (!Array.isArray(a)) return m;
  for (let i = 0; i + 1 < a.length; i += 2) m.set(String(a[i]), a[i + 1]);
  return m;
}

function parseArgs(a: Reply): ArgSpec[] {
  if (!Array.isArray(a)) return [];
  return a.map((x) => {
    const m = kv(x);
    return {
      name: String(m.get('name') ?? ''),
      type: String(m.get('type') ?? 'string'),
      token: m.has('token') ? String(m.get('token')) : undefined,
      flags: Array.isArray(m.get('flags')) ? (m.get('flags') as Reply[]).map(String) : [],
      args: parseArgs(m.get('arguments') ?? []),
    };
  });
}

const SKIP = new Set(['shutdown', 'debug', 'monitor', 'sync', 'psync', 'replicaof', 'slaveof', 'failover', 'cluster', 'migrate', 'subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe', 'wait', 'save', 'bgsave', 'bgrewriteaof', 'quit', 'reset', 'hello', 'auth', 'module', 'readonly', 'readwrite', 'asking', 'srandmember', 'randomkey', 'hrandfield', 'zrandmember', 'spop', 'lolwut', 'pfdebug', 'pfselftest', 'replconf', 'latency', 'memory', 'object', 'command', 'config', 'acl', 'client', 'slowlog', 'role']);
const KEEP_SUB = new Set(['client|getname', 'client|setname', 'client|id', 'config|get', 'acl|whoami', 'acl|cat', 'object|encoding', 'object|refcount', 'command|count', 'command|getkeys', 'command|info', 'script|exists', 'script|flush', 'xinfo|stream', 'xinfo|groups', 'xinfo|consumers', 'xgroup|create', 'xgroup|setid', 'xgroup|destroy', 'xgroup|createconsumer', 'xgroup|delconsumer', 'object|freq', 'object|idletime', 'memory|usage', 'function|list', 'function|flush', 'function|delete']);

/** The command table from redis-server's COMMAND DOCS, minus the commands left out. */
export async function commandTable(c: TestClient): Promise<Cmd[]> {
  const r = await c.call('COMMAND', 'DOCS');
  if (!Array.isArray(r)) throw new Error(`COMMAND DOCS: ${String(r)}`);
  const blocking = new Set<string>();
  const info = (await c.call('COMMAND')) as Reply[];
  for (const e of info) if (Array.isArray(e) && Array.isArray(e[2]) && (e[2] as Reply[]).map(String).includes('blocking')) blocking.add(String(e[0]));
  const out: Cmd[] = [];
  for (let i = 0; i + 1 < r.length; i += 2) {
    const name = String(r[i]);
    const doc = kv(r[i + 1]);
    const subs = doc.get('subcommands');
    if (Array.isArray(subs) && subs.length) {
      for (let j = 0; j + 1 < subs.length; j += 2) {
        const sub = String(subs[j]);
        if (!KEEP_SUB.has(sub)) continue;
        out.push({ argv0: sub.toUpperCase().split('|'), args: parseArgs(kv(subs[j + 1]).get('arguments') ?? []) });
      }
      continue;
    }
    if (SKIP.has(name) || blocking.has(name)) continue;
    out.push({ argv0: [name.toUpperCase()], args: parseArgs(doc.get('arguments') ?? []) });
  }
  // COMMAND DOCS lists the commands in the order of redis-server's dict, which has a random hash seed per
  // process: sorted, the same --seed gives the same cases
  const name = (c: Cmd): string => c.argv0.join(' ');
  return out.sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
}

const KEYS = ['s', 'n', 'l', 'h', 't', 'i', 'z', 'x', 'p', 'missing', 'bl', 'bh', 'bz', 'bt'];
const INTS = ['0', '1', '-1', '2', '3', '10', '100', '-100', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '4294967296', '01', '1.5', 'abc', ''];
const NUMS = ['0', '1.5', '-2.25', 'inf', '-inf', '+inf', 'nan', '1e308', '1e309', '-0', '0x10', '3', ' 1', ''];
const STRS = ['a', 'v', '', 'hello world', '*', '?', '[a-z]', '\x00\xff', '0-0', '1-1', '$', '>', '+', '-', 'x'.repeat(70), 'm1', 'f1', 'e1'];

/** Arguments for one argument spec (token, value(s); optional parts sometimes left out). */
function gen(rng: Rng, a: ArgSpec, out: string[]): void {
  if (a.flags.includes('optional') && rng.chance(0.5)) return;
  const times = a.flags.includes('multiple') ? rng.range(1, 3) : 1;
  for (let t = 0; t < times; t++) {
    if (a.token && (t === 0 || a.flags.includes('multiple_token'))) out.push(a.token);
    switch (a.type) {
      case 'pure-token':
        break;
      case 'key':
        out.push(rng.pick(KEYS));
        break;
      case 'integer':
      case 'unix-time':
        out.push(rng.chance(0.8) ? String(rng.range(-3, 20)) : rng.pick(INTS));
        break;
      case 'double':
        out.push(rng.chance(0.7) ? String(rng.range(-5, 50) / 2) : rng.pick(NUMS));
        break;
      case 'pattern':
        out.push(rng.pick(['*', 'f*', '?', '[ab]*', 'm\\*']));
        break;
      case 'oneof':
        if (a.args.length) gen(rng, { ...rng.pick(a.args), flags: [] }, out);
        break;
      case 'block':
        for (const b of a.args) gen(rng, b, out);
        break;
      default:
        out.push(rng.chance(0.6) ? rng.pick(STRS) : `${a.name}${rng.int(5)}`);
    }
  }
}

/** argv for one random command: from its argument tree, sometimes mutated. */
export function randomCommand(rng: Rng, table: Cmd[]): string[] {
  const cmd = rng.pick(table);
  const args: string[] = [];
  for (const a of cmd.args) gen(rng, a, args);
  if (rng.chance(0.15)) {
    const m = rng.int(3);
    if (m === 0 && args.length) args.splice(rng.int(args.length), 1);
    else if (m === 1) args.splice(rng.int(args.length + 1), 0, rng.pick([...INTS, ...NUMS, ...STRS, ...KEYS]));
    else if (args.length) args[rng.int(args.length)] = rng.pick([...INTS, ...NUMS]);
  }
  return [...cmd.argv0, ...args];
}

/** The keyspace both servers start from (and get back every 500 cases). */
export const SEED_DATA: string[][] = [
  ['FLUSHALL'],
  ['SET', 's', 'hello'],
  ['SET', 'n', '42'],
  ['RPUSH', 'l', 'a', 'b', 'c', '1', '2'],
  ['HSET', 'h', 'f1', 'v1', 'f2', '2'],
  ['SADD', 't', 'a', 'b', 'm1'],
  ['SADD', 'i', '1', '2', '3'],
  ['ZADD', 'z', '1', 'm1', '2.5', 'm2', '-3', 'm3'],
  ['XADD', 'x', '1-1', 'f', 'v'],
  ['XADD', 'x', '2-1', 'f', 'w'],
  ['XGROUP', 'CREATE', 'x', 'g', '0'],
  ['PFADD', 'p', 'a', 'b', 'c'],
  ['RPUSH', 'bl', ...Array.from({ length: 200 }, (_, i) => `e${i}`)],
  ['HSET', 'bh', ...Array.from({ length: 300 }, (_, i) => `f${i}`)],
  ['ZADD', 'bz', ...Array.from({ length: 300 }, (_, i) => [String(i), `m${i}`]).flat()],
  ['SADD', 'bt', ...Array.from({ length: 300 }, (_, i) => `m${i}`)],
];

/**
 * The keys of the connection's db and their value digests (DEBUG DIGEST-VALUE
 * leaves TTLs out). Keys expiring within 5 s are deleted first, on both
 * servers alike: otherwise one server may expire one a millisecond before the other.
 */
async function stateOf(c: TestClient): Promise<string> {
  const keys = (await c.call('EVAL', "local o = {} for _, k in ipairs(redis.call('KEYS', '*')) do local t = redis.call('PTTL', k) if t < 0 or t > 5000 then o[#o + 1] = k else redis.call('DEL', k) end end return o", 0)) as string[];
  if (!Array.isArray(keys)) return `KEYS: ${String(keys)}`;
  keys.sort();
  if (keys.length === 0) return '';
  const d = await c.call('DEBUG', 'DIGEST-VALUE', ...keys);
  return keys.map((k, i) => `${k}=${Array.isArray(d) ? String(d[i]) : String(d)}`).join(' ');
}

/**
 * The destination of a `SORT ... ALPHA BY <pattern with *> ... STORE dst`,
 * else null. Such a sort leaves the order of elements whose sort keys are
 * equal (or both missing) undefined in Redis: qsort is not stable and
 * sortCompare answers 0 for them (a numeric sort breaks ties by the element,
 * ALPHA without BY compares the elements themselves, a BY without `*` does
 * not sort). Parsed loosely: a mutated argv may not be such a SORT at all.
 */
export function sortStoreWithTies(argv: string[]): string | null {
  if (argv[0].toUpperCase() !== 'SORT') return null;
  let alpha = false;
  let byStar = false;
  let dst: string | null = null;
  for (let j = 2; j < argv.length; j++) {
    const a = argv[j].toUpperCase();
    if (a === 'ALPHA') alpha = true;
    else if (a === 'BY' && j + 1 < argv.length) byStar = argv[++j].includes('*');
    else if (a === 'STORE' && j + 1 < argv.length) dst = argv[++j];
    else if (a === 'GET' && j + 1 < argv.length) j++;
    else if (a === 'LIMIT' && j + 2 < argv.length) j += 2;
  }
  return alpha && byStar ? dst : null;
}

/** Whether `state` (from stateOf) and `other` are the same once key `k` is left out. */
function sameBut(state: string, other: string, k: string): boolean {
  const drop = (x: string): string => x.split(' ').filter((e) => !e.startsWith(`${k}=`)).join(' ');
  return drop(state) === drop(other);
}

/** Run `cases` random commands on both servers; failures are crashes, hangs, RSS over the bound and reply kinds that differ. */
export async function runCommandFuzz(o: { cases: number; seconds: number; seed: number; hangMs: number; maxRssMb: number }): Promise<Report> {
  const rep = new Report(`command fuzz (seed ${o.seed})`);
  const rng = new Rng(o.seed ^ 0xc0de);
  const t = await Node.start('tredis', ['--sanitize-dump-payload', 'yes']);
  const r = await Node.start('redis', ['--sanitize-dump-payload', 'yes']);
  const probe = new Prober(t.port, o.hangMs);
  const diverged = new Map<string, string>();
  const errText = new Map<string, string>();
  const stateDiff = new Map<string, string>();
  // the last cases (argv and both replies), printed with a failure: a transaction or a WATCH spans several cases
  const recent: string[] = [];
  const context = (): string => `\n    the cases before it (tredis | redis):\n      ${recent.join('\n      ')}`;
  try {
    const table = await commandTable(r.c);
    rep.set('commands in the table', table.length);
    const t0 = Date.now();
    let tc = t.c;
    let rc = r.c;
    for (let i = 0; i < o.cases && Date.now() - t0 < o.seconds * 1000; i++) {
      if (i % 500 === 0) for (const a of SEED_DATA) await Promise.all([tc.call(...a), rc.call(...a)]);
      const argv = randomCommand(rng, table);
      // XADD's `*` takes the id from each server's clock (a millisecond apart): give both the same explicit one
      if (argv[0].toUpperCase() === 'XADD') for (let k = 2; k < argv.length; k++) if (argv[k] === '*') argv[k] = `${i + 1}-1`;
      const [a, b] = await Promise.all([within(tc.callRaw(...argv).catch((e: Error) => `!${e.message}`), o.hangMs), within(rc.callRaw(...argv).catch((e: Error) => `!${e.message}`), o.hangMs)]);
      rep.add('cases');
      recent.push(`#${i} ${JSON.stringify(argv).slice(0, 120)} -> ${a.slice(0, 40).replace(/\r\n/g, ' ')} | ${String(b).slice(0, 40).replace(/\r\n/g, ' ')}`);
      if (recent.length > 25) recent.shift();
      if (a === 'timeout' || a.startsWith('!')) {
        if (!t.alive) {
          rep.fail(`tredis died on ${JSON.stringify(argv)}\n${t.logTail(2000)}`);
          break;
        }
        if (a === 'timeout' && b !== 'timeout') rep.fail(`no reply within ${o.hangMs} ms to ${JSON.stringify(argv)} (redis-server: ${String(b).slice(0, 80)})`);
        tc.close();
        tc = await TestClient.connect(t.port);
        t.c = tc;
      }
      if (b === 'timeout' || b.startsWith('!')) {
        if (!r.alive) {
          rep.note(`redis-server died on ${JSON.stringify(argv)}; restarted`);
          await r.restart();
        }
        rc.close();
        rc = await TestClient.connect(r.port);
        r.c = rc;
        continue;
      }
      if (a === 'timeout' || a.startsWith('!')) continue;
      const ka = replyKind(a);
      const kb = replyKind(b);
      if (ka !== kb) {
        const name = argv.slice(0, 2).join(' ');
        rep.add('reply kinds differ');
        if (!diverged.has(name)) diverged.set(name, `${JSON.stringify(argv).slice(0, 160)}: tredis ${a.slice(0, 90).trim()} | redis ${b.slice(0, 90).trim()}${context()}`);
      } else if (ka.startsWith('-') && a !== b) {
        rep.add('same error prefix, other text');
        const name = argv[0];
        if (!errText.has(name)) errText.set(name, `${JSON.stringify(argv).slice(0, 120)}: tredis ${a.trim().slice(0, 100)} | redis ${b.trim().slice(0, 100)}`);
      }
      const why = await probe.ping();
      if (why) {
        rep.fail(`after ${JSON.stringify(argv)}: ${why}`);
        break;
      }
      // the datasets must stay the same (keys and value digests of the connection's db; TTLs aside)
      const [sa, sb] = await Promise.all([stateOf(tc), stateOf(rc)]);
      const tieDst = sa !== sb ? sortStoreWithTies(argv) : null;
      if (tieDst !== null && sameBut(sa, sb, tieDst)) {
        // harness noise, not a tredis defect: the same elements in another order is what Redis itself
        // may store on another run; anything else (other elements, other keys) is still reported
        const [la, lb] = await Promise.all([tc.call('LRANGE', tieDst, 0, -1), rc.call('LRANGE', tieDst, 0, -1)]);
        const bag = (x: Reply): string => (Array.isArray(x) ? x.map(String).sort().join('\x00') : String(x));
        if (bag(la) === bag(lb)) {
          rep.add('SORT ALPHA BY STORE: same elements, ties in another order (undefined in Redis)');
          for (const x of SEED_DATA) await Promise.all([tc.call(...x), rc.call(...x)]);
          continue;
        }
      }
      if (sa !== sb) {
        rep.add('cases that left another dataset');
        const name = argv.slice(0, 2).join(' ');
        if (!stateDiff.has(name)) stateDiff.set(name, `${JSON.stringify(argv).slice(0, 200)} (replies: tredis ${a.slice(0, 60).trim()} | redis ${b.slice(0, 60).trim()})\n    tredis: ${sa.slice(0, 300)}\n    redis:  ${sb.slice(0, 300)}${context()}`);
        for (const x of SEED_DATA) await Promise.all([tc.call(...x), rc.call(...x)]);
      }
      if (i % 200 === 0) rep.max('tredis max RSS (MB)', Math.round(rssKb(t.pid) / 1024));
    }
    rep.max('tredis max RSS (MB)', Math.round(rssKb(t.pid) / 1024));
    if ((rep.counts.get('tredis max RSS (MB)') ?? 0) > o.maxRssMb) rep.fail(`tredis RSS over ${o.maxRssMb} MB`);
    rep.set('slowest probe PING (ms)', Math.round(probe.worst));
    for (const [k, v] of diverged) rep.fail(`reply kind differs (${k}): ${v}`);
    for (const [k, v] of stateDiff) rep.fail(`dataset differs after ${k}: ${v}`);
    for (const [, v] of [...errText].slice(0, 8)) rep.note(`error text differs: ${v}`);
  } finally {
    probe.close();
    await t.stop().catch(() => {});
    await r.stop().catch(() => {});
  }
  return rep;
}
