/**
 * ACL: SETUSER, GETUSER, DELUSER, LIST, USERS, WHOAMI, CAT, GENPASS, LOG,
 * DRYRUN, LOAD, SAVE, HELP. The users and the checks live in server/acl.ts;
 * this file turns them into Redis 7.0.15's replies.
 */
import * as crypto from 'node:crypto';
import { cmd, type CommandSpec } from './spec';
import { RedisError, Err, cstr } from '../protocol/errors';
import { parseLongLong } from './util';
import { replyHelp, subcommandSyntaxError } from './server-util';
import { ACL_CATEGORIES, ACL_OK, DENIED_CMD, DENIED_KEY, DENIED_AUTH, DENIED_CHANNEL, hasSpaces, type Selector } from '../server/acl';
import type { Client } from '../server/client';
import type { Command } from './spec';

const ACL_HELP = [
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
];

const NO_ACLFILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

/** aclAddReplySelectorDescription: commands, keys, channels of one selector. */
function replySelector(c: Client, s: Selector): void {
  const r = c.reply;
  r.bulk('commands');
  r.bulk(c.server.acl.describeCommandRules(s));
  r.bulk('keys');
  r.bulk(s.describeKeys(' '));
  r.bulk('channels');
  r.bulk(s.allChannels ? '&*' : s.channels.map((ch) => '&' + ch).join(' '));
}

/** getLongFromObjectOrReply: a long, else Redis's error. */
function longArg(s: string): number {
  const v = parseLongLong(s);
  if (v === null) throw new RedisError(Err.notInt);
  return Number(v);
}

/** lookupCommand (not strict): the command, a subcommand, or a container named alone. */
function lookupAny(c: Client, argv: string[]): Command | null {
  const base = c.server.commands.get(argv[0].toLowerCase());
  if (base === undefined) return null;
  if (argv.length === 1 || base.subcommands === null) return base;
  return base.subcommands.get(argv[1].toLowerCase()) ?? null;
}

const ADMIN = 'admin noscript loading stale';

/** ACL command specs. */
export const aclCommands: CommandSpec[] = [
  {
    name: 'acl',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    subcommands: [
      /** Format: ACL CAT [category] */
      cmd('cat', -2, 'noscript loading stale', 0, 0, 0, (c, argv) => {
        if (argv.length > 3) throw subcommandSyntaxError(argv[1], 'ACL');
        if (argv.length === 2) {
          c.reply.bulks(ACL_CATEGORIES);
          return;
        }
        const i = ACL_CATEGORIES.indexOf(argv[2].toLowerCase());
        if (i < 0) throw new RedisError(`ERR Unknown category '${cstr(argv[2]).slice(0, 128)}'`);
        c.reply.bulks(c.server.acl.commandsInCategory(i));
      }),
      /** Format: ACL DELUSER username [username ...] */
      cmd('deluser', -3, ADMIN, 0, 0, 0, (c, argv) => {
        for (let j = 2; j < argv.length; j++) if (argv[j] === 'default') throw new RedisError("ERR The 'default' user cannot be removed");
        let deleted = 0;
        for (let j = 2; j < argv.length; j++) if (c.server.acl.deleteUser(argv[j])) deleted++;
        c.reply.int(deleted);
      }),
      /** Format: ACL DRYRUN username command [arg ...] */
      cmd('dryrun', -4, ADMIN, 0, 0, 0, (c, argv) => {
        const acl = c.server.acl;
        const u = acl.users.get(argv[2]);
        if (u === undefined) throw new RedisError(`ERR User '${cstr(argv[2])}' not found`);
        const args = argv.slice(3);
        const command = lookupAny(c, args);
        if (command === null) throw new RedisError(`ERR Command '${cstr(argv[3])}' not found`);
        if ((command.arity > 0 && command.arity !== args.length) || args.length < -command.arity) {
          throw new RedisError(`ERR wrong number of arguments for '${command.fullName}' command`);
        }
        const r = acl.check(u, command, args);
        if (r.result === ACL_OK) c.reply.ok();
        else if (r.result === DENIED_CMD) c.reply.bulk(`This user has no permissions to run the '${command.fullName}' command`);
        else if (r.result === DENIED_KEY) c.reply.bulk(`This user has no permissions to access the '${cstr(args[r.pos])}' key`);
        else c.reply.bulk(`This user has no permissions to access the '${cstr(args[r.pos])}' channel`);
      }),
      /** Format: ACL GENPASS [bits] */
      cmd('genpass', -2, 'noscript loading stale', 0, 0, 0, (c, argv) => {
        if (argv.length > 3) throw subcommandSyntaxError(argv[1], 'ACL');
        const bits = argv.length === 3 ? longArg(argv[2]) : 256;
        if (bits <= 0 || bits > 4096) throw new RedisError('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096');
        const chars = Math.floor((bits + 3) / 4);
        c.reply.bulk(crypto.randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars));
      }),
      /** Format: ACL GETUSER username */
      cmd('getuser', 3, ADMIN, 0, 0, 0, (c, argv) => {
        const u = c.server.acl.users.get(argv[2]);
        const r = c.reply;
        if (u === undefined) {
          r.nullBulk();
          return;
        }
        r.mapLen(6);
        r.bulk('flags');
        const flags = [u.enabled ? 'on' : 'off'];
        if (u.nopass) flags.push('nopass');
        if (u.sanitize === 'skip') flags.push('skip-sanitize-payload');
        else if (u.sanitize === 'sanitize') flags.push('sanitize-payload');
        r.setLen(flags.length);
        for (const f of flags) r.bulk(f);
        r.bulk('passwords');
        r.bulks(u.passwords);
        replySelector(c, u.root);
        r.bulk('selectors');
        r.arrayLen(u.selectors.length - 1);
        for (const s of u.selectors.slice(1)) {
          r.mapLen(3);
          replySelector(c, s);
        }
      }),
      /** Format: ACL HELP */
      cmd('help', 2, 'loading stale', 0, 0, 0, (c) => replyHelp(c, 'ACL', ACL_HELP)),
      /** Format: ACL LIST */
      cmd('list', 2, ADMIN, 0, 0, 0, (c) => c.reply.bulks(c.server.acl.userLines())),
      /** Format: ACL LOAD */
      cmd('load', 2, ADMIN, 0, 0, 0, (c) => {
        if (c.server.config.settings.aclfile === '') throw new RedisError(NO_ACLFILE);
        const err = c.server.acl.loadFromFile();
        if (err !== null) throw new RedisError('ERR ' + err);
        c.reply.ok();
      }),
      /** Format: ACL LOG [count | RESET] */
      cmd('log', -2, ADMIN, 0, 0, 0, (c, argv) => {
        if (argv.length > 3) throw subcommandSyntaxError(argv[1], 'ACL');
        const acl = c.server.acl;
        let count = 10;
        if (argv.length === 3) {
          if (argv[2].toLowerCase() === 'reset') {
            acl.resetLog();
            c.reply.ok();
            return;
          }
          count = Math.max(0, longArg(argv[2]));
        }
        const entries = acl.logEntries(count);
        const r = c.reply;
        const now = Date.now();
        r.arrayLen(entries.length);
        for (const e of entries) {
          r.mapLen(7);
          r.bulk('count');
          r.int(e.count);
          r.bulk('reason');
          r.bulk(e.reason === DENIED_CMD ? 'command' : e.reason === DENIED_KEY ? 'key' : e.reason === DENIED_CHANNEL ? 'channel' : e.reason === DENIED_AUTH ? 'auth' : 'unknown');
          r.bulk('context');
          r.bulk(e.context);
          r.bulk('object');
          r.bulk(e.object);
          r.bulk('username');
          r.bulk(e.username);
          r.bulk('age-seconds');
          r.double((now - e.ctime) / 1000);
          r.bulk('client-info');
          r.bulk(e.cinfo);
        }
      }),
      /** Format: ACL SAVE */
      cmd('save', 2, ADMIN, 0, 0, 0, (c) => {
        if (c.server.config.settings.aclfile === '') throw new RedisError(NO_ACLFILE);
        if (!c.server.acl.saveToFile()) throw new RedisError('ERR There was an error trying to save the ACLs. Please check the server logs for more information');
        c.reply.ok();
      }),
      /** Format: ACL SETUSER username [rule ...] */
      cmd('setuser', -3, ADMIN, 0, 0, 0, (c, argv) => {
        if (hasSpaces(argv[2])) throw new RedisError("ERR Usernames can't contain spaces or null characters");
        const err = c.server.acl.setUser(argv[2], argv.slice(3));
        if (err !== null) throw new RedisError('ERR ' + err.replace(/[\r\n]/g, ' '));
        c.reply.ok();
      }),
      /** Format: ACL USERS */
      cmd('users', 2, ADMIN, 0, 0, 0, (c) => c.reply.bulks(c.server.acl.sortedUsers().map((u) => u.name))),
      /** Format: ACL WHOAMI */
      cmd('whoami', 2, 'noscript loading stale', 0, 0, 0, (c) => {
        if (c.aclUser === null) c.reply.nullBulk();
        else c.reply.bulk(c.aclUser.name);
      }),
    ],
  },
];
