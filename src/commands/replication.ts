/**
 * Replication commands: REPLICAOF/SLAVEOF, ROLE, SYNC, PSYNC, REPLCONF,
 * WAIT, FAILOVER. The state machines live in src/replication/.
 */
import { cmd, type CommandSpec } from './spec';
import { RedisError } from '../protocol/errors';
import { parseLongLong } from './util';
import type { Client } from '../server/client';

/**
 * Format: REPLICAOF host port | REPLICAOF NO ONE (SLAVEOF is the same).
 * Follow a master, or stop replicating and become a master.
 */
function replicaofCommand(c: Client, argv: string[]): void {
  const s = c.server;
  const repl = s.replication;
  if (s.config.settings.clusterEnabled) throw new RedisError('ERR REPLICAOF not allowed in cluster mode.');
  if (repl.failover.state !== 'no-failover') throw new RedisError('ERR REPLICAOF not allowed while failing over.');
  if (argv[1].toLowerCase() === 'no' && argv[2].toLowerCase() === 'one') {
    if (repl.isReplica()) {
      repl.replica.unsetMaster();
      s.logger.notice(`MASTER MODE enabled (user request from '${s.connections.clientInfoString(c)}')`);
    }
    c.reply.ok();
    return;
  }
  if (c.isReplica) throw new RedisError('ERR Command is not valid when client is a replica.');
  const p = parseLongLong(argv[2]);
  if (p === null || p < 0n || p > 65535n) throw new RedisError('ERR Invalid master port');
  const port = Number(p);
  const r = repl.replica;
  if (r.masterHost !== null && r.masterHost.toLowerCase() === argv[1].toLowerCase() && r.masterPort === port) {
    s.logger.notice('REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
    c.reply.simple('OK Already connected to specified master');
    return;
  }
  r.setMaster(argv[1], port);
  s.logger.notice(`REPLICAOF ${r.masterHost}:${r.masterPort} enabled (user request from '${s.connections.clientInfoString(c)}')`);
  c.reply.ok();
}

/** Format: ROLE -> ["master", offset, [[ip, port, offset], ...]] or ["slave", host, port, state, offset]. */
function roleCommand(c: Client): void {
  const repl = c.server.replication;
  const rp = c.reply;
  if (!repl.isReplica()) {
    const online = repl.master.links.filter((l) => l.state === 'online');
    rp.arrayLen(3);
    rp.bulk('master');
    rp.int(repl.masterReplOffset);
    rp.arrayLen(online.length);
    for (const l of online) {
      rp.arrayLen(3);
      rp.bulk(l.ip());
      rp.bulk(String(l.client.replListeningPort));
      rp.bulk(String(l.ackOffset));
    }
    return;
  }
  const r = repl.replica;
  rp.arrayLen(5);
  rp.bulk('slave');
  rp.bulk(r.masterHost as string);
  rp.int(r.masterPort);
  rp.bulk(r.roleState());
  rp.int(r.link ? r.link.reploff : -1);
}

/** Replication command specs. */
export const replicationCommands: CommandSpec[] = [
  cmd('replicaof', 3, 'admin noscript stale no_async_loading', 0, 0, 0, replicaofCommand, { group: 'server', since: '5.0.0', summary: 'Configure a server as replica of another, or promote it to a master.' }),
  cmd('slaveof', 3, 'admin noscript stale no_async_loading', 0, 0, 0, replicaofCommand, { group: 'server', since: '1.0.0', summary: 'Sets a Redis server as a replica of another, or promotes it to being a master.' }),
  cmd('role', 1, 'noscript loading stale fast', 0, 0, 0, roleCommand, { group: 'server', since: '2.8.12', summary: 'Returns the replication role.' }),
  cmd('sync', 1, 'admin noscript no_async_loading no_multi', 0, 0, 0, (c, argv) => c.server.replication.master.syncCommand(c, argv), {
    group: 'server',
    since: '1.0.0',
    summary: 'An internal command used in replication.',
  }),
  cmd('psync', -3, 'admin noscript no_async_loading no_multi', 0, 0, 0, (c, argv) => c.server.replication.master.syncCommand(c, argv), {
    group: 'server',
    since: '2.8.0',
    summary: 'An internal command used in replication.',
  }),
  cmd('replconf', -1, 'admin noscript loading stale allow_busy', 0, 0, 0, (c, argv) => c.server.replication.master.replconfCommand(c, argv), {
    group: 'server',
    since: '3.0.0',
    summary: 'An internal command for configuring the replication stream.',
  }),
  cmd('wait', 3, 'noscript', 0, 0, 0, (c, argv) => c.server.replication.master.waitCommand(c, argv), {
    group: 'generic',
    since: '3.0.0',
    summary: 'Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.',
  }),
  cmd('failover', -1, 'admin noscript stale', 0, 0, 0, (c, argv) => c.server.replication.failover.command(c, argv), {
    group: 'server',
    since: '6.2.0',
    summary: 'Starts a coordinated failover from a server to one of its replicas.',
  }),
];
