/**
 * MONITOR: every command the server runs is shown to monitoring clients as
 * `+1339518083.107412 [0 127.0.0.1:60866] "keys" "*"`, as Redis's
 * replicationFeedMonitors.
 */
import type { Client } from './client';

/** Show argv, run by client c at time t (ms), to every monitor but c. */
export function feedMonitors(monitors: Set<Client>, c: Client, argv: string[], t: number): void {
  const ts = `${Math.floor(t / 1000)}.${String((t % 1000) * 1000).padStart(6, '0')}`;
  const who = c.isMaster ? 'master' : c.socket === null ? 'lua' : c.addr;
  let line = `+${ts} [${c.db.id} ${who}]`;
  for (const a of argv) {
    // an argument longer than any JS string (Client.bigArgs): its first 128 bytes and its length, not a 512 MB line
    const b = c.bigArgs === null ? undefined : c.bigArgs.get(a);
    line += ' ' + (b === undefined ? quoteMonitorArg(a) : quoteMonitorArg(b.latin1Slice(0, 128)) + `... (${b.length - 128} more bytes)`);
  }
  line += '\r\n';
  for (const m of monitors) {
    if (m === c) continue;
    m.reply.raw(line);
    m.flush();
  }
}

function quoteMonitorArg(a: string): string {
  let o = '"';
  for (let i = 0; i < a.length; i++) {
    const ch = a.charCodeAt(i);
    const c = a[i];
    if (c === '\\' || c === '"') o += '\\' + c;
    else if (c === '\n') o += '\\n';
    else if (c === '\r') o += '\\r';
    else if (c === '\t') o += '\\t';
    else if (c === '\x07') o += '\\a';
    else if (c === '\b') o += '\\b';
    else if (ch < 32 || ch > 126) o += '\\x' + ch.toString(16).padStart(2, '0');
    else o += c;
  }
  return o + '"';
}
