/**
 * /metrics: Prometheus text format with redis_exporter's metric names, so
 * dashboards built for redis_exporter read a tredis node unchanged.
 * Built from this node's INFO fields (see node-info.ts).
 */
import { parseKv } from './node-info';

type Kind = 'gauge' | 'counter';

/** INFO field -> [metric, kind] (redis_exporter's names). */
const SIMPLE: Array<[string, string, Kind]> = [
  ['uptime_in_seconds', 'redis_uptime_in_seconds', 'gauge'],
  ['connected_clients', 'redis_connected_clients', 'gauge'],
  ['blocked_clients', 'redis_blocked_clients', 'gauge'],
  ['maxclients', 'redis_max_clients', 'gauge'],
  ['used_memory', 'redis_memory_used_bytes', 'gauge'],
  ['used_memory_rss', 'redis_memory_used_rss_bytes', 'gauge'],
  ['used_memory_peak', 'redis_memory_used_peak_bytes', 'gauge'],
  ['maxmemory', 'redis_memory_max_bytes', 'gauge'],
  ['total_commands_processed', 'redis_commands_processed_total', 'counter'],
  ['total_connections_received', 'redis_connections_received_total', 'counter'],
  ['rejected_connections', 'redis_rejected_connections_total', 'counter'],
  ['total_net_input_bytes', 'redis_net_input_bytes_total', 'counter'],
  ['total_net_output_bytes', 'redis_net_output_bytes_total', 'counter'],
  ['instantaneous_ops_per_sec', 'redis_instantaneous_ops_per_sec', 'gauge'],
  ['keyspace_hits', 'redis_keyspace_hits_total', 'counter'],
  ['keyspace_misses', 'redis_keyspace_misses_total', 'counter'],
  ['expired_keys', 'redis_expired_keys_total', 'counter'],
  ['evicted_keys', 'redis_evicted_keys_total', 'counter'],
  ['pubsub_channels', 'redis_pubsub_channels', 'gauge'],
  ['pubsub_patterns', 'redis_pubsub_patterns', 'gauge'],
  ['rdb_changes_since_last_save', 'redis_rdb_changes_since_last_save', 'gauge'],
  ['rdb_bgsave_in_progress', 'redis_rdb_bgsave_in_progress', 'gauge'],
  ['rdb_last_save_time', 'redis_rdb_last_save_timestamp_seconds', 'gauge'],
  ['aof_enabled', 'redis_aof_enabled', 'gauge'],
  ['aof_rewrite_in_progress', 'redis_aof_rewrite_in_progress', 'gauge'],
  ['loading', 'redis_loading_dump_file', 'gauge'],
  ['connected_slaves', 'redis_connected_slaves', 'gauge'],
  ['master_repl_offset', 'redis_master_repl_offset', 'gauge'],
  ['second_repl_offset', 'redis_second_repl_offset', 'gauge'],
  ['repl_backlog_active', 'redis_repl_backlog_is_active', 'gauge'],
  ['repl_backlog_size', 'redis_replication_backlog_bytes', 'gauge'],
  ['repl_backlog_first_byte_offset', 'redis_repl_backlog_first_byte_offset', 'gauge'],
  ['repl_backlog_histlen', 'redis_repl_backlog_history_bytes', 'gauge'],
  ['sync_full', 'redis_sync_full_total', 'counter'],
  ['sync_partial_ok', 'redis_sync_partial_ok_total', 'counter'],
  ['sync_partial_err', 'redis_sync_partial_err_total', 'counter'],
  ['used_cpu_sys', 'redis_cpu_sys_seconds_total', 'counter'],
  ['used_cpu_user', 'redis_cpu_user_seconds_total', 'counter'],
  ['master_last_io_seconds_ago', 'redis_master_last_io_seconds_ago', 'gauge'],
  ['master_sync_in_progress', 'redis_master_sync_in_progress', 'gauge'],
  ['slave_repl_offset', 'redis_slave_repl_offset', 'gauge'],
  ['slave_priority', 'redis_slave_priority', 'gauge'],
  ['slave_read_only', 'redis_slave_read_only', 'gauge'],
];

/** Prometheus label value escaping. */
function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Format a sample value as Prometheus does (integers plainly, floats as JS prints them). */
function val(v: number): string {
  return Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN';
}

class Writer {
  private readonly seen = new Set<string>();
  text = '';
  sample(name: string, kind: Kind, labels: Record<string, string>, v: number, help = ''): void {
    if (!this.seen.has(name)) {
      this.seen.add(name);
      this.text += `# HELP ${name} ${help || name.replace(/^redis_/, '').replace(/_/g, ' ')}\n# TYPE ${name} ${kind}\n`;
    }
    const l = Object.entries(labels);
    this.text += `${name}${l.length ? `{${l.map(([k, x]) => `${k}="${esc(x)}"`).join(',')}}` : ''} ${val(v)}\n`;
  }
}

/** The /metrics body for one node's INFO (all sections plus commandstats and errorstats). */
export function renderMetrics(info: Map<string, string>): string {
  const w = new Writer();
  w.sample('redis_up', 'gauge', {}, 1, 'Information about the Redis instance');
  w.sample('redis_instance_info', 'gauge', {
    role: info.get('role') ?? '',
    redis_version: info.get('redis_version') ?? '',
    tredis_version: info.get('tredis_version') ?? '',
    redis_mode: info.get('redis_mode') ?? '',
    os: info.get('os') ?? '',
    process_id: info.get('process_id') ?? '',
    run_id: info.get('run_id') ?? '',
    tcp_port: info.get('tcp_port') ?? '',
  }, 1, 'Information about the Redis instance');
  for (const [field, name, kind] of SIMPLE) {
    const v = info.get(field);
    if (v !== undefined && v !== '' && !Number.isNaN(Number(v))) w.sample(name, kind, {}, Number(v));
  }
  if (info.get('role') === 'slave') {
    w.sample('redis_master_link_up', 'gauge', {}, info.get('master_link_status') === 'up' ? 1 : 0);
    if (info.has('master_sync_total_bytes')) {
      w.sample('redis_master_sync_total_bytes', 'gauge', {}, Number(info.get('master_sync_total_bytes')));
      w.sample('redis_master_sync_read_bytes', 'gauge', {}, Number(info.get('master_sync_read_bytes') ?? 0));
    }
  }
  const masterOffset = Number(info.get('master_repl_offset') ?? 0);
  for (let i = 0; info.has(`slave${i}`); i++) {
    const kv = parseKv(info.get(`slave${i}`)!);
    const labels = { slave_ip: kv.ip ?? '', slave_port: kv.port ?? '', slave_state: kv.state ?? '' };
    w.sample('redis_connected_slave_offset_bytes', 'gauge', labels, Number(kv.offset ?? 0), 'Offset of connected slave');
    w.sample('redis_connected_slave_lag_seconds', 'gauge', labels, Number(kv.lag ?? 0), 'Lag of connected slave');
    w.sample('redis_connected_slave_lag_bytes', 'gauge', labels, Math.max(0, masterOffset - Number(kv.offset ?? 0)), 'master_repl_offset minus the slave offset');
  }
  for (const [k, v] of info) {
    if (!/^db\d+$/.test(k)) continue;
    const kv = parseKv(v);
    w.sample('redis_db_keys', 'gauge', { db: k }, Number(kv.keys ?? 0), 'Total number of keys by DB');
    w.sample('redis_db_keys_expiring', 'gauge', { db: k }, Number(kv.expires ?? 0), 'Total number of expiring keys by DB');
    w.sample('redis_db_avg_ttl_seconds', 'gauge', { db: k }, Number(kv.avg_ttl ?? 0) / 1000, 'Avg TTL in seconds');
  }
  for (const [k, v] of info) {
    if (!k.startsWith('cmdstat_')) continue;
    const cmd = k.slice('cmdstat_'.length);
    const kv = parseKv(v);
    w.sample('redis_commands_total', 'counter', { cmd }, Number(kv.calls ?? 0), 'Total number of calls per command');
    w.sample('redis_commands_duration_seconds_total', 'counter', { cmd }, Number(kv.usec ?? 0) / 1e6, 'Total amount of time in seconds spent per command');
    w.sample('redis_commands_rejected_calls_total', 'counter', { cmd }, Number(kv.rejected_calls ?? 0), 'Total number of errors prior command execution per command');
    w.sample('redis_commands_failed_calls_total', 'counter', { cmd }, Number(kv.failed_calls ?? 0), 'Total number of errors within command execution per command');
  }
  for (const [k, v] of info) {
    if (!k.startsWith('errorstat_')) continue;
    w.sample('redis_errors_total', 'counter', { err: k.slice('errorstat_'.length) }, Number(parseKv(v).count ?? 0), 'Total number of errors per error type');
  }
  return w.text;
}
