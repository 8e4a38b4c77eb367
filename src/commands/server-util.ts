/**
 * Small helpers shared by the server/admin command files: HELP replies,
 * Redis's "unknown subcommand or wrong number of arguments" error, local
 * client detection for enable-*-command / enable-protected-configs.
 */
import { RedisError, cstr } from '../protocol/errors';
import type { Client } from '../server/client';

/** addReplyHelp: `<NAME> <subcommand> ...` header, the lines, then HELP, all as status replies. */
export function replyHelp(c: Client, name: string, lines: readonly string[]): void {
  c.reply.arrayLen(lines.length + 3);
  c.reply.simple(`${name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const l of lines) c.reply.simple(l);
  c.reply.simple('HELP');
  c.reply.simple('    Prints this help.');
}

/** addReplySubcommandSyntaxError. */
export function subcommandSyntaxError(sub: string, container: string): RedisError {
  return new RedisError(`ERR unknown subcommand or wrong number of arguments for '${cstr(sub).slice(0, 128)}'. Try ${container} HELP.`);
}

/** islocalClient: a unix socket or a loopback peer. */
export function isLocalClient(c: Client): boolean {
  if (c.socket === null) return true;
  const ip = c.socket.remoteAddress;
  if (ip === undefined) return true;
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}

/** allowProtectedAction: the setting is "yes", or "local" and the client is local. */
export function allowProtectedAction(setting: string, c: Client): boolean {
  return setting === 'yes' || (setting === 'local' && isLocalClient(c));
}
