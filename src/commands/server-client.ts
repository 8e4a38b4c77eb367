/**
 * CLIENT: ID, INFO, LIST, KILL, SETNAME, GETNAME, SETINFO, PAUSE, UNPAUSE,
 * REPLY, NO-EVICT, NO-TOUCH, UNBLOCK, TRACKING, CACHING, GETREDIR,
 * TRACKINGINFO, HELP, with Redis 7.0's replies and error texts
 * (networking.c clientCommand). The tracking tables are src/server/tracking.ts.
 */
import { cmd, type CommandSpec } from './spec';
import { RedisError, Err, cstr } from '../protocol/errors';
import { parseLongLong } from './util';
import type { Client } from '../server/client';
import type { Server } from '../server/server';
import type { TrackingOptions } from '../server/tracking';
import { replyHelp, subcommandSyntaxError } from './server-util';

const CLIENT_HELP = [
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
];

/** getClientTypeByName: normal, slave/replica, pubsub, master (-1 when unknown); strcasecmp: up to a NUL byte. */
function clientTypeByName(name: string): 'normal' | 'replica' | 'pubsub' | 'master' | null {
  switch (cstr(name).toLowerCase()) {
    case 'normal':
      return 'normal';
    case 'slave':
    case 'replica':
      return 'replica';
    case 'pubsub':
      return 'pubsub';
    case 'master':
      return 'master';
    default:
      return null;
  }
}

/** getClientType: a MONITOR client counts as normal; any subscription makes it pubsub. */
function clientType(c: Client): 'normal' | 'replica' | 'pubsub' | 'master' {
  if (c.isMaster) return 'master';
  if (c.isReplica && !c.isMonitor) return 'replica';
  if (c.channels.size + c.patterns.size + c.shardChannels.size > 0) return 'pubsub';
  return 'normal';
}

/** catClientInfoString: one CLIENT LIST / CLIENT INFO line (without the newline). */
export function clientInfoLine(s: Server, c: Client): string {
  let flags = '';
  if (c.isReplica) flags += 'S';
  if (c.isMonitor) flags += 'O';
  if (c.isMaster) flags += 'M';
  if (c.channels.size + c.patterns.size + c.shardChannels.size > 0) flags += 'P';
  if (c.multi !== null) flags += 'x';
  if (c.blocked !== null) flags += 'b';
  if (c.tracking !== null) flags += 't' + (c.tracking.brokenRedir ? 'R' : '') + (c.tracking.bcast ? 'B' : '');
  if (c.casDirty && c.watched.size > 0) flags += 'd';
  if (c.closeAfterReply) flags += 'c';
  if (c.socket !== null && c.socket.remoteAddress === undefined) flags += 'U';
  if (c.noEvict) flags += 'e';
  if (c.noTouch) flags += 'T';
  if (flags === '') flags = 'N';
  const nowSec = Math.floor(s.now() / 1000);
  const qbuf = c.parser.pending;
  const obl = c.reply.out.length;
  const omem = c.outputBytes;
  const multiMem = c.multi ? c.multi.reduce((a, q) => a + q.argv.reduce((b, x) => b + x.length, 0), 0) : 0;
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=${c.name} ` +
    `age=${nowSec - Math.floor(c.createdAt / 1000)} idle=${nowSec - Math.floor(c.lastInteraction / 1000)} flags=${flags} db=${c.db.id} ` +
    `sub=${c.channels.size} psub=${c.patterns.size} ssub=${c.shardChannels.size} multi=${c.multi ? c.multi.length : -1} ` +
    `qbuf=${qbuf} qbuf-free=${qbuf === 0 ? 0 : 16384} argv-mem=0 multi-mem=${multiMem} rbs=1024 rbp=0 obl=${obl} oll=0 omem=${omem} ` +
    `tot-mem=${qbuf + omem + multiMem + 1024} events=r cmd=${c.lastCmd ? c.lastCmd.fullName : 'NULL'} user=${c.user} redir=${c.tracking !== null ? c.tracking.redirect : -1} resp=${c.reply.proto}`
  );
}

/** A client name / lib attribute may only hold printable ASCII without spaces ('!'..'~'). */
function validAttr(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const ch = v.charCodeAt(i);
    if (ch < 33 || ch > 126) return false;
  }
  return true;
}

function parseId(s: string, msg: string): bigint {
  const v = parseLongLong(s);
  if (v === null) throw new RedisError(msg);
  return v;
}

/** CLIENT subcommands. */
export const clientCommand: CommandSpec = cmd(
  'client',
  -2,
  '',
  0,
  0,
  0,
  () => {},
  {
    group: 'connection',
    subcommands: [
      /** Format: CLIENT ID */
      cmd('id', 2, 'noscript loading stale', 0, 0, 0, (c) => c.reply.int(c.id)),
      /** Format: CLIENT INFO */
      cmd('info', 2, 'noscript loading stale', 0, 0, 0, (c) => c.reply.verbatim(clientInfoLine(c.server, c) + '\n')),
      /** Format: CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id [id ...]] */
      cmd('list', -2, 'admin noscript loading stale', 0, 0, 0, (c, argv) => {
        const s = c.server;
        let out = '';
        if (argv.length === 4 && argv[2].toLowerCase() === 'type') {
          const t = clientTypeByName(argv[3]);
          if (t === null) throw new RedisError(`ERR Unknown client type '${cstr(argv[3])}'`);
          for (const cl of s.clients.values()) if (clientType(cl) === t) out += clientInfoLine(s, cl) + '\n';
        } else if (argv.length > 3 && argv[2].toLowerCase() === 'id') {
          for (let i = 3; i < argv.length; i++) {
            const id = parseId(argv[i], 'ERR Invalid client ID');
            const cl = s.clients.get(Number(id));
            if (cl) out += clientInfoLine(s, cl) + '\n';
          }
        } else if (argv.length !== 2) {
          throw new RedisError(Err.syntax);
        } else {
          for (const cl of s.clients.values()) out += clientInfoLine(s, cl) + '\n';
        }
        c.reply.verbatim(out);
      }),
      /** Format: CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE type] [ADDR ip:port] [LADDR ip:port] [USER name] [SKIPME yes|no] */
      cmd('kill', -3, 'admin noscript loading stale', 0, 0, 0, (c, argv) => {
        const s = c.server;
        let addr: string | null = null;
        let laddr: string | null = null;
        let user: string | null = null;
        let type: ReturnType<typeof clientTypeByName> = null;
        let id = 0;
        let skipme = true;
        if (argv.length === 3) {
          addr = argv[2];
          skipme = false; // the old form can kill the caller itself
        } else {
          for (let i = 2; i < argv.length; i += 2) {
            const opt = argv[i].toLowerCase();
            const more = argv.length > i + 1;
            if (opt === 'id' && more) {
              const v = parseLongLong(argv[i + 1]);
              if (v === null || v < 1n) throw new RedisError('ERR client-id should be greater than 0');
              id = Number(v);
            } else if (opt === 'type' && more) {
              type = clientTypeByName(argv[i + 1]);
              if (type === null) throw new RedisError(`ERR Unknown client type '${cstr(argv[i + 1])}'`);
            } else if (opt === 'addr' && more) addr = argv[i + 1];
            else if (opt === 'laddr' && more) laddr = argv[i + 1];
            else if (opt === 'user' && more) {
              if (!s.acl.users.has(argv[i + 1])) throw new RedisError(`ERR No such user '${cstr(argv[i + 1])}'`);
              user = argv[i + 1];
            } else if (opt === 'skipme' && more) {
              const v = argv[i + 1].toLowerCase();
              if (v === 'yes') skipme = true;
              else if (v === 'no') skipme = false;
              else throw new RedisError(Err.syntax);
            } else throw new RedisError(Err.syntax);
          }
        }
        let killed = 0;
        let closeSelf = false;
        for (const cl of [...s.clients.values()]) {
          if (addr !== null && cl.addr !== addr) continue;
          if (laddr !== null && cl.laddr !== laddr) continue;
          if (type !== null && clientType(cl) !== type) continue;
          if (id !== 0 && cl.id !== id) continue;
          if (user !== null && cl.user !== user) continue;
          if (cl === c && skipme) continue;
          if (cl === c) closeSelf = true;
          else cl.kill();
          killed++;
        }
        if (argv.length === 3) {
          if (killed === 0) throw new RedisError('ERR No such client');
          c.reply.ok();
        } else c.reply.int(killed);
        if (closeSelf) c.closeAfterReply = true;
      }),
      /** Format: CLIENT SETNAME name */
      cmd('setname', 3, 'noscript loading stale', 0, 0, 0, (c, argv) => {
        if (!validAttr(argv[2])) throw new RedisError('ERR Client names cannot contain spaces, newlines or special characters.');
        c.name = argv[2];
        c.reply.ok();
      }),
      /** Format: CLIENT GETNAME */
      cmd('getname', 2, 'noscript loading stale', 0, 0, 0, (c) => (c.name === '' ? c.reply.nullBulk() : c.reply.bulk(c.name))),
      /** Format: CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2, accepted so 7.2 client libraries work) */
      cmd('setinfo', 4, 'noscript loading stale', 0, 0, 0, (c, argv) => {
        const attr = argv[2].toLowerCase();
        if (attr !== 'lib-name' && attr !== 'lib-ver') throw new RedisError(`ERR Unrecognized option '${argv[2]}'`);
        if (!validAttr(argv[3])) throw new RedisError(`ERR ${attr} cannot contain spaces, newlines or special characters.`);
        if (attr === 'lib-name') c.libName = argv[3];
        else c.libVer = argv[3];
        c.reply.ok();
      }),
      /** Format: CLIENT PAUSE timeout [WRITE|ALL] */
      cmd('pause', -3, 'admin noscript loading stale', 0, 0, 0, (c, argv) => {
        if (argv.length > 4) throw subcommandSyntaxError(argv[1], 'CLIENT');
        let writeOnly = false;
        if (argv.length === 4) {
          const m = argv[3].toLowerCase();
          if (m === 'write') writeOnly = true;
          else if (m !== 'all') throw new RedisError('ERR CLIENT PAUSE mode must be WRITE or ALL');
        }
        const ms = parseLongLong(argv[2]);
        if (ms === null) throw new RedisError('ERR timeout is not an integer or out of range');
        if (ms < 0n) throw new RedisError('ERR timeout is negative');
        c.server.pause.pause(Number(ms), writeOnly);
        c.reply.ok();
      }),
      /** Format: CLIENT UNPAUSE */
      cmd('unpause', 2, 'admin noscript loading stale', 0, 0, 0, (c) => {
        c.server.pause.unpause();
        c.reply.ok();
      }),
      /** Format: CLIENT REPLY ON|OFF|SKIP */
      cmd('reply', 3, 'noscript loading stale', 0, 0, 0, (c, argv) => {
        const m = argv[2].toLowerCase();
        if (m === 'on') {
          c.replyMode = 'on';
          c.reply.setMuted(false);
          c.reply.ok();
        } else if (m === 'off') {
          c.replyMode = 'off';
          c.reply.setMuted(true);
        } else if (m === 'skip') {
          if (c.replyMode !== 'off') c.replyMode = 'skip-next';
        } else throw new RedisError(Err.syntax);
      }),
      /** Format: CLIENT NO-EVICT ON|OFF */
      cmd('no-evict', 3, 'admin noscript loading stale', 0, 0, 0, (c, argv) => {
        const m = argv[2].toLowerCase();
        if (m === 'on') c.noEvict = true;
        else if (m === 'off') c.noEvict = false;
        else throw new RedisError(Err.syntax);
        c.reply.ok();
      }),
      /** Format: CLIENT NO-TOUCH ON|OFF (Redis 7.2) */
      cmd('no-touch', 3, 'noscript loading stale', 0, 0, 0, (c, argv) => {
        const m = argv[2].toLowerCase();
        if (m === 'on') c.noTouch = true;
        else if (m === 'off') c.noTouch = false;
        else throw new RedisError(Err.syntax);
        c.reply.ok();
      }),
      /** Format: CLIENT UNBLOCK client-id [TIMEOUT|ERROR] */
      cmd('unblock', -3, 'admin noscript loading stale', 0, 0, 0, (c, argv) => {
        if (argv.length > 4) throw subcommandSyntaxError(argv[1], 'CLIENT');
        const id = parseId(argv[2], Err.notInt);
        let error = false;
        if (argv.length === 4) {
          const r = argv[3].toLowerCase();
          if (r === 'error') error = true;
          else if (r !== 'timeout') throw new RedisError('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
        }
        const s = c.server;
        const target = s.clients.get(Number(id));
        const st = target?.blocked ?? null;
        if (target === undefined || st === null || st.kind === 'pause') {
          c.reply.int(0);
          return;
        }
        if (error) {
          target.reply.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
          s.countError('UNBLOCKED client unblocked via CLIENT UNBLOCK');
        } else s.executor.execUnit(() => st.onTimeout());
        s.blocking.unblock(target, true);
        c.reply.int(1);
      }),
      /** Format: CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX prefix [PREFIX prefix ...]] [OPTIN] [OPTOUT] [NOLOOP] */
      cmd('tracking', -3, 'noscript loading stale', 0, 0, 0, (c, argv) => {
        const s = c.server;
        const o: TrackingOptions = { redirect: 0, bcast: false, optin: false, optout: false, noloop: false, prefixes: [] };
        for (let j = 3; j < argv.length; j++) {
          const opt = argv[j].toLowerCase();
          const more = j < argv.length - 1;
          if (opt === 'redirect' && more) {
            j++;
            if (o.redirect !== 0) throw new RedisError('ERR A client can only redirect to a single other client');
            const id = parseLongLong(argv[j]);
            if (id === null) throw new RedisError(Err.notInt);
            // the client must exist now, even if it may go later
            if (!s.clients.has(Number(id))) throw new RedisError('ERR The client ID you want redirect to does not exist');
            o.redirect = Number(id);
          } else if (opt === 'bcast') o.bcast = true;
          else if (opt === 'optin') o.optin = true;
          else if (opt === 'optout') o.optout = true;
          else if (opt === 'noloop') o.noloop = true;
          else if (opt === 'prefix' && more) o.prefixes.push(argv[++j]);
          else throw new RedisError(Err.syntax);
        }
        const mode = argv[2].toLowerCase();
        if (mode === 'on') {
          const t = c.tracking;
          if (!o.bcast && o.prefixes.length > 0) throw new RedisError('ERR PREFIX option requires BCAST mode to be enabled');
          if (t !== null && t.bcast !== o.bcast) {
            throw new RedisError("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
          }
          if (o.bcast && (o.optin || o.optout)) throw new RedisError('ERR OPTIN and OPTOUT are not compatible with BCAST');
          if (o.optin && o.optout) throw new RedisError("ERR You can't specify both OPTIN mode and OPTOUT mode");
          if (t !== null && ((o.optin && t.optout) || (o.optout && t.optin))) {
            throw new RedisError("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
          }
          if (o.bcast) {
            const collision = s.tracking.prefixCollision(c, o.prefixes);
            if (collision !== null) throw new RedisError(collision);
          }
          s.tracking.enable(c, o);
        } else if (mode === 'off') s.tracking.disable(c);
        else throw new RedisError(Err.syntax);
        c.reply.ok();
      }),
      /** Format: CLIENT CACHING YES|NO (for the next command, in OPTIN / OPTOUT mode) */
      cmd('caching', 3, 'noscript loading stale', 0, 0, 0, (c, argv) => {
        const t = c.tracking;
        if (t === null) throw new RedisError('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
        const opt = argv[2].toLowerCase();
        if (opt === 'yes') {
          if (!t.optin) throw new RedisError('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
        } else if (opt === 'no') {
          if (!t.optout) throw new RedisError('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
        } else throw new RedisError(Err.syntax);
        t.caching = true;
        c.reply.ok();
      }),
      /** Format: CLIENT GETREDIR */
      cmd('getredir', 2, 'noscript loading stale', 0, 0, 0, (c) => c.reply.int(c.tracking !== null ? c.tracking.redirect : -1)),
      /** Format: CLIENT TRACKINGINFO */
      cmd('trackinginfo', 2, 'noscript loading stale', 0, 0, 0, (c) => {
        const t = c.tracking;
        const flags: string[] = [t !== null ? 'on' : 'off'];
        if (t !== null) {
          if (t.bcast) flags.push('bcast');
          if (t.optin) flags.push('optin');
          if (t.optin && t.caching) flags.push('caching-yes');
          if (t.optout) flags.push('optout');
          if (t.optout && t.caching) flags.push('caching-no');
          if (t.noloop) flags.push('noloop');
          if (t.brokenRedir) flags.push('broken_redirect');
        }
        c.reply.mapLen(3);
        c.reply.bulk('flags');
        c.reply.setLen(flags.length);
        for (const f of flags) c.reply.bulk(f);
        c.reply.bulk('redirect');
        c.reply.int(t !== null ? t.redirect : -1);
        c.reply.bulk('prefixes');
        const prefixes = t !== null ? [...t.prefixes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) : [];
        c.reply.arrayLen(prefixes.length);
        for (const p of prefixes) c.reply.bulk(p);
      }),
      /** Format: CLIENT HELP */
      cmd('help', 2, 'loading stale', 0, 0, 0, (c) => replyHelp(c, 'CLIENT', CLIENT_HELP)),
    ],
  },
);
