/**
 * DEBUG (guarded by enable-debug-command, as Redis) and MEMORY. DEBUG keeps
 * the subcommands Redis's own test suite and tools rely on: SLEEP,
 * SET-ACTIVE-EXPIRE, OBJECT, POPULATE, DIGEST, DIGEST-VALUE, PROTOCOL,
 * RELOAD (persistence's hook), CHANGE-REPL-ID, LOG, ERROR, HTSTATS,
 * CONFIG-REWRITE-FORCE-ALL, PAUSE-CRON, QUICKLIST-PACKED-THRESHOLD,
 * STRINGMATCH-TEST, and JMAP (tredis's own: V8 heap statistics).
 */
import * as v8 from 'node:v8';
import { cmd, type CommandSpec } from './spec';
import { RedisError, Err } from '../protocol/errors';
import { parseLongLong } from './util';
import type { Client } from '../server/client';
import type { Database, DbValue } from '../keyspace/database';
import { objectEncoding } from './keys';
import { stringRefcount } from './strings';
import { toPlainValue, writerLimits } from '../persistence/convert';
import { RdbWriter } from '../persistence/rdb/writer';
import { digestDataset, digestValue } from '../keyspace/digest';
import { rewriteConfigFile } from '../config/rewrite';
import { strerror } from '../util/strerror';
import { memtoull } from '../config/schema';
import { replyHelp, subcommandSyntaxError, allowProtectedAction } from './server-util';
import { memoryStats } from '../info/memory';
import { keyBytes, tableBytes } from '../keyspace/memory-size';
import { flatJoin, flatString } from '../util/flat-string';

const DEBUG_HELP = [
  'AOF-FLUSH-SLEEP <microsec>',
  '    Server will sleep before flushing the AOF, this is used for testing.',
  'ASSERT',
  '    Crash by assertion failed.',
  'CHANGE-REPL-ID',
  '    Change the replication IDs of the instance.',
  '    Dangerous: should be used only for testing the replication subsystem.',
  'CONFIG-REWRITE-FORCE-ALL',
  '    Like CONFIG REWRITE but writes all configuration options, including',
  '    keywords not listed in original configuration file or default values.',
  'CRASH-AND-RECOVER [<milliseconds>]',
  '    Hard crash and restart after a <milliseconds> delay (default 0).',
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'LEAK <string>',
  '    Create a memory leak of the input string.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'HTSTATS <dbid>',
  '    Return hash table statistics of the specified Redis database.',
  'HTSTATS-KEY <key>',
  "    Like HTSTATS but for the hash table stored at <key>'s value.",
  'LOADAOF',
  '    Flush the AOF buffers on disk and reload the AOF in memory.',
  'REPLICATE <string>',
  '    Replicates the provided string to replicas, allowing data divergence.',
  'MALLCTL <key> [<val>]',
  '    Get or set a malloc tuning integer.',
  'MALLCTL-STR <key> [<val>]',
  '    Get or set a malloc tuning string.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'DROP-CLUSTER-PACKET-FILTER <packet-type>',
  '    Drop all packets that match the filtered type. Set to -1 allow all packets.',
  'OOM',
  '    Crash the server simulating an out-of-memory error.',
  'PANIC',
  '    Crash the server simulating a panic.',
  'POPULATE <count> [<prefix>] [<size>]',
  '    Create <count> string keys named key:<num>. If <prefix> is specified then',
  '    it is used instead of the \'key\' prefix. These are not propagated to',
  '    replicas. Cluster slots are not respected so keys not belonging to the',
  '    current node can be created in cluster mode.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
  '    * MERGE: conflicting keys will be loaded from RDB.',
  '    * NOFLUSH: the existing database will not be removed before load, but',
  '      conflicting keys will generate an exception and kill the server.',
  '    * NOSAVE: the database will be loaded from an existing RDB file.',
  '    Examples:',
  '    * DEBUG RELOAD: verify that the server is able to persist, flush and reload',
  '      the database.',
  '    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an',
  '      existing RDB file.',
  '    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB',
  '      file to the database.',
  'RESTART [<milliseconds>]',
  '    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).',
  'SDSLEN <key>',
  '    Show low level SDS string info representing `key` and value.',
  'SEGFAULT',
  '    Crash the server with sigsegv.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Sets the threshold for elements to be inserted as plain vs packed nodes',
  '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
  'SET-SKIP-CHECKSUM-VALIDATION <0|1>',
  '    Enables or disables checksum checks for RDB files and RESTORE\'s payload.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'STRINGMATCH-TEST',
  '    Run a fuzz tester against the stringmatchlen() function.',
  'STRUCTSIZE',
  '    Return the size of different Redis core C structures.',
  'LISTPACK <key>',
  '    Show low level info about the listpack encoding of <key>.',
  'QUICKLIST <key> [<0|1>]',
  '    Show low level info about the quicklist encoding of <key>.',
  '    The optional argument (0 by default) sets the level of detail',
  'CLIENT-EVICTION',
  '    Show low level client eviction pools info (maxmemory-clients).',
  'PAUSE-CRON <0|1>',
  '    Stop periodic cron job processing.',
  'REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>',
  '    Sets the time (in milliseconds) to wait between client reply buffer peak resets.',
  '    In case NEVER is provided the last observed peak will never be reset',
  '    In case RESET is provided the peak reset time will be restored to the default value',
  'REPLYBUFFER RESIZING <0|1>',
  '    Enable or disable the reply buffer resize cron job',
  'CLUSTERLINK KILL <to|from|all> <node-id>',
  '    Kills the link based on the direction to/from (both) with the provided node.',
  'JMAP',
  '    Return the V8 heap statistics of the tredis process (tredis only).',
];

/** Block the whole process like Redis's nanosleep (the event loop stops too). */
function sleepMs(ms: number): void {
  if (ms <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** C strtod prefix parse (DEBUG SLEEP takes whatever number the argument starts with). */
function strtodPrefix(s: string): number {
  const m = /^[ \t\n\v\f\r]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(s);
  return m ? Number(m[0]) : 0;
}

/** C atoi. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*[+-]?\d+/.exec(s);
  return m ? parseInt(m[0], 10) : 0;
}

/** rdbSavedObjectLen: the value's RDB encoding size (type byte excluded). */
function serializedLength(c: Client, v: DbValue): number {
  const w = new RdbWriter({ limits: writerLimits(c.server.config) });
  w.writeObject(toPlainValue(v));
  return w.toBuffer().length - 1;
}

function debugObject(c: Client, db: Database, key: string): string {
  const v = db.peek(key)!;
  const enc = objectEncoding(c, db, key);
  const refcount = typeof v === 'string' || v.type === 'string' ? stringRefcount(c, db, key) : 1;
  const now = c.server.now();
  const slot = db.slotOf(key);
  const lru = db.table.lru(slot);
  const addr = '0x7f' + (((slot + 1) * 2654435761) % 0xffffffff).toString(16).padStart(8, '0') + '0';
  let extra = '';
  if (typeof v !== 'string' && v.type === 'list') {
    const len = v.length;
    const nodes = v.nodeCount();
    const lim = v.limits();
    extra = ` ql_nodes:${nodes} ql_avg_node:${(len / nodes).toFixed(2)} ql_listpack_max:${lim.fill} ql_compressed:${lim.compressDepth !== 0 ? 1 : 0} ql_uncompressed_size:${serializedLength(c, v)}`;
  }
  return `Value at:${addr} refcount:${refcount} encoding:${enc} serializedlength:${serializedLength(c, v)} lru:${lru & 0xffffff} lru_seconds_idle:${Math.max(0, Math.floor(now / 1000) - lru)}${extra}`;
}

/** DEBUG PROTOCOL <type>: the test values of debug.c. */
function debugProtocol(c: Client, type: string): void {
  const r = c.reply;
  switch (type) {
    case 'string':
      return r.bulk('Hello World');
    case 'integer':
      return r.int(12345);
    case 'double':
      return r.doubleText('3.141');
    case 'bignum':
      if (r.proto === 3) r.raw('(1234567999999999999999999999999999999\r\n');
      else r.bulk('1234567999999999999999999999999999999');
      return;
    case 'null':
      return r.nullBulk();
    case 'array':
      r.arrayLen(3);
      for (let j = 0; j < 3; j++) r.int(j);
      return;
    case 'set':
      r.setLen(3);
      for (let j = 0; j < 3; j++) r.int(j);
      return;
    case 'map':
      r.mapLen(3);
      for (let j = 0; j < 3; j++) {
        r.int(j);
        r.bool(j === 1);
      }
      return;
    case 'attrib':
      if (r.proto === 3) r.raw('|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n');
      return r.bulk('Some real reply following the attribute');
    case 'push':
      if (r.proto < 3) throw new RedisError('ERR RESP2 is not supported by this command');
      r.raw('>2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n');
      return r.bulk('Some real reply following the push reply');
    case 'true':
      return r.bool(true);
    case 'false':
      return r.bool(false);
    case 'verbatim':
      return r.verbatim('This is a verbatim\nstring');
    default:
      throw new RedisError('ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false');
  }
}

/** DEBUG HTSTATS: dictGetStats' shape for a Map (one table, no chains). */
function htStats(name: string, size: number): string {
  if (size === 0) return `[${name}]\nHash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n`;
  let table = 4;
  while (table < size) table *= 2;
  const pctUsed = ((size * 100) / table).toFixed(2);
  const pctEmpty = (((table - size) * 100) / table).toFixed(2);
  return (
    `[${name}]\nHash table 0 stats (main hash table):\n table size: ${table}\n number of elements: ${size}\n different slots: ${size}\n max chain length: 1\n` +
    ` avg chain length (counted): 1.00\n avg chain length (computed): 1.00\n Chain length distribution:\n   0: ${table - size} (${pctEmpty}%)\n   1: ${size} (${pctUsed}%)\n`
  );
}

function debugHandler(c: Client, argv: string[]): void {
  const s = c.server;
  const setting = s.config.settings.enableDebugCommand;
  if (!allowProtectedAction(setting, c)) {
    throw new RedisError(
      'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
    );
  }
  const sub = argv[1].toLowerCase();
  const argc = argv.length;
  const bad = () => subcommandSyntaxError(argv[1], 'DEBUG');
  switch (sub) {
    case 'help':
      if (argc !== 2) throw bad();
      return replyHelp(c, 'DEBUG', DEBUG_HELP);
    case 'sleep':
      if (argc !== 3) throw bad();
      sleepMs(Math.floor(strtodPrefix(argv[2]) * 1000));
      return c.reply.ok();
    case 'set-active-expire':
      if (argc !== 3) throw bad();
      s.cron.activeExpireEnabled = atoi(argv[2]) !== 0;
      return c.reply.ok();
    case 'object': {
      if (argc !== 3) throw bad();
      const e = c.db.peek(argv[2]);
      if (e === undefined) throw new RedisError(Err.noSuchKey);
      return c.reply.simple(debugObject(c, c.db, argv[2]));
    }
    case 'sdslen': {
      if (argc !== 3) throw bad();
      const e = c.db.peek(argv[2]);
      if (e === undefined) throw new RedisError(Err.noSuchKey);
      if (typeof e !== 'string' && e.type !== 'string') throw new RedisError('ERR Not an sds encoded string.');
      const k = argv[2].length;
      const v = e.length;
      const avail = typeof e === 'string' ? 0 : e.buf.length - e.length;
      return c.reply.simple(`key_sds_len:${k}, key_sds_avail:0, key_zmalloc: ${k + 2}, val_sds_len:${v}, val_sds_avail:${avail}, val_zmalloc: ${v + avail + 3}`);
    }
    case 'populate': {
      if (argc < 3 || argc > 5) throw bad();
      const n = parseLongLong(argv[2]);
      if (n === null) throw new RedisError(Err.notInt);
      if (n < 0n) throw new RedisError('ERR value is out of range, must be positive');
      let valsize = 0;
      if (argc === 5) {
        const v = parseLongLong(argv[4]);
        if (v === null) throw new RedisError(Err.notInt);
        if (v < 0n) throw new RedisError('ERR value is out of range, must be positive');
        valsize = Number(v);
      }
      const prefix = argc === 3 ? 'key' : argv[3];
      const db = c.db;
      const watch = s.watch;
      for (let j = 0; j < Number(n); j++) {
        // a populate bigger than the heap stops with -OOM instead of killing the process
        if ((j & 0xfff) === 0xfff && s.eviction.checkHeap(true)) throw new RedisError(Err.oom);
        // flat strings, as a client's would be (a concatenation is a rope: 32 more bytes and its parts)
        const key = flatJoin(prefix, j);
        if (db.get(key) !== undefined) continue;
        const val = valsize === 0 ? flatJoin('value', j) : flatString((`value:${j}` + '\0'.repeat(Math.max(0, valsize - 6 - String(j).length))).slice(0, valsize));
        watch.beforeKeyWrite(db.id, key);
        db.set(key, val);
        if (!watch.quiet) watch.signalModifiedKey(db.id, key);
      }
      return c.reply.ok();
    }
    case 'digest': {
      if (argc !== 2) throw bad();
      const hex = digestDataset((cb) => {
        for (const db of s.dbs) db.forEach((key, value, expireAt) => cb(db.id, key, toPlainValue(value), expireAt));
      });
      return c.reply.simple(hex);
    }
    case 'digest-value': {
      c.reply.arrayLen(argc - 2);
      for (let j = 2; j < argc; j++) {
        const e = c.db.peek(argv[j]);
        c.reply.simple(e === undefined ? '0'.repeat(40) : digestValue(toPlainValue(e), c.db.expireOf(argv[j])));
      }
      return;
    }
    case 'protocol':
      if (argc !== 3) throw bad();
      return debugProtocol(c, argv[2].toLowerCase());
    case 'reload': {
      for (let j = 2; j < argc; j++) {
        const o = argv[j].toLowerCase();
        if (o !== 'merge' && o !== 'noflush' && o !== 'nosave') throw new RedisError("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
      }
      return s.persistence.debugReload(c, argv.slice(2));
    }
    case 'loadaof':
      return s.persistence.debugLoadAof(c);
    case 'change-repl-id': {
      if (argc !== 2) throw bad();
      s.replication.changeReplicationId();
      s.replication.clearReplicationId2();
      return c.reply.ok();
    }
    case 'log':
      if (argc !== 3) throw bad();
      s.logger.warning(`DEBUG LOG: ${argv[2]}`);
      return c.reply.ok();
    case 'error':
      if (argc !== 3) throw bad();
      // addReplyError adds the '-' only when the text lacks one
      throw new RedisError(argv[2].startsWith('-') ? argv[2].slice(1) : argv[2]);
    case 'htstats': {
      if (argc < 3) throw bad();
      const id = parseLongLong(argv[2]);
      if (id === null) throw new RedisError(Err.notInt);
      if (id < 0n || id >= BigInt(s.dbs.length)) throw new RedisError('ERR Out of range database');
      const db = s.dbs[Number(id)];
      return c.reply.verbatim(htStats('Dictionary HT', db.size) + htStats('Expires HT', db.expiresSize));
    }
    case 'htstats-key': {
      if (argc < 3) throw bad();
      const v = c.db.peek(argv[2]);
      if (v === undefined) throw new RedisError(Err.noSuchKey);
      if (typeof v === 'string' || v.type === 'string' || objectEncoding(c, c.db, argv[2]) !== 'hashtable') throw new RedisError('ERR The value stored at the specified key is not represented using an hash table');
      const n = v.type === 'list' || v.type === 'stream' ? v.length : v.size;
      return c.reply.verbatim(htStats('Dictionary HT', n).replace('[Dictionary HT]\n', ''));
    }
    case 'config-rewrite-force-all': {
      if (argc !== 2) throw bad();
      if (s.config.file === null) throw new RedisError('ERR The server is running without a config file');
      try {
        rewriteConfigFile(s.config, s.config.file, true, s.acl.userLines());
      } catch (e) {
        throw new RedisError(`ERR CONFIG-REWRITE-FORCE-ALL failed: ${strerror(e)}`);
      }
      return c.reply.ok();
    }
    case 'pause-cron':
      if (argc !== 3) throw bad();
      if (atoi(argv[2]) !== 0) s.cron.stop();
      else s.cron.start();
      return c.reply.ok();
    case 'quicklist-packed-threshold': {
      if (argc !== 3) throw bad();
      // quicklistisSetPackedThreshold: up to 4gb - 1mb; 0 restores the default
      const sz = memtoull(argv[2]);
      if (sz === null || sz > (1n << 32n) - (1n << 20n)) throw new RedisError('ERR argument must be a memory value bigger than 1 and smaller than 4gb');
      return c.reply.ok();
    }
    case 'stringmatch-test':
      if (argc !== 2) throw bad();
      return c.reply.simple('Apparently Redis did not crash: test passed');
    case 'set-skip-checksum-validation':
    case 'aof-flush-sleep':
    case 'replybuffer':
    case 'set-disable-deny-scripts':
      if (argc < 3) throw bad();
      return c.reply.ok();
    case 'structsize':
      if (argc !== 2) throw bad();
      return c.reply.verbatim('bits:64 robj:16 dictentry:24 sdshdr5:1 sdshdr8:3 sdshdr16:5 sdshdr32:9 sdshdr64:17 \n');
    case 'listpack':
    case 'quicklist': {
      if (argc < 3) throw bad();
      const e = c.db.peek(argv[2]);
      if (e === undefined) throw new RedisError(Err.noSuchKey);
      return c.reply.simple(sub === 'listpack' ? 'Listpack structure printed on stdout' : 'Quicklist structure printed on stdout');
    }
    case 'jmap': {
      if (argc !== 2) throw bad();
      const h = v8.getHeapStatistics();
      const m = process.memoryUsage();
      let out = '';
      for (const [k, v] of Object.entries(h)) out += `${k}:${v}\r\n`;
      for (const [k, v] of Object.entries(m)) out += `process_${k}:${v}\r\n`;
      return c.reply.verbatim(out);
    }
    default:
      throw bad();
  }
}

/** Format: DEBUG <subcommand> [args ...] */
export const debugCommand: CommandSpec = cmd('debug', -2, 'admin noscript loading stale', 0, 0, 0, debugHandler, { group: 'server' });

// ---------------------------------------------------------------- MEMORY

const MEMORY_HELP = [
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
];

const DOCTOR_ISSUES = {
  peak: ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n',
  frag: ' * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is "libc".\n\n',
  allocFrag:
    " * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.\n\n",
  slaveBuf:
    ' * Big replica buffers: The replica output buffers in this instance are greater than 10MB for each replica (on average). This likely means that there is some replica instance that is struggling receiving data, either because it is too slow or because of networking issues. As a result, data piles on the master output buffers. Please try to identify what replica is not receiving data correctly and why. You can use the INFO output in order to check the replicas delays and the CLIENT LIST command to check the output buffers of each replica.\n\n',
  clientBuf:
    ' * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n',
};

/**
 * Redis's getMemoryDoctorReport, on tredis's figures. "Empty" is judged on
 * what the server holds beyond its start-up heap (a Node process starts with
 * several MB that Redis does not have).
 */
function memoryDoctorReport(c: Client): string {
  const m = memoryStats(c.server);
  const issues: string[] = [];
  if (m.used - m.startup + 1024 * 1024 < 5 * 1024 * 1024) {
    return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
  }
  if (m.peak / m.used > 1.5) issues.push(DOCTOR_ISSUES.peak);
  if (m.rss / m.used > 1.4 && m.rss - m.used > 10 << 20) issues.push(DOCTOR_ISSUES.frag);
  if (m.active / m.allocated > 1.1 && m.active - m.allocated > 10 << 20) issues.push(DOCTOR_ISSUES.allocFrag);
  let replicas = 0;
  for (const cl of c.server.clients.values()) if (cl.isReplica) replicas++;
  const normal = Math.max(1, c.server.clients.size - replicas);
  if (m.clientsNormal / normal > 1024 * 200) issues.push(DOCTOR_ISSUES.clientBuf);
  if (replicas > 0 && m.clientsReplicas > 1024 * 1024 * 10) issues.push(DOCTOR_ISSUES.slaveBuf);
  if (issues.length === 0) return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
  return "Sam, I detected a few issues in this Redis instance memory implants:\n\n" + issues.join('') + "I'm here to keep you safe, Sam. I want to help you.\n";
}

/** MEMORY subcommands. */
export const memoryCommand: CommandSpec = cmd(
  'memory',
  -2,
  '',
  0,
  0,
  0,
  () => {},
  {
    group: 'server',
    subcommands: [
      /** Format: MEMORY USAGE key [SAMPLES count] */
      cmd('usage', -3, 'readonly', 2, 2, 1, (c, argv) => {
        let samples = 5;
        for (let j = 3; j < argv.length; j++) {
          if (argv[j].toLowerCase() === 'samples' && j + 1 < argv.length) {
            const n = parseLongLong(argv[j + 1]);
            if (n === null) throw new RedisError(Err.notInt);
            if (n < 0n) throw new RedisError(Err.syntax);
            samples = n === 0n ? 0 : Number(n);
            j++;
          } else throw new RedisError(Err.syntax);
        }
        const slot = c.db.slotOf(argv[2]);
        if (slot < 0) return c.reply.nullBulk();
        // as kept: an integer kept as a number (KeyTable.setIntAt) costs no string
        const e = c.db.table.rawValueAt(slot)!;
        // the key's own bytes plus its share of the key table that holds it
        const db = c.db;
        const share = tableBytes(db) / db.size;
        c.reply.int(keyBytes(argv[2], e, samples) + Math.round(share));
      }),
      /** Format: MEMORY STATS */
      cmd('stats', 2, '', 0, 0, 0, (c) => {
        const s = c.server;
        const m = memoryStats(s);
        const dbs = s.dbs.filter((d) => d.size > 0);
        let keys = 0;
        for (const d of dbs) keys += d.size;
        const r = c.reply;
        r.mapLen(28 + dbs.length);
        const int = (k: string, v: number) => {
          r.bulk(k);
          r.int(Math.round(v));
        };
        const dbl = (k: string, v: number) => {
          r.bulk(k);
          r.double(v);
        };
        const grown = m.used - m.startup;
        int('peak.allocated', m.peak);
        int('total.allocated', m.used);
        int('startup.allocated', m.startup);
        int('replication.backlog', m.backlog);
        int('clients.slaves', m.clientsReplicas);
        int('clients.normal', m.clientsNormal);
        int('cluster.links', 0);
        int('aof.buffer', m.aofBuffer);
        int('lua.caches', 0);
        int('functions.caches', 184);
        for (const [id, main, exp] of m.dbOverheads) {
          r.bulk(`db.${id}`);
          r.mapLen(2);
          int('overhead.hashtable.main', main);
          int('overhead.hashtable.expires', exp);
        }
        int('overhead.hashtable.slot-to-keys', 0);
        int('overhead.total', m.overhead);
        int('keys.count', m.keys);
        int('keys.bytes-per-key', m.keys ? grown / m.keys : 0);
        int('dataset.bytes', m.dataset);
        dbl('dataset.percentage', grown > 0 ? (m.dataset * 100) / grown : 0);
        dbl('peak.percentage', (m.used * 100) / Math.max(1, m.peak));
        int('allocator.allocated', m.allocated);
        int('allocator.active', m.active);
        int('allocator.resident', m.rss);
        dbl('allocator-fragmentation.ratio', m.active / Math.max(1, m.allocated));
        int('allocator-fragmentation.bytes', m.active - m.allocated);
        dbl('allocator-rss.ratio', m.rss / Math.max(1, m.active));
        int('allocator-rss.bytes', m.rss - m.active);
        dbl('rss-overhead.ratio', 1);
        int('rss-overhead.bytes', 0);
        dbl('fragmentation', m.rss / Math.max(1, m.used));
        int('fragmentation.bytes', m.rss - m.used);
      }),
      /** Format: MEMORY DOCTOR */
      cmd('doctor', 2, '', 0, 0, 0, (c) => c.reply.verbatim(memoryDoctorReport(c))),
      /** Format: MEMORY MALLOC-STATS */
      cmd('malloc-stats', 2, '', 0, 0, 0, (c) => c.reply.verbatim('Stats not supported for the current allocator')),
      /** Format: MEMORY PURGE */
      cmd('purge', 2, '', 0, 0, 0, (c) => {
        // the nearest thing to jemalloc's purge: a full collection, when node runs with --expose-gc (the launcher's worker does).
        // The "last-resort" flavor is V8's memory-reducing collection: it compacts every fragmented page, where a plain gc()
        // left ~37 MB of holes in old space after loading a 1M-field hash through a socket (docs/benchmarks.md)
        const gc = (globalThis as { gc?: (opts?: { type: string; execution: string; flavor: string }) => void }).gc;
        if (typeof gc === 'function') gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
        c.server.eviction.checkHeap(true);
        c.reply.ok();
      }),
      /** Format: MEMORY HELP */
      cmd('help', 2, 'loading stale', 0, 0, 0, (c) => replyHelp(c, 'MEMORY', MEMORY_HELP)),
    ],
  },
);
