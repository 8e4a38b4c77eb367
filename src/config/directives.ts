/**
 * Every Redis 7.0.15 directive (config.c's standardConfig table, TLS
 * included), declared as data: names and aliases, defaults, bounds, flags and
 * the special parse/format/rewrite rules, checked against redis-server
 * 7.0.15's CONFIG GET * and CONFIG SET errors.
 */
import { memtoull, strtollFull, type ConfigDef, type ConfigValue, type RewriteSink } from './schema';
import { sdsrepr } from './parse';

const INT_MAX = 2147483647n;
const INT_MIN = -2147483648n;
const UINT_MAX = 4294967295n;
const LONG_MAX = 9223372036854775807n;
const LLONG_MAX = LONG_MAX;
const ULLONG_MAX = 18446744073709551615n;

/** Flags of a table row: m = mutable (else immutable), p = protected, h = hidden, l = deny while loading, s = sensitive, n = empty string is NULL. */
type Flags = string;

function flagsOf(f: Flags): Partial<ConfigDef> & { mutable: boolean } {
  return {
    mutable: f.includes('m'),
    protected: f.includes('p') || undefined,
    hidden: f.includes('h') || undefined,
    denyLoading: f.includes('l') || undefined,
    sensitive: f.includes('s') || undefined,
    emptyIsNull: f.includes('n') || undefined,
  };
}

type B = readonly [name: string, def: 'yes' | 'no', flags: Flags, aliases?: readonly string[]];
// `as const` keeps each name (and enum values) literal for the typed settings (config/settings.ts)
const bools = [
  ['rdbchecksum', 'yes', ''],
  ['daemonize', 'no', ''],
  ['io-threads-do-reads', 'no', ''],
  ['always-show-logo', 'no', ''],
  ['protected-mode', 'yes', 'm'],
  ['rdbcompression', 'yes', 'm'],
  ['rdb-del-sync-files', 'no', 'm'],
  ['activerehashing', 'yes', 'm'],
  ['stop-writes-on-bgsave-error', 'yes', 'm'],
  ['set-proc-title', 'yes', ''],
  ['dynamic-hz', 'yes', 'm'],
  ['lazyfree-lazy-eviction', 'no', 'm'],
  ['lazyfree-lazy-expire', 'no', 'm'],
  ['lazyfree-lazy-server-del', 'no', 'm'],
  ['lazyfree-lazy-user-del', 'no', 'm'],
  ['lazyfree-lazy-user-flush', 'no', 'm'],
  ['repl-disable-tcp-nodelay', 'no', 'm'],
  ['repl-diskless-sync', 'yes', 'm'],
  ['aof-rewrite-incremental-fsync', 'yes', 'm'],
  ['no-appendfsync-on-rewrite', 'no', 'm'],
  ['cluster-require-full-coverage', 'yes', 'm'],
  ['rdb-save-incremental-fsync', 'yes', 'm'],
  ['aof-load-truncated', 'yes', 'm'],
  ['aof-use-rdb-preamble', 'yes', 'm'],
  ['aof-timestamp-enabled', 'no', 'm'],
  ['cluster-replica-no-failover', 'no', 'm', ['cluster-slave-no-failover']],
  ['replica-lazy-flush', 'no', 'm', ['slave-lazy-flush']],
  ['replica-serve-stale-data', 'yes', 'm', ['slave-serve-stale-data']],
  ['replica-read-only', 'yes', 'm', ['slave-read-only']],
  ['replica-ignore-maxmemory', 'yes', 'm', ['slave-ignore-maxmemory']],
  ['jemalloc-bg-thread', 'yes', 'm'],
  ['activedefrag', 'no', 'm'],
  ['syslog-enabled', 'no', ''],
  ['cluster-enabled', 'no', ''],
  ['appendonly', 'no', 'ml'],
  ['cluster-allow-reads-when-down', 'no', 'm'],
  ['cluster-allow-pubsubshard-when-down', 'yes', 'm'],
  ['crash-log-enabled', 'yes', 'm'],
  ['crash-memcheck-enabled', 'yes', 'm'],
  ['use-exit-on-panic', 'no', 'mh'],
  ['disable-thp', 'yes', ''],
  ['cluster-allow-replica-migration', 'yes', 'm'],
  ['replica-announced', 'yes', 'm'],
  ['latency-tracking', 'yes', 'm'],
  ['aof-disable-auto-gc', 'no', 'm'],
  ['replica-ignore-disk-write-errors', 'no', 'm'],
  ['tls-cluster', 'no', 'm'],
  ['tls-replication', 'no', 'm'],
  ['tls-prefer-server-ciphers', 'no', 'm'],
  ['tls-session-caching', 'yes', 'm'],
] as const satisfies readonly B[];

function isBaseName(v: string): boolean {
  return !v.includes('/');
}

const validators: Record<string, (v: ConfigValue) => string | null> = {
  dbfilename: (v) => (isBaseName(v as string) ? null : "dbfilename can't be a path, just a filename"),
  appendfilename: (v) => (v === '' ? "appendfilename can't be empty" : isBaseName(v as string) ? null : "appendfilename can't be a path, just a filename"),
  appenddirname: (v) => (v === '' ? "appenddirname can't be empty" : isBaseName(v as string) ? null : "appenddirname can't be a path, just a dirname"),
  'cluster-announce-hostname': (v) => {
    const s = v as string;
    if (s.length >= 256) return 'Hostnames must be less than 256 characters';
    return /^[A-Za-z0-9.-]*$/.test(s) ? null : 'Hostnames may only contain alphanumeric characters, hyphens or dots';
  },
  'proc-title-template': (v) => (validProcTitleTemplate(v as string) ? null : 'template format is invalid or contains unknown variables'),
};

/** validateProcTitleTemplate: `{var}` placeholders must be known, braces balanced, and {title} present. */
function validProcTitleTemplate(t: string): boolean {
  const known = new Set(['title', 'listen-addr', 'server-mode', 'port', 'tls-port', 'unixsocket', 'config-file']);
  let hasTitle = false;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '}') return false;
    if (t[i] !== '{') continue;
    const end = t.indexOf('}', i + 1);
    if (end < 0) return false;
    const v = t.slice(i + 1, end);
    if (!known.has(v)) return false;
    if (v === 'title') hasTitle = true;
    i = end;
  }
  return hasTitle && t.trim() === t;
}

type S = readonly [name: string, def: string, flags: Flags, aliases?: readonly string[]];
const strings = [
  ['aclfile', '', ''],
  ['unixsocket', '', 'n'],
  ['http-bind', '127.0.0.1', 'h'],
  ['pidfile', '', 'n'],
  ['replica-announce-ip', '', 'mn', ['slave-announce-ip']],
  ['masteruser', '', 'msn'],
  ['cluster-announce-ip', '', 'mn'],
  ['cluster-config-file', 'nodes.conf', ''],
  ['cluster-announce-hostname', '', 'mn'],
  ['syslog-ident', 'redis', ''],
  ['dbfilename', 'dump.rdb', 'mp'],
  ['appendfilename', 'appendonly.aof', ''],
  ['appenddirname', 'appendonlydir', ''],
  ['server_cpulist', '', 'n'],
  ['bio_cpulist', '', 'n'],
  ['aof_rewrite_cpulist', '', 'n'],
  ['bgsave_cpulist', '', 'n'],
  ['ignore-warnings', '', 'm'],
  ['proc-title-template', '{title} {listen-addr} {server-mode}', 'm'],
  ['bind-source-addr', '', 'mn'],
  ['logfile', '', ''],
  ['masterauth', '', 'msn'],
  ['requirepass', '', 'msn'],
  ['tls-cert-file', '', 'mn'],
  ['tls-key-file', '', 'mn'],
  ['tls-key-file-pass', '', 'msn'],
  ['tls-client-cert-file', '', 'mn'],
  ['tls-client-key-file', '', 'mn'],
  ['tls-client-key-file-pass', '', 'msn'],
  ['tls-dh-params-file', '', 'mn'],
  ['tls-ca-cert-file', '', 'mn'],
  ['tls-ca-cert-dir', '', 'mn'],
  ['tls-protocols', '', 'mn'],
  ['tls-ciphers', '', 'mn'],
  ['tls-ciphersuites', '', 'mn'],
] as const satisfies readonly S[];

type E = readonly [name: string, def: string, values: readonly string[], flags: Flags, synonyms?: Readonly<Record<string, string>>];
const enums = [
  ['supervised', 'no', ['upstart', 'systemd', 'auto', 'no'], ''],
  ['syslog-facility', 'local0', ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], ''],
  ['repl-diskless-load', 'disabled', ['disabled', 'on-empty-db', 'swapdb'], 'ml'],
  ['loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning'], 'm'],
  ['maxmemory-policy', 'noeviction', ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'], 'm'],
  ['appendfsync', 'everysec', ['everysec', 'always', 'no'], 'm'],
  ['oom-score-adj', 'no', ['no', 'yes', 'relative', 'absolute'], 'm', { relative: 'yes' }],
  ['acl-pubsub-default', 'resetchannels', ['allchannels', 'resetchannels'], 'm'],
  ['sanitize-dump-payload', 'no', ['no', 'yes', 'clients'], 'm'],
  ['enable-protected-configs', 'no', ['no', 'yes', 'local'], ''],
  ['enable-debug-command', 'no', ['no', 'yes', 'local'], ''],
  ['enable-module-command', 'no', ['no', 'yes', 'local'], ''],
  ['cluster-preferred-endpoint-type', 'ip', ['ip', 'hostname', 'unknown-endpoint'], 'm'],
  ['propagation-error-behavior', 'ignore', ['ignore', 'panic', 'panic-on-replicas'], 'm'],
  ['tls-auth-clients', 'yes', ['no', 'yes', 'optional'], 'm'],
] as const satisfies readonly E[];

/** Numeric rows: kind i = integer, u = unsigned integer, mem = memory (signed), umem = memory (unsigned), pct = memory or percent, oct = octal. */
type N = readonly [name: string, def: string, min: bigint, max: bigint, flags: Flags, kind: 'i' | 'u' | 'mem' | 'umem' | 'pct' | 'oct', aliases?: readonly string[]];
const numerics = [
  ['databases', '16', 1n, INT_MAX, '', 'i'],
  ['port', '6379', 0n, 65535n, 'm', 'i'],
  // tredis-only (src/http): hidden, so CONFIG GET * lists what redis-server lists
  ['http-port', '0', 0n, 65535n, 'h', 'i'],
  ['io-threads', '1', 1n, 128n, '', 'i'],
  ['auto-aof-rewrite-percentage', '100', 0n, INT_MAX, 'm', 'i'],
  ['cluster-replica-validity-factor', '10', 0n, INT_MAX, 'm', 'i', ['cluster-slave-validity-factor']],
  ['list-max-listpack-size', '-2', INT_MIN, INT_MAX, 'm', 'i', ['list-max-ziplist-size']],
  ['tcp-keepalive', '300', 0n, INT_MAX, 'm', 'i'],
  ['cluster-migration-barrier', '1', 0n, INT_MAX, 'm', 'i'],
  ['active-defrag-cycle-min', '1', 1n, 99n, 'm', 'i'],
  ['active-defrag-cycle-max', '25', 1n, 99n, 'm', 'i'],
  ['active-defrag-threshold-lower', '10', 0n, 1000n, 'm', 'i'],
  ['active-defrag-threshold-upper', '100', 0n, 1000n, 'm', 'i'],
  ['lfu-log-factor', '10', 0n, INT_MAX, 'm', 'i'],
  ['lfu-decay-time', '1', 0n, INT_MAX, 'm', 'i'],
  ['replica-priority', '100', 0n, INT_MAX, 'm', 'i', ['slave-priority']],
  ['repl-diskless-sync-delay', '5', 0n, INT_MAX, 'm', 'i'],
  ['maxmemory-samples', '5', 1n, INT_MAX, 'm', 'i'],
  ['maxmemory-eviction-tenacity', '10', 0n, 100n, 'm', 'i'],
  ['timeout', '0', 0n, INT_MAX, 'm', 'i'],
  ['replica-announce-port', '0', 0n, 65535n, 'm', 'i', ['slave-announce-port']],
  ['tcp-backlog', '511', 0n, INT_MAX, '', 'i'],
  ['cluster-port', '0', 0n, 65535n, '', 'i'],
  ['cluster-announce-bus-port', '0', 0n, 65535n, 'm', 'i'],
  ['cluster-announce-port', '0', 0n, 65535n, 'm', 'i'],
  ['cluster-announce-tls-port', '0', 0n, 65535n, 'm', 'i'],
  ['repl-timeout', '60', 1n, INT_MAX, 'm', 'i'],
  ['repl-ping-replica-period', '10', 1n, INT_MAX, 'm', 'i', ['repl-ping-slave-period']],
  ['list-compress-depth', '0', 0n, INT_MAX, 'm', 'i'],
  ['rdb-key-save-delay', '0', INT_MIN, INT_MAX, 'mh', 'i'],
  ['key-load-delay', '0', INT_MIN, INT_MAX, 'mh', 'i'],
  ['active-expire-effort', '1', 1n, 10n, 'm', 'i'],
  ['hz', '10', 0n, INT_MAX, 'm', 'i'],
  ['min-replicas-to-write', '0', 0n, INT_MAX, 'm', 'i', ['min-slaves-to-write']],
  ['min-replicas-max-lag', '10', 0n, INT_MAX, 'm', 'i', ['min-slaves-max-lag']],
  ['watchdog-period', '0', 0n, INT_MAX, 'mh', 'i'],
  ['shutdown-timeout', '10', 0n, INT_MAX, 'm', 'i'],
  ['repl-diskless-sync-max-replicas', '0', 0n, INT_MAX, 'm', 'i'],
  ['maxclients', '10000', 1n, UINT_MAX, 'm', 'u'],
  ['unixsocketperm', '0', 0n, 0o777n, '', 'oct'],
  ['socket-mark-id', '0', 0n, UINT_MAX, '', 'u'],
  ['active-defrag-max-scan-fields', '1000', 1n, LONG_MAX, 'm', 'u'],
  ['slowlog-max-len', '128', 0n, LONG_MAX, 'm', 'u'],
  ['acllog-max-len', '128', 0n, LONG_MAX, 'm', 'u'],
  ['busy-reply-threshold', '5000', 0n, LONG_MAX, 'm', 'i', ['lua-time-limit']],
  ['cluster-node-timeout', '15000', 0n, LLONG_MAX, 'm', 'i'],
  ['slowlog-log-slower-than', '10000', -1n, LLONG_MAX, 'm', 'i'],
  ['latency-monitor-threshold', '0', 0n, LLONG_MAX, 'm', 'i'],
  ['proto-max-bulk-len', '536870912', 1024n * 1024n, LONG_MAX, 'm', 'mem'],
  ['stream-node-max-entries', '100', 0n, LLONG_MAX, 'm', 'i'],
  ['repl-backlog-size', '1048576', 1n, LLONG_MAX, 'm', 'mem'],
  ['maxmemory', '0', 0n, ULLONG_MAX, 'm', 'umem'],
  ['cluster-link-sendbuf-limit', '0', 0n, ULLONG_MAX, 'm', 'umem'],
  ['hash-max-listpack-entries', '512', 0n, LONG_MAX, 'm', 'u', ['hash-max-ziplist-entries']],
  ['set-max-intset-entries', '512', 0n, LONG_MAX, 'm', 'u'],
  ['zset-max-listpack-entries', '128', 0n, LONG_MAX, 'm', 'u', ['zset-max-ziplist-entries']],
  ['active-defrag-ignore-bytes', '104857600', 1n, LLONG_MAX, 'm', 'umem'],
  ['hash-max-listpack-value', '64', 0n, LONG_MAX, 'm', 'umem', ['hash-max-ziplist-value']],
  ['stream-node-max-bytes', '4096', 0n, LONG_MAX, 'm', 'umem'],
  ['zset-max-listpack-value', '64', 0n, LONG_MAX, 'm', 'umem', ['zset-max-ziplist-value']],
  ['hll-sparse-max-bytes', '3000', 0n, LONG_MAX, 'm', 'umem'],
  ['tracking-table-max-keys', '1000000', 0n, LONG_MAX, 'm', 'u'],
  ['client-query-buffer-limit', '1073741824', 1024n * 1024n, LONG_MAX, 'm', 'umem'],
  ['maxmemory-clients', '0', -100n, LONG_MAX, 'm', 'pct'],
  ['repl-backlog-ttl', '3600', 0n, LONG_MAX, 'm', 'i'],
  ['auto-aof-rewrite-min-size', '67108864', 0n, LLONG_MAX, 'm', 'mem'],
  ['loading-process-events-interval-bytes', '2097152', 1024n, INT_MAX, 'mh', 'i'],
  ['tls-port', '0', 0n, 65535n, 'm', 'i'],
  ['tls-session-cache-size', '20480', 0n, INT_MAX, 'm', 'i'],
  ['tls-session-cache-timeout', '300', 0n, INT_MAX, 'm', 'i'],
] as const satisfies readonly N[];

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

/** The host and port of `replicaof` (null: this is a master). */
export interface ReplicaOf {
  host: string;
  port: number;
}

/** rewriteConfigFormatMemory: the largest of gb/mb/kb that divides the value. */
export function formatMemoryForRewrite(bytes: number): string {
  const gb = 1024 * 1024 * 1024;
  const mb = 1024 * 1024;
  if (bytes && bytes % gb === 0) return `${bytes / gb}gb`;
  if (bytes && bytes % mb === 0) return `${bytes / mb}mb`;
  if (bytes && bytes % 1024 === 0) return `${bytes / 1024}kb`;
  return String(bytes);
}

/** setConfigSaveOption: pairs of seconds (>= 1) and changes (>= 0); "" or nothing clears. */
function parseSave(args: string[]): SavePoint[] {
  if (args.length === 1 && args[0] === '') args = [];
  if (args.length % 2 !== 0) throw new Error('Invalid save parameters');
  const out: SavePoint[] = [];
  for (let i = 0; i < args.length; i += 2) {
    const s = strtollFull(args[i]);
    const c = strtollFull(args[i + 1]);
    if (s === null || c === null || s < 1n || c < 0n) throw new Error('Invalid save parameters');
    out.push({ seconds: Number(s), changes: Number(c) });
  }
  return out;
}

const OBUF_DEFAULTS: OutputLimits = {
  normal: { hard: 0, soft: 0, softSeconds: 0 },
  replica: { hard: 268435456, soft: 67108864, softSeconds: 60 },
  pubsub: { hard: 33554432, soft: 8388608, softSeconds: 60 },
};

/** updateClientOutputBufferLimit: groups of `<class> <hard> <soft> <soft_seconds>`; classes not named keep their value. */
function parseOutputLimits(args: string[], base?: OutputLimits): OutputLimits {
  const cur = base ?? OBUF_DEFAULTS;
  const out: OutputLimits = { normal: { ...cur.normal }, replica: { ...cur.replica }, pubsub: { ...cur.pubsub } };
  if (args.length % 4 !== 0) throw new Error('Wrong number of arguments in buffer limit configuration.');
  for (let i = 0; i < args.length; i += 4) {
    const cls = args[i].toLowerCase();
    const key = cls === 'normal' ? 'normal' : cls === 'slave' || cls === 'replica' ? 'replica' : cls === 'pubsub' ? 'pubsub' : null;
    if (key === null) throw new Error('Invalid client class specified in buffer limit configuration.');
    const hard = memtoull(args[i + 1]);
    const soft = memtoull(args[i + 2]);
    const secs = /^-?\d+$/.test(args[i + 3]) ? Number(args[i + 3]) : -1;
    if (hard === null || soft === null || secs < 0) throw new Error('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
    out[key] = { hard: Number(hard), soft: Number(soft), softSeconds: secs };
  }
  return out;
}

/**
 * keyspaceEventsStringToFlags: the canonical class string ("KEA" -> "AKE").
 * keyspaceEventsFlagsToString prints 'n' only without 'A': see displayKeyspaceEvents.
 */
export function normalizeKeyspaceEvents(s: string): string {
  for (const ch of s) if (!'AgKE$lshzxetmdn'.includes(ch)) throw new Error("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  const has = (c: string) => s.includes(c);
  const classes = ['g', '$', 'l', 's', 'h', 'z', 'x', 'e', 't', 'd'];
  const set = new Set(classes.filter((c) => has('A') || has(c)));
  let out = '';
  // 'A' stands for every class; the stored form keeps 'n' after it so new-key events still fire
  if (set.size === classes.length) out = has('n') ? 'An' : 'A';
  else {
    for (const c of classes) if (set.has(c)) out += c;
    if (has('n')) out += 'n';
  }
  if (has('K')) out += 'K';
  if (has('E')) out += 'E';
  if (has('m')) out += 'm';
  return out;
}

/** keyspaceEventsFlagsToString of a canonical value: 'n' is not printed next to 'A'. */
export function displayKeyspaceEvents(v: string): string {
  return v.startsWith('An') ? 'A' + v.slice(2) : v;
}

/** "%f" then trimDoubleString: 99.9 -> "99.9", 50 -> "50". */
function trimDouble(d: number): string {
  let s = d.toFixed(6);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

/** string2d: a whole-string strtod, no NaN. */
function string2d(s: string): number | null {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) && !/^[+-]?(inf|infinity)$/i.test(s)) return null;
  const v = s.toLowerCase().includes('inf') ? (s.startsWith('-') ? -Infinity : Infinity) : Number(s);
  return Number.isNaN(v) ? null : v;
}

/** The stored value of each special directive (what its parse returns), for the typed settings. */
export interface SpecialTypes {
  dir: string;
  save: SavePoint[];
  'client-output-buffer-limit': OutputLimits;
  'oom-score-adj-values': number[];
  'notify-keyspace-events': string;
  bind: string[];
  replicaof: ReplicaOf | null;
  'latency-tracking-info-percentiles': number[];
}

/** A special directive whose parse/format/rewrite are checked against its SpecialTypes entry. */
function special<K extends keyof SpecialTypes>(
  name: K,
  def: string,
  flags: Flags,
  parse: (args: string[], current: SpecialTypes[K] | undefined, loading: boolean) => SpecialTypes[K],
  format: (v: SpecialTypes[K]) => string,
  rewrite: (v: SpecialTypes[K], sink: RewriteSink, def: ConfigDef) => void,
  extra: Omit<Partial<ConfigDef>, 'name'> = {},
): ConfigDef & { name: K } {
  // the store holds this directive's values only, so its functions see SpecialTypes[K]
  const untyped = { parse, format, rewrite } as Pick<ConfigDef, 'parse' | 'format' | 'rewrite'>;
  return { type: 'special', default: def, ...flagsOf(flags), ...untyped, ...extra, name };
}

const specials = [
  special(
    'dir',
    './',
    'mpl',
    (args) => {
      if (args.length !== 1) throw new Error('wrong number of arguments');
      return args[0];
    },
    (v) => String(v),
    // rewriteConfigDirOption: always the absolute directory
    (v, sink) => sink.line('dir', `dir ${sdsrepr(String(v))}`, true),
  ),
  special(
    'save',
    '3600 1 300 100 60 10000',
    'm',
    parseSave,
    (v) => (v as SavePoint[]).map((p) => `${p.seconds} ${p.changes}`).join(' '),
    (v, sink) => {
      const pts = v as SavePoint[];
      if (pts.length === 0) sink.line('save', 'save ""', true);
      else for (const p of pts) sink.line('save', `save ${p.seconds} ${p.changes}`, true);
      sink.markProcessed('save');
    },
    { multiArg: true },
  ),
  special(
    'client-output-buffer-limit',
    'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
    'm',
    (args, current) => parseOutputLimits(args, current as OutputLimits | undefined),
    (v) => {
      const o = v as OutputLimits;
      return `normal ${o.normal.hard} ${o.normal.soft} ${o.normal.softSeconds} slave ${o.replica.hard} ${o.replica.soft} ${o.replica.softSeconds} pubsub ${o.pubsub.hard} ${o.pubsub.soft} ${o.pubsub.softSeconds}`;
    },
    (v, sink) => {
      const o = v as OutputLimits;
      for (const [cls, name] of [
        ['normal', 'normal'],
        ['replica', 'replica'],
        ['pubsub', 'pubsub'],
      ] as const) {
        const l = o[cls];
        const d = OBUF_DEFAULTS[cls];
        const force = l.hard !== d.hard || l.soft !== d.soft || l.softSeconds !== d.softSeconds;
        sink.line('client-output-buffer-limit', `client-output-buffer-limit ${name} ${formatMemoryForRewrite(l.hard)} ${formatMemoryForRewrite(l.soft)} ${l.softSeconds}`, force);
      }
    },
    { multiArg: true },
  ),
  special(
    'oom-score-adj-values',
    '0 200 800',
    'm',
    (args) => {
      if (args.length !== 3) throw new Error('wrong number of arguments');
      return args.map((a) => {
        const n = strtollFull(a);
        if (n === null || n < -2000n || n > 2000n) throw new Error('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
        return Number(n);
      });
    },
    (v) => (v as number[]).join(' '),
    (v, sink) => {
      const a = v as number[];
      const force = a[0] !== 0 || a[1] !== 200 || a[2] !== 800;
      sink.line('oom-score-adj-values', `oom-score-adj-values ${a.join(' ')}`, force);
    },
    { multiArg: true },
  ),
  special(
    'notify-keyspace-events',
    '""',
    'm',
    (args) => {
      if (args.length !== 1) throw new Error('wrong number of arguments');
      return normalizeKeyspaceEvents(args[0]);
    },
    (v) => displayKeyspaceEvents(String(v)),
    (v, sink) => sink.line('notify-keyspace-events', `notify-keyspace-events ${sdsrepr(displayKeyspaceEvents(String(v)))}`, v !== ''),
  ),
  special(
    'bind',
    '* -::*',
    'm',
    (args) => {
      if (args.length > 16) throw new Error('Too many bind addresses specified.');
      if (args.length === 1 && args[0] === '') return [];
      return args.slice();
    },
    (v) => (v as string[]).join(' '),
    (v, sink) => {
      const b = v as string[];
      if (b.length === 2 && b[0] === '*' && b[1] === '-::*') {
        sink.markProcessed('bind');
        return;
      }
      sink.line('bind', `bind ${b.length > 0 ? b.join(' ') : '""'}`, true);
    },
    { multiArg: true },
  ),
  special(
    'replicaof',
    '',
    '',
    (args) => {
      if (args.length === 0) return null;
      if (args.length !== 2) throw new Error('wrong number of arguments');
      if (args[0].toLowerCase() === 'no' && args[1].toLowerCase() === 'one') return null;
      const port = /^[ \t]*[+-]?\d+$/.test(args[1]) ? Number(args[1]) : NaN;
      if (!(port >= 0 && port <= 65535)) throw new Error('Invalid master port');
      return { host: args[0], port } satisfies ReplicaOf;
    },
    (v) => (v ? `${(v as ReplicaOf).host} ${(v as ReplicaOf).port}` : ''),
    (v, sink) => {
      if (!v) sink.markProcessed('replicaof');
      else sink.line('replicaof', `replicaof ${(v as ReplicaOf).host} ${(v as ReplicaOf).port}`, true);
    },
    { aliases: ['slaveof'], multiArg: true },
  ),
  special(
    'latency-tracking-info-percentiles',
    '50 99 99.9',
    'm',
    (args) => {
      if (args.length === 1 && args[0] === '') return [];
      return args.map((a) => {
        const d = string2d(a);
        if (d === null) throw new Error('Invalid latency-tracking-info-percentiles parameters');
        if (d > 100 || d < 0) throw new Error('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
        return d;
      });
    },
    (v) => (v as number[]).map(trimDouble).join(' '),
    (v, sink) => {
      const a = v as number[];
      sink.line('latency-tracking-info-percentiles', `latency-tracking-info-percentiles${a.length === 0 ? ' ""' : a.map((d) => ' ' + trimDouble(d)).join('')}`, true);
    },
    { multiArg: true },
  ),
];

const SHUTDOWN_FLAGS = ['default', 'save', 'nosave', 'now', 'force'] as const;
/** A flag of shutdown-on-sigint / shutdown-on-sigterm as stored ("default" is the empty list). */
export type ShutdownFlag = Exclude<(typeof SHUTDOWN_FLAGS)[number], 'default'>;
const SHUTDOWN_DIRECTIVES = ['shutdown-on-sigint', 'shutdown-on-sigterm'] as const;
function shutdownFlagsValid(v: ConfigValue): string | null {
  const f = v as string[];
  return f.includes('save') && f.includes('nosave') ? "shutdown options SAVE and NOSAVE can't be used simultaneously" : null;
}

/** The full schema. */
export const DIRECTIVES: ConfigDef[] = [
  ...bools.map(([name, def, flags, aliases]): ConfigDef => ({ name, type: 'bool', default: def, ...flagsOf(flags), aliases })),
  ...strings.map(([name, def, flags, aliases]): ConfigDef => ({ name, type: 'string', default: def, ...flagsOf(flags), aliases, validate: validators[name] })),
  ...enums.map(([name, def, values, flags, synonyms]): ConfigDef => ({ name, type: 'enum', default: def, values, synonyms, ...flagsOf(flags) })),
  ...SHUTDOWN_DIRECTIVES.map(
    (name): ConfigDef => ({ name, type: 'enum', default: 'default', values: SHUTDOWN_FLAGS, flagsEnum: true, multiArg: true, mutable: true, validate: shutdownFlagsValid }),
  ),
  ...numerics.map(([name, def, min, max, flags, kind, aliases]): ConfigDef => ({
    name,
    type: kind === 'mem' || kind === 'umem' || kind === 'pct' ? 'memory' : 'int',
    default: def,
    min,
    max,
    unsigned: kind === 'u' || kind === 'umem' || kind === 'oct' || undefined,
    percent: kind === 'pct' || undefined,
    octal: kind === 'oct' || undefined,
    // Redis accepts any hz but runs (and reports) it within CONFIG_MIN_HZ..CONFIG_MAX_HZ
    clamp: name === 'hz' ? ([1, 500] as [number, number]) : undefined,
    ...flagsOf(flags),
    aliases,
  })),
  ...specials,
];

type Flat<T> = { [K in keyof T]: T[K] };
/** Names an enum row reads back as another name (oom-score-adj's relative): never stored. */
type SynonymsOf<R> = R extends readonly [unknown, unknown, unknown, unknown, infer Syn] ? keyof Syn : never;

/**
 * The stored type of every directive, by name, derived from the tables above
 * (they are `as const`): bool -> boolean, string -> string (bytes as latin1),
 * enum -> the union of its names, int/memory -> number, specials -> their
 * SpecialTypes entry. config/settings.ts turns the names into camelCase.
 */
export type DirectiveTypes = Flat<
  { [R in (typeof bools)[number] as R[0]]: boolean } & { [R in (typeof strings)[number] as R[0]]: string } & {
    [R in (typeof enums)[number] as R[0]]: Exclude<R[2][number], SynonymsOf<R>>;
  } & { [K in (typeof SHUTDOWN_DIRECTIVES)[number]]: ShutdownFlag[] } & { [R in (typeof numerics)[number] as R[0]]: number } & {
    [K in (typeof specials)[number]['name']]: SpecialTypes[K];
  }
>;

/** Rewrite a plain (non-special) directive as config.c's *ConfigRewrite functions do. */
export function rewritePlain(d: ConfigDef, v: ConfigValue, dflt: ConfigValue, sink: RewriteSink): void {
  switch (d.type) {
    case 'bool':
      sink.line(d.name, `${d.name} ${v ? 'yes' : 'no'}`, v !== dflt);
      return;
    case 'enum': {
      const text = d.flagsEnum ? ((v as string[]).length ? (v as string[]).join(' ') : d.values![0]) : String(v);
      const dtext = d.flagsEnum ? ((dflt as string[]).length ? (dflt as string[]).join(' ') : d.values![0]) : String(dflt);
      sink.line(d.name, `${d.name} ${text}`, text !== dtext);
      return;
    }
    case 'string': {
      const s = v as string;
      if (d.emptyIsNull && s === '') {
        sink.markProcessed(d.name);
        return;
      }
      // a NULL default (emptyIsNull) never equals a set value
      const force = d.emptyIsNull ? true : s !== dflt;
      sink.line(d.name, `${d.name} ${sdsrepr(s)}`, force);
      return;
    }
    case 'int':
    case 'memory': {
      const n = v as number;
      const force = n !== dflt;
      let text: string;
      if (d.percent && n < 0) text = `${-n}%`;
      else if (d.type === 'memory') text = formatMemoryForRewrite(n);
      else if (d.octal) text = n.toString(8);
      else text = Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
      sink.line(d.name, `${d.name} ${text}`, force);
      return;
    }
    default:
      return;
  }
}
