/**
 * INFO, assembled from sections in Redis 7.0's order (genRedisInfoString):
 * server, clients, memory, persistence, stats, replication, cpu, modules,
 * commandstats, errorstats, latencystats, cluster, keyspace. The
 * persistence and replication parts assemble their own sections; the others
 * are read here from the server's fields. Lines end in CRLF, each section starts with `# Name`, and
 * sections are separated by an empty line.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { Server } from '../server/server';
import type { Command } from '../commands/spec';
import { memoryStats, bytesToHuman } from './memory';
import { REDIS_VERSION, tredisVersion } from '../version';

/** The lines of one section: `name:value`. */
export type InfoFields = Array<[string, string | number]>;

/** Every section in output order, with its header and whether bare INFO / INFO default shows it. */
const SECTIONS: Array<{ name: string; title: string; isDefault: boolean }> = [
  { name: 'server', title: 'Server', isDefault: true },
  { name: 'clients', title: 'Clients', isDefault: true },
  { name: 'memory', title: 'Memory', isDefault: true },
  { name: 'persistence', title: 'Persistence', isDefault: true },
  { name: 'stats', title: 'Stats', isDefault: true },
  { name: 'replication', title: 'Replication', isDefault: true },
  { name: 'cpu', title: 'CPU', isDefault: true },
  { name: 'modules', title: 'Modules', isDefault: true },
  { name: 'commandstats', title: 'Commandstats', isDefault: false },
  { name: 'errorstats', title: 'Errorstats', isDefault: true },
  { name: 'latencystats', title: 'Latencystats', isDefault: false },
  { name: 'cluster', title: 'Cluster', isDefault: true },
  { name: 'keyspace', title: 'Keyspace', isDefault: true },
];

/**
 * The set of sections INFO's arguments ask for (genInfoSectionDict): none or
 * `default` -> the default ones, `all` -> every section, `everything` ->
 * every section (modules' own sections too), anything else by name,
 * case-insensitive; `module_list` is another name of `modules`; unknown
 * names are ignored.
 */
export function infoSectionsFor(args: string[]): Set<string> {
  const out = new Set<string>();
  const want = args.length === 0 ? ['default'] : args.map((a) => a.toLowerCase());
  for (const a of want) {
    if (a === 'default') for (const s of SECTIONS) s.isDefault && out.add(s.name);
    else if (a === 'all' || a === 'everything') for (const s of SECTIONS) out.add(s.name);
    else if (a === 'module_list') out.add('modules');
    else out.add(a);
  }
  return out;
}

/** Format: INFO [section [section ...]] -> the text (CRLF line ends). */
export function genInfoString(server: Server, args: string[]): string {
  const want = infoSectionsFor(args);
  let out = '';
  for (const s of SECTIONS) {
    if (!want.has(s.name)) continue;
    const fields = sectionFields(server, s.name);
    if (out.length) out += '\r\n';
    out += `# ${s.title}\r\n`;
    for (const [k, v] of fields) out += `${k}:${v}\r\n`;
  }
  return out;
}

/** The fields of one section. */
export function sectionFields(server: Server, name: string): InfoFields {
  switch (name) {
    case 'server':
      return serverSection(server);
    case 'clients':
      return clientsSection(server);
    case 'memory':
      return memorySection(server);
    case 'persistence':
      return server.persistence.info();
    case 'stats':
      return statsSection(server);
    case 'replication':
      return server.replication.info();
    case 'cpu':
      return cpuSection();
    case 'commandstats':
      return commandStatsSection(server);
    case 'errorstats':
      return errorStatsSection(server);
    case 'latencystats':
      return latencyStatsSection(server);
    case 'cluster':
      return [['cluster_enabled', 0]];
    case 'keyspace':
      return keyspaceSection(server);
    default:
      return [];
  }
}

/** The hz the cron runs at (Redis clamps configured hz to 1..500). */
export function effectiveHz(server: Server): number {
  return Math.min(500, Math.max(1, server.config.settings.hz));
}

/** redis_build_id: a stable id for this build. */
const BUILD_ID = 'b7e1d3a5c9f02468';

function serverSection(s: Server): InfoFields {
  const now = s.now();
  const uptime = Math.floor((now - s.startTime) / 1000);
  const machine = typeof os.machine === 'function' ? os.machine() : process.arch;
  const exe = process.argv[1] ? path.resolve(process.argv[1]) : process.execPath;
  return [
    ['redis_version', REDIS_VERSION],
    ['tredis_version', tredisVersion()],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', BUILD_ID],
    ['redis_mode', 'standalone'],
    ['os', `${os.type()} ${os.release()} ${machine}`],
    ['arch_bits', 64],
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', 'epoll'],
    ['atomicvar_api', 'c11-builtin'],
    ['gcc_version', '0.0.0'],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', s.runId],
    ['tcp_port', s.port],
    ['server_time_usec', now * 1000 + (Number(process.hrtime.bigint() / 1000n) % 1000)],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', effectiveHz(s)],
    ['configured_hz', s.config.settings.hz],
    ['lru_clock', Math.floor(now / 1000) & 0xffffff],
    ['executable', exe],
    ['config_file', s.config.file ?? ''],
    ['io_threads_active', 0],
  ];
}

function clientsSection(s: Server): InfoFields {
  let maxIn = 0;
  let maxOut = 0;
  let replicas = 0;
  let timeoutTable = 0;
  for (const c of s.clients.values()) {
    if (c.isReplica) replicas++;
    maxIn = Math.max(maxIn, c.parser.pending);
    maxOut = Math.max(maxOut, c.outputBytes);
  }
  let blocked = 0;
  for (const c of s.blocking.blockedClients) {
    if (c.blocked === null || c.blocked.kind === 'pause') continue;
    blocked++;
    if (c.blocked.timeoutAt > 0) timeoutTable++;
  }
  return [
    ['connected_clients', s.clients.size - replicas],
    ['cluster_connections', 0],
    ['maxclients', s.config.settings.maxclients],
    ['client_recent_max_input_buffer', maxIn],
    ['client_recent_max_output_buffer', maxOut],
    ['blocked_clients', blocked],
    ['tracking_clients', s.tracking.clients],
    ['clients_in_timeout_table', timeoutTable],
  ];
}

function pct(a: number, b: number): string {
  return b === 0 ? '0.00' : ((a * 100) / b).toFixed(2);
}

function memorySection(s: Server): InfoFields {
  const m = memoryStats(s);
  const maxmemory = s.config.settings.maxmemory;
  const lua = s.scripting.luaMemory();
  const fnMem = s.scripting.functionsMemory();
  return [
    ['used_memory', m.used],
    ['used_memory_human', bytesToHuman(m.used)],
    ['used_memory_rss', m.rss],
    ['used_memory_rss_human', bytesToHuman(m.rss)],
    ['used_memory_peak', m.peak],
    ['used_memory_peak_human', bytesToHuman(m.peak)],
    ['used_memory_peak_perc', `${pct(m.used, m.peak)}%`],
    ['used_memory_overhead', m.overhead],
    ['used_memory_startup', m.startup],
    ['used_memory_dataset', m.dataset],
    ['used_memory_dataset_perc', `${pct(m.dataset, m.used - m.startup)}%`],
    ['allocator_allocated', m.allocated],
    ['allocator_active', m.active],
    ['allocator_resident', m.rss],
    ['total_system_memory', os.totalmem()],
    ['total_system_memory_human', bytesToHuman(os.totalmem())],
    ['used_memory_lua', lua],
    ['used_memory_vm_eval', lua],
    ['used_memory_lua_human', bytesToHuman(lua)],
    ['used_memory_scripts_eval', s.scripting.scriptsMemory],
    ['number_of_cached_scripts', s.scripting.scripts.size],
    ['number_of_functions', s.scripting.functions.functionCount],
    ['number_of_libraries', s.scripting.functions.libraryCount],
    ['used_memory_vm_functions', fnMem],
    ['used_memory_vm_total', lua + fnMem],
    ['used_memory_vm_total_human', bytesToHuman(lua + fnMem)],
    ['used_memory_functions', 184],
    ['used_memory_scripts', 184 + s.scripting.scriptsMemory],
    ['used_memory_scripts_human', bytesToHuman(184 + s.scripting.scriptsMemory)],
    ['maxmemory', maxmemory],
    ['maxmemory_human', bytesToHuman(maxmemory)],
    ['maxmemory_policy', s.config.settings.maxmemoryPolicy],
    ['allocator_frag_ratio', (m.active / Math.max(1, m.allocated)).toFixed(2)],
    ['allocator_frag_bytes', Math.max(0, m.active - m.allocated)],
    ['allocator_rss_ratio', (m.rss / Math.max(1, m.active)).toFixed(2)],
    ['allocator_rss_bytes', m.rss - m.active],
    ['rss_overhead_ratio', '1.00'],
    ['rss_overhead_bytes', 0],
    ['mem_fragmentation_ratio', (m.rss / Math.max(1, m.used)).toFixed(2)],
    ['mem_fragmentation_bytes', m.rss - m.used],
    ['mem_not_counted_for_evict', m.notCounted],
    ['mem_replication_backlog', m.backlog],
    ['mem_total_replication_buffers', m.backlog + m.clientsReplicas],
    ['mem_clients_slaves', m.clientsReplicas],
    ['mem_clients_normal', m.clientsNormal],
    ['mem_cluster_links', 0],
    ['mem_aof_buffer', m.aofBuffer],
    ['mem_allocator', 'libc'],
    ['active_defrag_running', 0],
    ['lazyfree_pending_objects', 0],
    ['lazyfreed_objects', 0],
  ];
}

function avg(samples: number[]): number {
  if (samples.length === 0) return 0;
  let t = 0;
  for (const v of samples) t += v;
  return t / samples.length;
}

function statsSection(s: Server): InfoFields {
  const st = s.stats;
  const hub = s.pubsub as unknown as { shardChannels?: { size: number } };
  const exceeded = s.eviction.exceededTimes();
  return [
    ['total_connections_received', st.totalConnections],
    ['total_commands_processed', st.totalCommands],
    ['instantaneous_ops_per_sec', Math.round(avg(st.opsSamples))],
    ['total_net_input_bytes', st.netInputBytes],
    ['total_net_output_bytes', st.netOutputBytes],
    ['total_net_repl_input_bytes', st.netReplInputBytes],
    ['total_net_repl_output_bytes', st.netReplOutputBytes],
    ['instantaneous_input_kbps', (avg(st.inputSamples) / 1024).toFixed(2)],
    ['instantaneous_output_kbps', (avg(st.outputSamples) / 1024).toFixed(2)],
    ['instantaneous_input_repl_kbps', '0.00'],
    ['instantaneous_output_repl_kbps', '0.00'],
    ['rejected_connections', st.rejectedConnections],
    ['sync_full', st.syncFull],
    ['sync_partial_ok', st.syncPartialOk],
    ['sync_partial_err', st.syncPartialErr],
    ['expired_keys', st.expiredKeys],
    ['expired_stale_perc', st.expiredStalePerc.toFixed(2)],
    ['expired_time_cap_reached_count', st.expiredTimeCapReached],
    ['expire_cycle_cpu_milliseconds', 0],
    ['evicted_keys', st.evictedKeys],
    ['evicted_clients', st.evictedClients],
    ['total_eviction_exceeded_time', exceeded[0]],
    ['current_eviction_exceeded_time', exceeded[1]],
    ['keyspace_hits', st.keyspaceHits],
    ['keyspace_misses', st.keyspaceMisses],
    ['pubsub_channels', s.pubsub.channelCount()],
    ['pubsub_patterns', s.pubsub.patternCount()],
    ['pubsubshard_channels', hub.shardChannels?.size ?? 0],
    ['latest_fork_usec', 0],
    ['total_forks', 0],
    ['migrate_cached_sockets', 0],
    ['slave_expires_tracked_keys', 0],
    ['active_defrag_hits', 0],
    ['active_defrag_misses', 0],
    ['active_defrag_key_hits', 0],
    ['active_defrag_key_misses', 0],
    ['total_active_defrag_time', 0],
    ['current_active_defrag_time', 0],
    ['tracking_total_keys', s.tracking.table.size],
    ['tracking_total_items', s.tracking.totalItems],
    ['tracking_total_prefixes', s.tracking.prefixes.size],
    ['unexpected_error_replies', st.unexpectedErrorReplies],
    ['total_error_replies', st.totalErrorReplies],
    ['dump_payload_sanitizations', st.dumpPayloadSanitizations],
    ['total_reads_processed', st.totalReadsProcessed],
    ['total_writes_processed', st.totalWritesProcessed],
    ['io_threaded_reads_processed', st.ioThreadedReads],
    ['io_threaded_writes_processed', st.ioThreadedWrites],
    ['reply_buffer_shrinks', 0],
    ['reply_buffer_expands', 0],
  ];
}

/** seconds.microseconds, as "%ld.%06ld" */
function secs(us: number): string {
  return `${Math.floor(us / 1e6)}.${String(Math.floor(us % 1e6)).padStart(6, '0')}`;
}

function cpuSection(): InfoFields {
  const u = process.cpuUsage();
  return [
    ['used_cpu_sys', secs(u.system)],
    ['used_cpu_user', secs(u.user)],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    ['used_cpu_sys_main_thread', secs(u.system)],
    ['used_cpu_user_main_thread', secs(u.user)],
  ];
}

/** Every command and subcommand, in table order (containers before their subcommands). */
export function allCommands(server: Server): Command[] {
  const out: Command[] = [];
  for (const c of server.commands.values()) {
    out.push(c);
    if (c.subcommands) for (const sc of c.subcommands.values()) out.push(sc);
  }
  return out;
}

function commandStatsSection(s: Server): InfoFields {
  const out: InfoFields = [];
  for (const c of allCommands(s)) {
    const st = c.stats;
    if (st.calls === 0 && st.failed === 0 && st.rejected === 0) continue;
    const perCall = st.calls === 0 ? 0 : st.usec / st.calls;
    out.push([`cmdstat_${c.fullName}`, `calls=${st.calls},usec=${Math.round(st.usec)},usec_per_call=${perCall.toFixed(2)},rejected_calls=${st.rejected},failed_calls=${st.failed}`]);
  }
  return out;
}

function errorStatsSection(s: Server): InfoFields {
  const codes = [...s.stats.errors.keys()].sort();
  return codes.map((k) => [`errorstat_${k}`, `count=${s.stats.errors.get(k)}`]);
}

/**
 * latency_percentiles_usec_<cmd>:p50=...,p99=... from each command's HDR
 * histogram (fillPercentileDistributionLatencies): labels are "%f" with
 * trailing zeros trimmed, values hdr_value_at_percentile / 1000 as "%.3f".
 */
function latencyStatsSection(s: Server): InfoFields {
  const out: InfoFields = [];
  const percentiles = s.config.settings.latencyTrackingInfoPercentiles;
  if (!s.config.settings.latencyTracking) return out;
  for (const c of allCommands(s)) {
    const h = c.stats.histogram;
    if (h === null || h.total === 0) continue;
    const parts = percentiles.map((p) => `p${formatPercentile(p)}=${(h.valueAtPercentile(p) / 1000).toFixed(3)}`);
    out.push([`latency_percentiles_usec_${c.fullName}`, parts.join(',')]);
  }
  return out;
}

/** sprintf("%f") then trimDoubleString, as Redis labels percentiles (50, 99, 99.9, 12.5, 0). */
function formatPercentile(p: number): string {
  const f = p.toFixed(6);
  return f.includes('.') ? f.replace(/0+$/, '').replace(/\.$/, '') : f;
}

function keyspaceSection(s: Server): InfoFields {
  const out: InfoFields = [];
  for (const db of s.dbs) {
    const keys = db.size;
    if (keys === 0) continue;
    out.push([`db${db.id}`, `keys=${keys},expires=${db.expiresSize},avg_ttl=${Math.round(db.avgTtl)}`]);
  }
  return out;
}
