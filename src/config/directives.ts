/**
 * Every Redis 7.0 directive (config.c's standardConfig table plus the special
 * ones), declared as data. Names and aliases, defaults, bounds and mutability
 * follow Redis 7.0.15.
 */
import { parseMemory, type ConfigDef, type ConfigValue } from './schema';

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
const LLONG_MAX = Number.MAX_SAFE_INTEGER;

type B = [name: string, def: 'yes' | 'no', mutable: boolean, aliases?: string[]];
const bools: B[] = [
  ['rdbchecksum', 'yes', false],
  ['daemonize', 'no', false],
  ['io-threads-do-reads', 'no', false],
  ['always-show-logo', 'no', false],
  ['protected-mode', 'yes', true],
  ['rdbcompression', 'yes', true],
  ['rdb-del-sync-files', 'no', true],
  ['activerehashing', 'yes', true],
  ['stop-writes-on-bgsave-error', 'yes', true],
  ['set-proc-title', 'yes', false],
  ['dynamic-hz', 'yes', true],
  ['lazyfree-lazy-eviction', 'no', true],
  ['lazyfree-lazy-expire', 'no', true],
  ['lazyfree-lazy-server-del', 'no', true],
  ['lazyfree-lazy-user-del', 'no', true],
  ['lazyfree-lazy-user-flush', 'no', true],
  ['repl-disable-tcp-nodelay', 'no', true],
  ['repl-diskless-sync', 'yes', true],
  ['aof-rewrite-incremental-fsync', 'yes', true],
  ['no-appendfsync-on-rewrite', 'no', true],
  ['cluster-require-full-coverage', 'yes', true],
  ['rdb-save-incremental-fsync', 'yes', true],
  ['aof-load-truncated', 'yes', true],
  ['aof-use-rdb-preamble', 'yes', true],
  ['aof-timestamp-enabled', 'no', true],
  ['cluster-replica-no-failover', 'no', true, ['cluster-slave-no-failover']],
  ['replica-lazy-flush', 'no', true, ['slave-lazy-flush']],
  ['replica-serve-stale-data', 'yes', true, ['slave-serve-stale-data']],
  ['replica-read-only', 'yes', true, ['slave-read-only']],
  ['replica-ignore-maxmemory', 'yes', true, ['slave-ignore-maxmemory']],
  ['jemalloc-bg-thread', 'yes', true],
  ['activedefrag', 'no', true],
  ['syslog-enabled', 'no', false],
  ['cluster-enabled', 'no', false],
  ['appendonly', 'no', true],
  ['cluster-allow-reads-when-down', 'no', true],
  ['cluster-allow-pubsubshard-when-down', 'yes', true],
  ['crash-log-enabled', 'yes', true],
  ['crash-memcheck-enabled', 'yes', true],
  ['use-exit-on-panic', 'no', true],
  ['disable-thp', 'yes', true],
  ['cluster-allow-replica-migration', 'yes', true],
  ['replica-announced', 'yes', true],
  ['latency-tracking', 'yes', true],
  ['aof-disable-auto-gc', 'no', true],
  ['tls-cluster', 'no', true],
  ['tls-replication', 'no', true],
  ['tls-prefer-server-ciphers', 'no', true],
  ['tls-session-caching', 'yes', true],
];

type S = [name: string, def: string, mutable: boolean, aliases?: string[], sensitive?: boolean];
const strings: S[] = [
  ['aclfile', '', false],
  ['unixsocket', '', false],
  ['pidfile', '', false],
  ['replica-announce-ip', '', true, ['slave-announce-ip']],
  ['masteruser', '', true],
  ['masterauth', '', true, [], true],
  ['requirepass', '', true, [], true],
  ['cluster-announce-ip', '', true],
  ['cluster-config-file', 'nodes.conf', false],
  ['cluster-announce-hostname', '', true],
  ['syslog-ident', 'redis', false],
  ['dbfilename', 'dump.rdb', true],
  ['appendfilename', 'appendonly.aof', false],
  ['appenddirname', 'appendonlydir', false],
  ['server_cpulist', '', false],
  ['bio_cpulist', '', false],
  ['aof_rewrite_cpulist', '', false],
  ['bgsave_cpulist', '', false],
  ['ignore-warnings', '', true],
  ['proc-title-template', '{title} {listen-addr} {server-mode}', true],
  ['bind-source-addr', '', true],
  ['logfile', '', false],
  ['tls-cert-file', '', true],
  ['tls-key-file', '', true],
  ['tls-key-file-pass', '', true],
  ['tls-client-cert-file', '', true],
  ['tls-client-key-file', '', true],
  ['tls-client-key-file-pass', '', true],
  ['tls-dh-params-file', '', true],
  ['tls-ca-cert-file', '', true],
  ['tls-ca-cert-dir', '', true],
  ['tls-protocols', '', true],
  ['tls-ciphers', '', true],
  ['tls-ciphersuites', '', true],
];

type E = [name: string, def: string, values: string[], mutable: boolean, aliases?: string[]];
const enums: E[] = [
  ['supervised', 'no', ['upstart', 'systemd', 'auto', 'no'], false],
  ['syslog-facility', 'local0', ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], false],
  ['repl-diskless-load', 'disabled', ['disabled', 'on-empty-db', 'swapdb'], true],
  ['loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning'], true],
  ['maxmemory-policy', 'noeviction', ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'], true],
  ['appendfsync', 'everysec', ['always', 'everysec', 'no'], true],
  ['oom-score-adj', 'no', ['no', 'yes', 'relative', 'absolute'], true],
  ['acl-pubsub-default', 'resetchannels', ['allchannels', 'resetchannels'], true],
  ['sanitize-dump-payload', 'no', ['no', 'yes', 'clients'], true],
  ['enable-protected-configs', 'no', ['no', 'yes', 'local'], false],
  ['enable-debug-command', 'no', ['no', 'yes', 'local'], false],
  ['enable-module-command', 'no', ['no', 'yes', 'local'], false],
  ['cluster-preferred-endpoint-type', 'ip', ['ip', 'hostname', 'unknown-endpoint'], true],
  ['propagation-error-behavior', 'ignore', ['ignore', 'panic', 'panic-on-replicas'], true],
  ['tls-auth-clients', 'yes', ['no', 'yes', 'optional'], true],
];

type N = [name: string, def: string, min: number, max: number, mutable: boolean, aliases?: string[]];
const ints: N[] = [
  ['databases', '16', 1, INT_MAX, false],
  ['port', '6379', 0, 65535, true],
  ['io-threads', '1', 1, 128, false],
  ['auto-aof-rewrite-percentage', '100', 0, INT_MAX, true],
  ['cluster-replica-validity-factor', '10', 0, INT_MAX, true, ['cluster-slave-validity-factor']],
  ['list-max-listpack-size', '-2', INT_MIN, INT_MAX, true, ['list-max-ziplist-size']],
  ['tcp-keepalive', '300', 0, INT_MAX, true],
  ['cluster-migration-barrier', '1', 0, INT_MAX, true],
  ['active-defrag-cycle-min', '1', 1, 99, true],
  ['active-defrag-cycle-max', '25', 1, 99, true],
  ['active-defrag-threshold-lower', '10', 0, 1000, true],
  ['active-defrag-threshold-upper', '100', 0, 1000, true],
  ['lfu-log-factor', '10', 0, INT_MAX, true],
  ['lfu-decay-time', '1', 0, INT_MAX, true],
  ['replica-priority', '100', 0, INT_MAX, true, ['slave-priority']],
  ['repl-diskless-sync-delay', '5', 0, INT_MAX, true],
  ['maxmemory-samples', '5', 1, 64, true],
  ['maxmemory-eviction-tenacity', '10', 0, 100, true],
  ['timeout', '0', 0, INT_MAX, true],
  ['replica-announce-port', '0', 0, 65535, true, ['slave-announce-port']],
  ['tcp-backlog', '511', 0, INT_MAX, false],
  ['cluster-port', '0', 0, 65535, false],
  ['cluster-announce-bus-port', '0', 0, 65535, true],
  ['cluster-announce-port', '0', 0, 65535, true],
  ['cluster-announce-tls-port', '0', 0, 65535, true],
  ['repl-timeout', '60', 1, INT_MAX, true],
  ['repl-ping-replica-period', '10', 1, INT_MAX, true, ['repl-ping-slave-period']],
  ['list-compress-depth', '0', 0, INT_MAX, true],
  ['rdb-key-save-delay', '0', INT_MIN, INT_MAX, true],
  ['key-load-delay', '0', INT_MIN, INT_MAX, true],
  ['active-expire-effort', '1', 1, 10, true],
  ['hz', '10', 0, INT_MAX, true],
  ['min-replicas-to-write', '0', 0, INT_MAX, true, ['min-slaves-to-write']],
  ['min-replicas-max-lag', '10', 0, INT_MAX, true, ['min-slaves-max-lag']],
  ['watchdog-period', '0', 0, INT_MAX, true],
  ['shutdown-timeout', '10', 0, INT_MAX, true],
  ['repl-diskless-sync-max-replicas', '0', 0, INT_MAX, true],
  ['maxclients', '10000', 1, INT_MAX, true],
  ['tls-port', '0', 0, 65535, true],
  ['tls-session-cache-size', '20480', 0, INT_MAX, true],
  ['tls-session-cache-timeout', '300', 0, INT_MAX, true],
  ['hash-max-listpack-entries', '128', 0, LLONG_MAX, true, ['hash-max-ziplist-entries']],
  ['set-max-intset-entries', '512', 0, LLONG_MAX, true],
  ['zset-max-listpack-entries', '128', 0, LLONG_MAX, true, ['zset-max-ziplist-entries']],
  ['active-defrag-max-scan-fields', '1000', 1, LLONG_MAX, true],
  ['tracking-table-max-keys', '1000000', 0, LLONG_MAX, true],
  ['slowlog-log-slower-than', '10000', -1, LLONG_MAX, true],
  ['latency-monitor-threshold', '0', 0, LLONG_MAX, true],
  ['stream-node-max-entries', '100', 0, LLONG_MAX, true],
  ['repl-backlog-ttl', '3600', 0, LLONG_MAX, true],
  ['busy-reply-threshold', '5000', 0, LLONG_MAX, true, ['lua-time-limit']],
  ['cluster-node-timeout', '15000', 0, LLONG_MAX, true],
  ['slowlog-max-len', '128', 0, LLONG_MAX, true],
];

type M = [name: string, def: string, min: number, max: number, mutable: boolean, aliases?: string[]];
const memories: M[] = [
  ['maxmemory', '0', 0, LLONG_MAX, true],
  ['proto-max-bulk-len', '536870912', 1024 * 1024, LLONG_MAX, true],
  ['client-query-buffer-limit', '1073741824', 1024 * 1024, LLONG_MAX, true],
  ['repl-backlog-size', '1048576', 1, LLONG_MAX, true],
  ['active-defrag-ignore-bytes', '104857600', 1, LLONG_MAX, true],
  ['hash-max-listpack-value', '64', 0, LLONG_MAX, true, ['hash-max-ziplist-value']],
  ['stream-node-max-bytes', '4096', 0, LLONG_MAX, true],
  ['zset-max-listpack-value', '64', 0, LLONG_MAX, true, ['zset-max-ziplist-value']],
  ['hll-sparse-max-bytes', '3000', 0, LLONG_MAX, true],
  ['auto-aof-rewrite-min-size', '67108864', 0, LLONG_MAX, true],
  ['cluster-link-sendbuf-limit', '0', 0, LLONG_MAX, true],
];

/** A save point: `save <seconds> <changes>`. */
export interface SavePoint {
  seconds: number;
  changes: number;
}

/** Output buffer limit of one client class. */
export interface OutputLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}
export type OutputLimits = Record<'normal' | 'replica' | 'pubsub', OutputLimit>;

function parseSave(args: string[]): SavePoint[] {
  if (args.length === 1 && args[0] === '') return [];
  if (args.length === 0) return [];
  if (args.length % 2 !== 0) throw new Error('Invalid save parameters');
  const out: SavePoint[] = [];
  for (let i = 0; i < args.length; i += 2) {
    if (!/^\d+$/.test(args[i]) || !/^\d+$/.test(args[i + 1])) throw new Error('Invalid save parameters');
    out.push({ seconds: Number(args[i]), changes: Number(args[i + 1]) });
  }
  return out;
}

function parseOutputLimits(args: string[], base?: OutputLimits): OutputLimits {
  const out: OutputLimits = base
    ? { normal: { ...base.normal }, replica: { ...base.replica }, pubsub: { ...base.pubsub } }
    : { normal: { hard: 0, soft: 0, softSeconds: 0 }, replica: { hard: 0, soft: 0, softSeconds: 0 }, pubsub: { hard: 0, soft: 0, softSeconds: 0 } };
  if (args.length === 0 || args.length % 4 !== 0) throw new Error('Wrong number of arguments in buffer limit configuration.');
  for (let i = 0; i < args.length; i += 4) {
    const cls = args[i].toLowerCase();
    const key = cls === 'normal' ? 'normal' : cls === 'slave' || cls === 'replica' ? 'replica' : cls === 'pubsub' ? 'pubsub' : null;
    const hard = parseMemory(args[i + 1]);
    const soft = parseMemory(args[i + 2]);
    const secs = /^\d+$/.test(args[i + 3]) ? Number(args[i + 3]) : -1;
    if (key === null || hard === null || soft === null || secs < 0 || hard < 0 || soft < 0) throw new Error('Invalid client class specified in buffer limit configuration.');
    out[key] = { hard, soft, softSeconds: secs };
  }
  return out;
}


function special(
  name: string,
  def: string,
  mutable: boolean,
  parse: (args: string[], current: ConfigValue) => ConfigValue,
  format: (v: ConfigValue) => string,
  extra: Partial<ConfigDef> = {},
): ConfigDef {
  return { name, type: 'special', default: def, mutable, parse, format, ...extra };
}

const specials: ConfigDef[] = [
  special('save', '3600 1 300 100 60 10000', true, parseSave, (v) => (v as SavePoint[]).map((p) => `${p.seconds} ${p.changes}`).join(' '), {
    accumulate: true,
    rewriteLines: (v) => ((v as SavePoint[]).length === 0 ? ['save ""'] : (v as SavePoint[]).map((p) => `save ${p.seconds} ${p.changes}`)),
  }),
  special(
    'bind',
    '* -::*',
    true,
    (args) => {
      if (args.length === 0) throw new Error('wrong number of arguments');
      if (args.length > 16) throw new Error('Too many bind addresses specified.');
      return args;
    },
    (v) => (v as string[]).join(' '),
  ),
  special(
    'client-output-buffer-limit',
    'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
    true,
    (args, current) => parseOutputLimits(args, current as OutputLimits | undefined),
    (v) => {
      const o = v as OutputLimits;
      return `normal ${o.normal.hard} ${o.normal.soft} ${o.normal.softSeconds} slave ${o.replica.hard} ${o.replica.soft} ${o.replica.softSeconds} pubsub ${o.pubsub.hard} ${o.pubsub.soft} ${o.pubsub.softSeconds}`;
    },
    {
      rewriteLines: (v) => {
        const o = v as OutputLimits;
        return [
          `client-output-buffer-limit normal ${o.normal.hard} ${o.normal.soft} ${o.normal.softSeconds}`,
          `client-output-buffer-limit replica ${o.replica.hard} ${o.replica.soft} ${o.replica.softSeconds}`,
          `client-output-buffer-limit pubsub ${o.pubsub.hard} ${o.pubsub.soft} ${o.pubsub.softSeconds}`,
        ];
      },
    },
  ),
  special(
    'replicaof',
    '',
    false,
    (args) => {
      if (args.length === 0) return null;
      if (args.length !== 2) throw new Error('wrong number of arguments');
      if (args[0].toLowerCase() === 'no' && args[1].toLowerCase() === 'one') return null;
      if (!/^\d+$/.test(args[1]) || Number(args[1]) > 65535) throw new Error('Invalid master port');
      return { host: args[0], port: Number(args[1]) };
    },
    (v) => (v ? `${(v as { host: string }).host} ${(v as { port: number }).port}` : ''),
    { aliases: ['slaveof'], rewriteLines: (v) => (v ? [`replicaof ${(v as { host: string }).host} ${(v as { port: number }).port}`] : []) },
  ),
  special(
    'notify-keyspace-events',
    '',
    true,
    (args) => {
      if (args.length > 1) throw new Error('wrong number of arguments');
      const s = args[0] ?? '';
      if (!/^[KEg$lshzxeAtmdn]*$/.test(s)) throw new Error('Invalid event class character. Use \'Ag$lshzxeKEtmdn\'.');
      return s;
    },
    (v) => normalizeKeyspaceEvents(v as string),
  ),
  special(
    'oom-score-adj-values',
    '0 200 800',
    true,
    (args) => {
      if (args.length !== 3 || !args.every((a) => /^-?\d+$/.test(a) && Math.abs(Number(a)) <= 2000)) throw new Error('Invalid oom-score-adj-values');
      return args.map(Number);
    },
    (v) => (v as number[]).join(' '),
  ),
  special(
    'dir',
    './',
    true,
    (args) => {
      if (args.length !== 1) throw new Error('wrong number of arguments');
      return args[0];
    },
    (v) => String(v),
  ),
  special(
    'unixsocketperm',
    '0',
    false,
    (args) => {
      if (args.length !== 1 || !/^[0-7]+$/.test(args[0])) throw new Error('Invalid socket file permissions');
      return parseInt(args[0], 8);
    },
    (v) => (v as number).toString(8),
  ),
  special(
    'maxmemory-clients',
    '0',
    true,
    (args) => {
      if (args.length !== 1) throw new Error('wrong number of arguments');
      const a = args[0];
      if (a.endsWith('%')) return a;
      const n = parseMemory(a);
      if (n === null) throw new Error('argument must be a memory or percent value');
      return String(n);
    },
    (v) => String(v),
  ),
  special(
    'latency-tracking-info-percentiles',
    '50 99 99.9',
    true,
    (args) => {
      const nums = args.map(Number);
      if (nums.some((n) => !Number.isFinite(n) || n < 0 || n > 100)) throw new Error('latency-tracking-info-percentiles must be between 0.0 and 100.0');
      return nums;
    },
    (v) => (v as number[]).map((n) => String(n)).join(' '),
  ),
  special(
    'shutdown-on-sigint',
    'default',
    true,
    parseShutdownFlags,
    (v) => (v as string[]).join(' '),
  ),
  special(
    'shutdown-on-sigterm',
    'default',
    true,
    parseShutdownFlags,
    (v) => (v as string[]).join(' '),
  ),
  // directives accepted in the file only, kept for CONFIG REWRITE
  special('rename-command', '', false, (args) => args, (v) => (v as string[]).join(' '), { accumulate: true }),
  special('user', '', false, (args) => args, (v) => (v as string[]).join(' '), { accumulate: true }),
  special('loadmodule', '', false, (args) => args, (v) => (v as string[]).join(' '), { accumulate: true }),
];

function parseShutdownFlags(args: string[]): string[] {
  const allowed = ['default', 'save', 'nosave', 'now', 'force'];
  const l = args.map((a) => a.toLowerCase());
  if (l.length === 0 || l.some((a) => !allowed.includes(a))) throw new Error('argument(s) must be one of the following: default, save, nosave, now, force');
  return l;
}

/** Canonical form of notify-keyspace-events, as CONFIG GET prints it. */
export function normalizeKeyspaceEvents(s: string): string {
  let classes = '';
  const has = (c: string) => s.includes(c);
  const all = has('A');
  for (const c of ['g', '$', 'l', 's', 'h', 'z', 'x', 'e', 't']) if (all || has(c)) classes += c;
  if (has('m')) classes += 'm';
  if (has('n')) classes += 'n';
  if (all || (classes.includes('g') && classes.includes('$') && classes.includes('l') && classes.includes('s') && classes.includes('h') && classes.includes('z') && classes.includes('x') && classes.includes('e') && classes.includes('t'))) {
    classes = 'A' + classes.replace(/[g$lshzxet]/g, '');
  }
  let out = '';
  if (has('K')) out += 'K';
  if (has('E')) out += 'E';
  return classes === '' ? '' : classes + out;
}

/** The full schema. */
export const DIRECTIVES: ConfigDef[] = [
  ...bools.map(([name, def, mutable, aliases]): ConfigDef => ({ name, type: 'bool', default: def, mutable, aliases })),
  ...strings.map(([name, def, mutable, aliases, sensitive]): ConfigDef => ({ name, type: 'string', default: def, mutable, aliases, sensitive })),
  ...enums.map(([name, def, values, mutable, aliases]): ConfigDef => ({ name, type: 'enum', default: def, values, mutable, aliases })),
  ...ints.map(([name, def, min, max, mutable, aliases]): ConfigDef => ({ name, type: 'int', default: def, min, max, mutable, aliases })),
  ...memories.map(([name, def, min, max, mutable, aliases]): ConfigDef => ({ name, type: 'memory', default: def, min, max, mutable, aliases })),
  ...specials,
];
