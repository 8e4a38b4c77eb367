/**
 * The handshake steps of a replica's sync, in Redis's order (connectWithMaster
 * and syncWithMaster): connect, PING, AUTH (pipelined with the REPLCONFs, as
 * Redis 7 sends them), the REPLCONF replies, PSYNC and its reply. Each step is
 * an async function of the attempt and its AbortSignal, sets Redis's state
 * name while it waits, and fails with a HandshakeError carrying the lines the
 * run loop logs.
 */
import { encodeCommand } from '../../protocol/reply';
import type { SyncAttempt } from './attempt';
import type { CachedMaster } from './states';
import { HandshakeError, readFailed, warning } from './errors';
import { strerror } from '../../util/strerror';
import { streamFromCachedMaster } from './master-link';

/** receiveSynchronousResponse(): the next reply line of the handshake. */
async function receive(att: SyncAttempt, signal: AbortSignal): Promise<string> {
  let line = '';
  try {
    line = await att.reader.readLine(signal);
  } catch (e) {
    readFailed(
      e,
      signal,
      (why) => new HandshakeError('later', [warning(`Failed to read response from the server: ${why}`), warning('Master did not respond to command during SYNC handshake')]),
    );
  }
  att.side.transferLastIo = att.server.now();
  return line;
}

/** connectWithMaster(): wait for the non-blocking connect (state connecting). */
export async function connect(att: SyncAttempt, signal: AbortSignal): Promise<void> {
  const side = att.side;
  const s = att.server;
  side.transferLastIo = s.now();
  side.state = 'connecting';
  s.logger.notice('MASTER <-> REPLICA sync started');
  await new Promise<void>((resolve, reject) => {
    const socket = att.socket;
    // a TLS link is up once its handshake is done
    const ready = att.secure ? 'secureConnect' : 'connect';
    const settle = (): void => {
      socket.off(ready, onConnect);
      socket.off('error', onError);
      socket.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
    };
    const onConnect = (): void => {
      settle();
      resolve();
    };
    const onError = (e: NodeJS.ErrnoException): void => {
      settle();
      reject(new HandshakeError('later', [warning(`Error condition on socket for SYNC: ${strerror(e)}`)]));
    };
    const onClose = (): void => {
      settle();
      reject(new HandshakeError('later'));
    };
    const onAbort = (): void => {
      settle();
      reject(signal.reason);
    };
    socket.once(ready, onConnect);
    socket.once('error', onError);
    socket.once('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  s.logger.notice('Non blocking connect for SYNC fired the event.');
}

/** PING the master (state receive_ping_reply); -NOAUTH and -NOPERM are fine, AUTH follows. */
export async function ping(att: SyncAttempt, signal: AbortSignal): Promise<void> {
  att.side.state = 'receive_ping_reply';
  att.socket.write(encodeCommand(['PING']), 'latin1');
  const reply = await receive(att, signal);
  if (reply[0] !== '+' && !reply.startsWith('-NOAUTH') && !reply.startsWith('-NOPERM') && !reply.startsWith('-ERR operation not permitted')) {
    throw new HandshakeError('later', [warning(`Error reply to PING from master: '${reply}'`)]);
  }
  att.server.logger.notice('Master replied to PING, replication can continue...');
}

/** What the pipelined handshake sent, so the REPLCONF step knows which replies to read. */
export interface SentHandshake {
  ipAddress: boolean;
}

/**
 * Send AUTH (with masterauth/masteruser) and the REPLCONFs in one write
 * (state send_handshake), then read AUTH's reply (state receive_auth_reply).
 */
export async function auth(att: SyncAttempt, signal: AbortSignal): Promise<SentHandshake> {
  const side = att.side;
  const s = att.server;
  const cfg = s.config;
  side.state = 'send_handshake';
  const pass = cfg.settings.masterauth;
  const user = cfg.settings.masteruser;
  const announceIp = cfg.settings.replicaAnnounceIp;
  let out = '';
  if (pass !== '') out += encodeCommand(user !== '' ? ['AUTH', user, pass] : ['AUTH', pass]);
  out += encodeCommand(['REPLCONF', 'listening-port', String(cfg.settings.replicaAnnouncePort || s.port)]);
  if (announceIp !== '') out += encodeCommand(['REPLCONF', 'ip-address', announceIp]);
  out += encodeCommand(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
  att.socket.write(out, 'latin1');
  side.state = 'receive_auth_reply';
  if (pass !== '') {
    const reply = await receive(att, signal);
    if (reply[0] === '-') throw new HandshakeError('later', [warning(`Unable to AUTH to MASTER: ${reply}`)]);
  }
  return { ipAddress: announceIp !== '' };
}

/** The REPLCONF replies (states receive_port_reply, receive_ip_reply, receive_capa_reply): errors are not critical. */
export async function replconf(att: SyncAttempt, signal: AbortSignal, sent: SentHandshake): Promise<void> {
  const side = att.side;
  const log = att.server.logger;
  side.state = 'receive_port_reply';
  let reply = await receive(att, signal);
  if (reply[0] === '-') log.notice(`(Non critical) Master does not understand REPLCONF listening-port: ${reply}`);
  if (sent.ipAddress) {
    side.state = 'receive_ip_reply';
    reply = await receive(att, signal);
    if (reply[0] === '-') log.notice(`(Non critical) Master does not understand REPLCONF ip-address: ${reply}`);
  }
  side.state = 'receive_capa_reply';
  reply = await receive(att, signal);
  if (reply[0] === '-') log.notice(`(Non critical) Master does not understand REPLCONF capa: ${reply}`);
}

/**
 * PSYNC with our cached master's history, or "? -1" for a full sync (states
 * send_psync, receive_psync_reply). 'continue': the cached master streams
 * again on this socket; 'full': the RDB transfer follows.
 */
export async function psync(att: SyncAttempt, signal: AbortSignal): Promise<'continue' | 'full'> {
  const side = att.side;
  const s = att.server;
  const log = s.logger;
  const failover = side.repl.failover;
  side.state = 'send_psync';
  side.masterInitialOffset = -1;
  let psyncId = '?';
  let psyncOff = '-1';
  if (side.cached !== null) {
    psyncId = side.cached.replid;
    psyncOff = String(side.cached.reploff + 1);
    log.notice(`Trying a partial resynchronization (request ${psyncId}:${psyncOff}).`);
  } else {
    log.notice('Partial resynchronization not possible (no cached master)');
  }
  const failingOver = failover.state === 'failover-in-progress';
  att.socket.write(encodeCommand(failingOver ? ['PSYNC', psyncId, psyncOff, 'FAILOVER'] : ['PSYNC', psyncId, psyncOff]), 'latin1');
  side.state = 'receive_psync_reply';
  let reply = '';
  for (;;) {
    try {
      reply = await att.reader.readLine(signal);
    } catch (e) {
      readFailed(e, signal, () => new HandshakeError('later', [warning('Master did not reply to PSYNC, will try later')]));
    }
    side.transferLastIo = s.now();
    if (reply.length > 0) break; // empty lines are keepalives while the master prepares
  }
  const result = psyncReply(att, reply);
  if (failover.state === 'failover-in-progress') {
    if (result === 'continue' || result === 'fullresync') failover.clear();
    else {
      failover.abort('Failover target rejected psync request'); // also stops this run (we become a master again)
      throw new HandshakeError('stop');
    }
  }
  if (result === 'try_later') throw new HandshakeError('later');
  if (result === 'continue') {
    log.notice('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
    return 'continue';
  }
  if (result === 'not_supported') {
    log.notice('Retrying with SYNC...');
    att.socket.write('SYNC\r\n');
  }
  return 'full';
}

/**
 * slaveTryPartialResynchronization(), reading half: what the reply says is
 * logged here, as Redis does, before a failover in progress is settled.
 */
function psyncReply(att: SyncAttempt, reply: string): 'continue' | 'fullresync' | 'not_supported' | 'try_later' {
  const side = att.side;
  const repl = side.repl;
  const log = att.server.logger;
  if (reply.startsWith('+FULLRESYNC')) {
    const parts = reply.split(' ');
    if (parts.length < 3 || parts[1].length !== 40) {
      log.warning('Master replied with wrong +FULLRESYNC syntax.');
      side.masterReplid = '';
    } else {
      side.masterReplid = parts[1];
      side.masterInitialOffset = parseInt(parts[2], 10) || 0;
      log.notice(`Full resync from master: ${side.masterReplid}:${side.masterInitialOffset}`);
    }
    return 'fullresync';
  }
  if (reply.startsWith('+CONTINUE')) {
    log.notice('Successful partial resynchronization with master.');
    const cached = side.cached as CachedMaster;
    const newId = reply.slice(10).trim();
    if (newId.length === 40 && newId !== cached.replid) {
      log.warning(`Master replication ID changed to ${newId}`);
      repl.replid2 = cached.replid;
      repl.secondReplOffset = repl.masterReplOffset + 1;
      repl.replid = newId;
      cached.replid = newId;
      repl.master.disconnectSlaves();
    }
    // a replica restarted from its RDB has no backlog yet: the resumed stream feeds it
    if (repl.backlog === null) repl.createBacklog();
    streamFromCachedMaster(att);
    return 'continue';
  }
  if (reply.startsWith('-NOMASTERLINK') || reply.startsWith('-LOADING')) {
    log.notice(`Master is currently unable to PSYNC but should be in the future: ${reply}`);
    return 'try_later';
  }
  if (!reply.startsWith('-ERR')) log.warning(`Unexpected reply to PSYNC from master: ${reply}`);
  else log.notice(`Master does not support PSYNC or is in error state (reply: ${reply})`);
  return 'not_supported';
}
