/**
 * One node of a replication topology as the dashboard, /metrics and
 * /api/topology see it, read from INFO text (this server's own, or a remote
 * node's over RESP), so tredis and redis-server nodes look the same.
 */

/** INFO text -> field map (keys as in INFO; section headers dropped). */
export function parseInfo(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** "a=1,b=x" -> {a: '1', b: 'x'} */
export function parseKv(v: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of v.split(',')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

/** A replica as its master reports it (slaveN:ip=...,port=...,state=...,offset=...,lag=...). */
export interface ReplicaView {
  id: string;
  ip: string;
  port: number;
  state: string;
  offset: number;
  lagSeconds: number;
  /** the master's master_repl_offset minus the replica's acknowledged offset */
  lagBytes: number;
}

/** What the dashboard shows of one node. */
export interface NodeView {
  id: string;
  up: boolean;
  error?: string;
  role?: 'master' | 'slave';
  redisVersion?: string;
  tredisVersion?: string | null;
  replid?: string;
  replid2?: string;
  masterReplOffset?: number;
  secondReplOffset?: number;
  /** on a replica */
  master?: string | null;
  masterLinkStatus?: string;
  masterLastIoSecondsAgo?: number;
  slaveReplOffset?: number;
  sync?: { inProgress: boolean; totalBytes: number; readBytes: number; perc: number } | null;
  backlog?: { active: boolean; size: number; firstByteOffset: number; histlen: number };
  replicas?: ReplicaView[];
  opsPerSec?: number;
  usedMemory?: number;
  connectedClients?: number;
  keys?: Record<string, number>;
  uptimeSeconds?: number;
}

const num = (v: string | undefined): number => (v === undefined || v === '' ? 0 : Number(v));

/** Normalize a host for node ids (a replica announces 127.0.0.1; localhost is the same node). */
export function nodeId(host: string, port: number): string {
  const h = host === 'localhost' || host === '::1' || host === '' ? '127.0.0.1' : host;
  return `${h}:${port}`;
}

/** Build a NodeView from a node's full INFO. */
export function nodeFromInfo(id: string, info: Map<string, string>): NodeView {
  const role = info.get('role') === 'slave' ? 'slave' : 'master';
  const masterOffset = num(info.get('master_repl_offset'));
  const replicas: ReplicaView[] = [];
  for (let i = 0; info.has(`slave${i}`); i++) {
    const kv = parseKv(info.get(`slave${i}`)!);
    const port = num(kv.port);
    const offset = num(kv.offset);
    replicas.push({ id: nodeId(kv.ip ?? '', port), ip: kv.ip ?? '', port, state: kv.state ?? '', offset, lagSeconds: num(kv.lag), lagBytes: Math.max(0, masterOffset - offset) });
  }
  const keys: Record<string, number> = {};
  for (const [k, v] of info) if (/^db\d+$/.test(k)) keys[k] = num(parseKv(v).keys);
  const view: NodeView = {
    id,
    up: true,
    role,
    redisVersion: info.get('redis_version'),
    tredisVersion: info.get('tredis_version') ?? null,
    replid: info.get('master_replid'),
    replid2: info.get('master_replid2'),
    masterReplOffset: masterOffset,
    secondReplOffset: num(info.get('second_repl_offset')),
    backlog: {
      active: info.get('repl_backlog_active') === '1',
      size: num(info.get('repl_backlog_size')),
      firstByteOffset: num(info.get('repl_backlog_first_byte_offset')),
      histlen: num(info.get('repl_backlog_histlen')),
    },
    replicas,
    opsPerSec: num(info.get('instantaneous_ops_per_sec')),
    usedMemory: num(info.get('used_memory')),
    connectedClients: num(info.get('connected_clients')),
    keys,
    uptimeSeconds: num(info.get('uptime_in_seconds')),
  };
  if (role === 'slave') {
    view.master = nodeId(info.get('master_host') ?? '', num(info.get('master_port')));
    view.masterLinkStatus = info.get('master_link_status');
    view.masterLastIoSecondsAgo = num(info.get('master_last_io_seconds_ago'));
    view.slaveReplOffset = num(info.get('slave_repl_offset'));
    view.sync =
      info.get('master_sync_in_progress') === '1'
        ? { inProgress: true, totalBytes: num(info.get('master_sync_total_bytes')), readBytes: num(info.get('master_sync_read_bytes')), perc: num(info.get('master_sync_perc')) }
        : null;
  } else {
    view.master = null;
  }
  return view;
}
