/**
 * Connection commands: PING, ECHO, QUIT, RESET, HELLO, AUTH, SELECT.
 */
import { cmd, type CommandSpec } from './spec';
import { RedisError, Err, cstr } from '../protocol/errors';
import { rangeLongArg } from './collection-util';
import type { Client } from '../server/client';

function helloReply(c: Client): void {
  const s = c.server;
  const r = c.reply;
  r.mapLen(7);
  r.bulk('server');
  r.bulk('redis');
  r.bulk('version');
  r.bulk('7.0.15');
  r.bulk('proto');
  r.int(r.proto);
  r.bulk('id');
  r.int(c.id);
  r.bulk('mode');
  r.bulk('standalone');
  r.bulk('role');
  r.bulk(s.isReplica() ? 'replica' : 'master');
  r.bulk('modules');
  r.arrayLen(0);
}

/** Connection command specs. */
const CLUSTER_DISABLED = 'ERR This instance has cluster support disabled';

export const connectionCommands: CommandSpec[] = [
  cmd('ping', -1, 'fast sentinel', 0, 0, 0, (c, argv) => {
    if (argv.length > 2) throw new RedisError(Err.arity('ping'));
    if (c.inPubsubContext) {
      c.reply.arrayLen(2);
      c.reply.bulk('pong');
      c.reply.bulk(argv.length === 2 ? argv[1] : '');
      return;
    }
    if (argv.length === 2) c.reply.bulk(argv[1]);
    else c.reply.simple('PONG');
  }),
  cmd('echo', 2, 'loading stale fast', 0, 0, 0, (c, argv) => c.reply.bulk(argv[1])),
  // cluster client commands: cluster mode is not supported, answered as redis-server with cluster-enabled no
  cmd('readonly', 1, 'loading stale fast', 0, 0, 0, () => {
    throw new RedisError(CLUSTER_DISABLED);
  }),
  cmd('readwrite', 1, 'loading stale fast', 0, 0, 0, () => {
    throw new RedisError(CLUSTER_DISABLED);
  }),
  cmd('asking', 1, 'fast', 0, 0, 0, () => {
    throw new RedisError(CLUSTER_DISABLED);
  }),
  cmd('quit', -1, 'allow_busy noscript loading stale fast no_auth', 0, 0, 0, (c) => {
    c.reply.ok();
    c.closeAfterReply = true;
  }),
  cmd('reset', 1, 'noscript loading stale fast no_auth allow_busy', 0, 0, 0, (c) => {
    const s = c.server;
    if (c.multi) {
      c.multi = null;
      c.multiDirty = false;
    }
    s.watch.unwatchAll(c);
    c.casDirty = false;
    s.pubsub.unsubscribeAll(c);
    s.tracking.disable(c);
    if (c.isMonitor) {
      s.monitors.delete(c);
      c.isMonitor = false;
    }
    c.db = s.dbs[0];
    c.reply.proto = 2;
    c.name = '';
    c.replyMode = 'on';
    c.reply.setMuted(false);
    c.noEvict = false;
    c.noTouch = false;
    // clientSetDefaultAuth
    c.aclUser = s.acl.defaultUser;
    c.authenticated = !s.requiresAuth();
    c.reply.simple('RESET');
  }),
  cmd('auth', -2, 'noscript loading stale fast no_auth sentinel allow_busy', 0, 0, 0, (c, argv) => {
    if (argv.length > 3) throw new RedisError(Err.syntax);
    const user = argv.length === 3 ? argv[1] : 'default';
    const pass = argv[argv.length - 1];
    if (argv.length === 2 && c.server.acl.defaultUser.nopass) {
      throw new RedisError('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
    }
    if (!c.server.acl.authenticate(c, user, pass, argv[0])) throw new RedisError(Err.wrongPass);
    c.reply.ok();
  }),
  cmd('hello', -1, 'noscript loading stale fast no_auth sentinel allow_busy', 0, 0, 0, (c, argv) => {
    let ver = 0;
    let i = 1;
    if (argv.length >= 2) {
      const v = Number(argv[1]);
      if (!/^-?\d+$/.test(argv[1])) throw new RedisError('ERR Protocol version is not an integer or out of range');
      if (v < 2 || v > 3) throw new RedisError('NOPROTO unsupported protocol version');
      ver = v;
      i = 2;
    }
    let name: string | null = null;
    for (; i < argv.length; i++) {
      const opt = argv[i].toLowerCase();
      const more = argv.length - 1 - i;
      if (opt === 'auth' && more >= 2) {
        if (!c.server.acl.authenticate(c, argv[i + 1], argv[i + 2], argv[0])) throw new RedisError(Err.wrongPass);
        i += 2;
      } else if (opt === 'setname' && more >= 1) {
        if (/[\s]/.test(argv[i + 1]) || /[^\x21-\x7e]/.test(argv[i + 1])) throw new RedisError('ERR Client names cannot contain spaces, newlines or special characters.');
        name = argv[i + 1];
        i += 1;
      } else {
        throw new RedisError(`ERR Syntax error in HELLO option '${cstr(argv[i])}'`);
      }
    }
    if (!c.authenticated) throw new RedisError('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
    if (name !== null) c.name = name;
    if (ver) c.reply.proto = ver;
    helloReply(c);
  }),
  cmd('select', 2, 'loading stale fast', 0, 0, 0, (c, argv) => {
    // getIntFromObjectOrReply: a C int first (its own error text), then the db range
    const id = rangeLongArg(argv[1], -2147483648n, 2147483647n);
    if (id < 0 || id >= c.server.dbs.length) throw new RedisError(Err.dbIndex);
    c.db = c.server.dbs[id];
    c.reply.ok();
  }),
];
