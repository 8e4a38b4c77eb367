/**
 * WATCH against redis-server 7.0, byte for byte: which commands break a
 * WATCH (signalModifiedKey, in the db where the key changed) and which do not
 * (writes that change nothing, commands that only read, keys in another db).
 * The random-command fuzzer found COPY ... DB n breaking a WATCH on the
 * destination's name in the client's own db.
 */
import { test, before, after } from 'node:test';
import { redisAvailable, SKIP_NO_REDIS } from '../helpers/servers';
import { startPair, stopPair, sameBytesOn, type ServerPair } from '../helpers/compare';

const HAVE_REDIS = redisAvailable();
let p: ServerPair;

before(async () => {
  if (!HAVE_REDIS) return;
  p = await startPair();
});

after(async () => {
  if (p) await stopPair(p);
});

/** Each scenario ends with MULTI, PING, EXEC: EXEC answers *-1 when the WATCH broke. */
const SCENARIOS: Record<string, string[][]> = {
  flushMissing: [['FLUSHALL'], ['WATCH', 'nokey'], ['FLUSHALL'], ['MULTI'], ['PING'], ['EXEC']],
  flushdbMissing: [['FLUSHALL'], ['WATCH', 'nokey'], ['FLUSHDB'], ['MULTI'], ['PING'], ['EXEC']],
  swapdbMissing: [['FLUSHALL'], ['WATCH', 'nokey'], ['SWAPDB', '0', '1'], ['MULTI'], ['PING'], ['EXEC']],
  swapdbBoth: [['FLUSHALL'], ['SELECT','1'], ['SET','k','1'], ['SELECT','0'], ['SET','k','1'], ['WATCH', 'k'], ['SWAPDB', '0', '1'], ['MULTI'], ['PING'], ['EXEC']],
  moveMissing: [['FLUSHALL'], ['WATCH', 'k'], ['MOVE', 'k', '1'], ['MULTI'], ['PING'], ['EXEC']],
  moveTo: [['FLUSHALL'], ['SELECT','1'], ['WATCH', 'k'], ['SELECT','0'], ['SET','k','v'], ['MOVE', 'k', '1'], ['MULTI'], ['PING'], ['EXEC']],
  delMissing: [['FLUSHALL'], ['WATCH', 'k'], ['DEL', 'k'], ['MULTI'], ['PING'], ['EXEC']],
  expireMissing: [['FLUSHALL'], ['WATCH', 'k'], ['EXPIRE', 'k', '10'], ['MULTI'], ['PING'], ['EXEC']],
  setSame: [['FLUSHALL'], ['SET','k','v'], ['WATCH', 'k'], ['SET', 'k', 'v', 'XX', 'GET'], ['MULTI'], ['PING'], ['EXEC']],
  copyOnto: [['FLUSHALL'], ['SET','a','v'], ['WATCH', 'k'], ['COPY', 'a', 'k', 'DB', '1'], ['MULTI'], ['PING'], ['EXEC']],
  scriptFlush: [['FLUSHALL'], ['WATCH', 'k'], ['SCRIPT','FLUSH'], ['FUNCTION','FLUSH'], ['MULTI'], ['PING'], ['EXEC']],
  restoreFail: [['FLUSHALL'], ['WATCH', 'k'], ['RESTORE','k','0','garbage'], ['MULTI'], ['PING'], ['EXEC']],
  sortStoreEmpty: [['FLUSHALL'], ['WATCH', 'k'], ['SORT','nolist','STORE','k'], ['MULTI'], ['PING'], ['EXEC']],
  zunionEmpty: [['FLUSHALL'], ['WATCH', 'k'], ['ZUNIONSTORE','k','1','nozset'], ['MULTI'], ['PING'], ['EXEC']],
  sinterEmpty: [['FLUSHALL'], ['WATCH', 'k'], ['SINTERSTORE','k','noset'], ['MULTI'], ['PING'], ['EXEC']],
  bitopEmpty: [['FLUSHALL'], ['WATCH', 'k'], ['BITOP','AND','k','nokey'], ['MULTI'], ['PING'], ['EXEC']],
  georadiusStore: [['FLUSHALL'], ['WATCH', 'k'], ['GEORADIUS','nogeo','0','0','10','km','STORE','k'], ['MULTI'], ['PING'], ['EXEC']],
  geosearchstore: [['FLUSHALL'], ['WATCH', 'k'], ['GEOSEARCHSTORE','k','nogeo','FROMLONLAT','0','0','BYRADIUS','10','km'], ['MULTI'], ['PING'], ['EXEC']],
  lmoveEmpty: [['FLUSHALL'], ['WATCH', 'k'], ['LMOVE','nol','k','LEFT','LEFT'], ['MULTI'], ['PING'], ['EXEC']],
  zrangestoreEmpty: [['FLUSHALL'], ['WATCH', 'k'], ['ZRANGESTORE','k','noz','0','-1'], ['MULTI'], ['PING'], ['EXEC']],
  xgroupMk: [['FLUSHALL'], ['WATCH', 'k'], ['XGROUP','CREATE','k','g','$'], ['MULTI'], ['PING'], ['EXEC']],
  pfmerge: [['FLUSHALL'], ['WATCH', 'k'], ['PFCOUNT','k'], ['MULTI'], ['PING'], ['EXEC']],
  setrangeEmpty: [['FLUSHALL'], ['WATCH', 'k'], ['SETRANGE','k','0',''], ['MULTI'], ['PING'], ['EXEC']],
  appendEmpty: [['FLUSHALL'], ['WATCH', 'k'], ['APPEND','k',''], ['MULTI'], ['PING'], ['EXEC']],
  hdelMissing: [['FLUSHALL'], ['WATCH', 'k'], ['HDEL','k','f'], ['SREM','k','m'], ['ZREM','k','m'], ['LREM','k','0','x'], ['MULTI'], ['PING'], ['EXEC']],
  renameSelf: [['FLUSHALL'], ['SET','k','v'], ['WATCH', 'k'], ['RENAME','k','k'], ['MULTI'], ['PING'], ['EXEC']],
  expireNeg: [['FLUSHALL'], ['SET','k','v'], ['WATCH', 'j'], ['EXPIRE','j','-1'], ['PEXPIREAT','j','1'], ['MULTI'], ['PING'], ['EXEC']],
  persist: [['FLUSHALL'], ['SET','k','v'], ['WATCH', 'k'], ['PERSIST','k'], ['EXPIRE','k','100','GT'], ['MULTI'], ['PING'], ['EXEC']],
  getex: [['FLUSHALL'], ['SET','k','v'], ['WATCH', 'k'], ['GETEX','k'], ['GETEX','k','PERSIST'], ['MULTI'], ['PING'], ['EXEC']],
  bitfieldRo: [['FLUSHALL'], ['WATCH', 'k'], ['BITFIELD','k','GET','u8','0'], ['SETBIT','j','0','0'], ['MULTI'], ['PING'], ['EXEC']],
  setbitZero: [['FLUSHALL'], ['SET','k','\x00'], ['WATCH', 'k'], ['SETBIT','k','0','0'], ['MULTI'], ['PING'], ['EXEC']],
  touchObj: [['FLUSHALL'], ['SET','k','v'], ['WATCH', 'k'], ['TOUCH','k'], ['OBJECT','FREQ','k'], ['MULTI'], ['PING'], ['EXEC']],
  lpopEmptyCount: [['FLUSHALL'], ['RPUSH','k','a'], ['WATCH', 'k'], ['LPOP','k','0'], ['MULTI'], ['PING'], ['EXEC']],
  spop0: [['FLUSHALL'], ['SADD','k','a'], ['WATCH', 'k'], ['SPOP','k','0'], ['ZPOPMIN','k','0'], ['MULTI'], ['PING'], ['EXEC']],
  zaddNoop: [['FLUSHALL'], ['ZADD','k','1','a'], ['WATCH', 'k'], ['ZADD','k','1','a'], ['ZADD','k','XX','CH','1','a'], ['MULTI'], ['PING'], ['EXEC']],
  hsetSame: [['FLUSHALL'], ['HSET','k','f','v'], ['WATCH', 'k'], ['HSETNX','k','f','w'], ['MULTI'], ['PING'], ['EXEC']],
  ltrimNoop: [['FLUSHALL'], ['RPUSH','k','a'], ['WATCH', 'k'], ['LTRIM','k','0','-1'], ['MULTI'], ['PING'], ['EXEC']],
  xtrimNoop: [['FLUSHALL'], ['XADD','k','1-1','f','v'], ['WATCH', 'k'], ['XTRIM','k','MAXLEN','10'], ['XDEL','k','9-9'], ['XACK','k','g','1-1'], ['MULTI'], ['PING'], ['EXEC']],
  xsetid: [['FLUSHALL'], ['XADD','k','1-1','f','v'], ['WATCH', 'k'], ['XGROUP','CREATECONSUMER','k','g','c'], ['XGROUP','DESTROY','k','nog'], ['MULTI'], ['PING'], ['EXEC']],
  xclaimNone: [['FLUSHALL'], ['XADD','k','1-1','f','v'], ['XGROUP','CREATE','k','g','0'], ['WATCH', 'k'], ['XCLAIM','k','g','c','0','9-9'], ['XAUTOCLAIM','k','g','c','0','0'], ['MULTI'], ['PING'], ['EXEC']],
  xreadgroupNone: [['FLUSHALL'], ['XADD','k','1-1','f','v'], ['XGROUP','CREATE','k','g','$'], ['WATCH', 'k'], ['XREADGROUP','GROUP','g','c','STREAMS','k','>'], ['MULTI'], ['PING'], ['EXEC']],
  xpending: [['FLUSHALL'], ['XADD','k','1-1','f','v'], ['XGROUP','CREATE','k','g','0'], ['WATCH', 'k'], ['XGROUP','DELCONSUMER','k','g','c'], ['XGROUP','SETID','k','g','0'], ['MULTI'], ['PING'], ['EXEC']],
  copySameDb: [['FLUSHALL'], ['SET', 'a', 'v'], ['WATCH', 'a'], ['COPY', 'a', 'b'], ['MULTI'], ['PING'], ['EXEC']],
  copyDestSameDb: [['FLUSHALL'], ['SET', 'a', 'v'], ['WATCH', 'b'], ['COPY', 'a', 'b', 'DB', '0'], ['MULTI'], ['PING'], ['EXEC']],
  copyIntoWatchedDb: [['FLUSHALL'], ['SELECT', '1'], ['WATCH', 'k'], ['SELECT', '0'], ['SET', 'a', 'v'], ['COPY', 'a', 'k', 'DB', '1'], ['MULTI'], ['PING'], ['EXEC']],
};

for (const [name, cmds] of Object.entries(SCENARIOS)) {
  test(`WATCH as redis-server 7.0: ${name}`, { skip: !HAVE_REDIS && SKIP_NO_REDIS }, async () => {
    await sameBytesOn(p.redis!.port, p.srv.port, cmds);
  });
}
