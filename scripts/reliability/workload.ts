/**
 * The chaos writer: random write commands of every data type (strings and
 * counters, lists, hashes, sets, zsets, streams with consumer groups, HLL,
 * keys with short and long TTLs, MULTI/EXEC blocks, Lua scripts, key moves
 * between dbs), over a small keyspace in dbs 0-2 so commands meet each
 * other's keys (and sometimes the wrong type). Every command is one a master
 * propagates deterministically (Redis rewrites the random ones, e.g. SPOP,
 * into their effects).
 */
import { Rng, ReplyError, type TestClient } from './common';

type Argv = Array<string | number>;

const TYPES = ['s', 'n', 'l', 'h', 't', 'z', 'x', 'p'] as const;

/** One random write (or a short MULTI/EXEC block) for db-local keys. */
export function randomWrite(rng: Rng): Argv[] {
  const k = (t: string): string => `${t}:${rng.int(24)}`;
  const any = (): string => k(rng.pick(TYPES));
  const v = (): string => (rng.chance(0.2) ? String(rng.range(-1000, 1000)) : `v${rng.int(1e6)}${rng.chance(0.05) ? 'x'.repeat(rng.int(3000)) : ''}`);
  const ttl = (): number => (rng.chance(0.5) ? rng.range(20, 1500) : rng.range(60_000, 600_000));
  switch (rng.int(40)) {
    case 0: return [['SET', k('s'), v()]];
    case 1: return [['SET', k('s'), v(), 'PX', ttl()]];
    case 2: return [['APPEND', k('s'), v()]];
    case 3: return [['SETRANGE', k('s'), rng.int(40), v()]];
    case 4: return [['INCRBY', k('n'), rng.range(-50, 50)]];
    case 5: return [['INCRBYFLOAT', k('n'), (rng.float() * 10 - 5).toFixed(3)]];
    case 6: return [['GETEX', k('s'), 'PX', ttl()]];
    case 7: return [['RPUSH', k('l'), v(), v(), v()]];
    case 8: return [['LPUSH', k('l'), v()]];
    case 9: return [[rng.pick(['LPOP', 'RPOP']), k('l')]];
    case 10: return [['LTRIM', k('l'), rng.int(3), rng.range(-1, 40)]];
    case 11: return [['LMOVE', k('l'), k('l'), rng.pick(['LEFT', 'RIGHT']), rng.pick(['LEFT', 'RIGHT'])]];
    case 12: return [['HSET', k('h'), `f${rng.int(40)}`, v(), `f${rng.int(300)}`, v()]];
    case 13: return [['HDEL', k('h'), `f${rng.int(40)}`]];
    case 14: return [['HINCRBY', k('h'), `c${rng.int(4)}`, rng.range(-9, 9)]];
    case 15: return [['HINCRBYFLOAT', k('h'), `g${rng.int(4)}`, '0.5']];
    case 16: return [['SADD', k('t'), ...Array.from({ length: 3 }, () => (rng.chance(0.5) ? String(rng.int(1000)) : `m${rng.int(200)}`))]];
    case 17: return [['SREM', k('t'), String(rng.int(1000)), `m${rng.int(200)}`]];
    case 18: return [['SPOP', k('t'), rng.range(1, 3)]];
    case 19: return [['SMOVE', k('t'), k('t'), `m${rng.int(200)}`]];
    case 20: return [['SINTERSTORE', k('t'), k('t'), k('t')]];
    case 21: return [['ZADD', k('z'), rng.float() * 100, `m${rng.int(300)}`, rng.range(-5, 5), `m${rng.int(30)}`]];
    case 22: return [['ZINCRBY', k('z'), rng.range(-3, 3), `m${rng.int(30)}`]];
    case 23: return [[rng.pick(['ZPOPMIN', 'ZPOPMAX']), k('z'), rng.range(1, 2)]];
    case 24: return [['ZUNIONSTORE', k('z'), 2, k('z'), k('z'), 'WEIGHTS', 1, 2]];
    case 25: return [['XADD', k('x'), 'MAXLEN', '~', 40, '*', 'f', v()]];
    case 26: return [['XGROUP', 'CREATE', k('x'), `g${rng.int(2)}`, '0', 'MKSTREAM']];
    case 27: return [['XREADGROUP', 'GROUP', `g${rng.int(2)}`, `c${rng.int(3)}`, 'COUNT', 3, 'STREAMS', k('x'), '>']];
    case 28: return [['XAUTOCLAIM', k('x'), `g${rng.int(2)}`, `c${rng.int(3)}`, 0, '0-0', 'COUNT', 2]];
    case 29: return [['XTRIM', k('x'), 'MAXLEN', rng.int(30)]];
    case 30: return [['PFADD', k('p'), ...Array.from({ length: rng.range(1, 20) }, () => `e${rng.int(5000)}`)]];
    case 31: return [['PFMERGE', k('p'), k('p'), k('p')], ['PFCOUNT', k('p')]];
    case 32: return [[rng.pick(['PEXPIRE', 'EXPIRE']), any(), rng.chance(0.7) ? rng.range(1, 900) : rng.range(1000, 100000)]];
    case 33: return [['PERSIST', any()]];
    case 34: return [[rng.pick(['DEL', 'UNLINK']), any()]];
    case 35: return [[rng.pick(['RENAME', 'COPY']), any(), any()]];
    case 36: return [['MOVE', any(), rng.int(3)]];
    case 37: {
      const n = rng.range(1, 4);
      const body: Argv[] = [];
      for (let i = 0; i < n; i++) body.push(...randomWrite(rng).filter((c) => c[0] !== 'MULTI' && c[0] !== 'EXEC'));
      return [['MULTI'], ...body, ['EXEC']];
    }
    case 38:
      return [['EVAL', "redis.call('INCR', KEYS[1]); redis.call('RPUSH', KEYS[2], ARGV[1]); if tonumber(ARGV[2]) > 50 then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end; return redis.call('LLEN', KEYS[2])", 2, k('n'), k('l'), v(), rng.int(3000)]];
    default:
      return [['EVAL', "local n = 0; for i = 1, tonumber(ARGV[1]) do n = n + redis.call('SADD', KEYS[1], 'r' .. math.random(1, 100)) end; return n", 1, k('t'), rng.range(1, 5)]];
  }
}

/** Statistics of the writes sent. */
export interface WriteStats {
  commands: number;
  errors: number;
  errorKinds: Map<string, number>;
}

export function newWriteStats(): WriteStats {
  return { commands: 0, errors: 0, errorKinds: new Map() };
}

/**
 * Send `n` random writes to a master, pipelined in chunks of 50 with a random
 * SELECT (0-2) in front of each chunk. Error replies (WRONGTYPE, a RENAME of
 * a missing key...) are counted, not fatal: they are part of the workload.
 */
export async function writeBurst(rng: Rng, c: TestClient, n: number, st: WriteStats): Promise<void> {
  let sent = 0;
  while (sent < n) {
    const chunk: Argv[] = [['SELECT', rng.int(3)]];
    for (let i = 0; i < 50 && sent < n; i++, sent++) chunk.push(...randomWrite(rng));
    const replies = await Promise.all(chunk.map((a) => c.call(...a)));
    st.commands += chunk.length;
    for (const r of replies) {
      if (r instanceof ReplyError) {
        st.errors++;
        const kind = r.message.split(' ').slice(0, 3).join(' ');
        st.errorKinds.set(kind, (st.errorKinds.get(kind) ?? 0) + 1);
      }
    }
  }
}

/** Write about `bytes` bytes of 32 KB values (keys blob:0-15 of db 0): enough to overflow a backlog. */
export async function writeBulk(c: TestClient, rng: Rng, bytes: number): Promise<void> {
  const val = 'b'.repeat(32 * 1024);
  const cmds: Argv[] = [['SELECT', 0]];
  for (let b = 0; b < bytes; b += val.length) cmds.push(['SET', `blob:${rng.int(16)}`, val]);
  await Promise.all(cmds.map((a) => c.call(...a)));
}
