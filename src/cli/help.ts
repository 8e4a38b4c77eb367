/**
 * The interactive `help` command of tredis-cli. redis-cli 7.0 ships a static
 * table (help.h); tredis-cli builds the same table from the server's
 * COMMAND DOCS reply, rendering argument syntax the way help.h was generated.
 */
import type { Reply } from '../protocol/reply-parser';
import { splitArgs } from '../util/split-args';

/** One command in the help table. */
export interface HelpEntry {
  /** Upper-case words, e.g. ["CLIENT", "KILL"]. */
  words: string[];
  /** Full name, e.g. "CLIENT KILL". */
  full: string;
  params: string;
  summary: string;
  since: string;
  group: string;
}

function text(r: Reply | undefined): string {
  if (r === undefined) return '';
  switch (r.type) {
    case 'string':
    case 'status':
    case 'verb':
      return r.str.toString('utf8');
    case 'integer':
      return String(r.int);
    default:
      return '';
  }
}

/** Key/value pairs of a RESP3 map or RESP2 flat array. */
function pairs(r: Reply | undefined): Array<[string, Reply]> {
  if (r === undefined || (r.type !== 'map' && r.type !== 'array')) return [];
  const out: Array<[string, Reply]> = [];
  for (let i = 0; i + 1 < r.elements.length; i += 2) out.push([text(r.elements[i]), r.elements[i + 1]]);
  return out;
}

function field(r: Reply | undefined, name: string): Reply | undefined {
  for (const [k, v] of pairs(r)) if (k === name) return v;
  return undefined;
}

function flags(r: Reply): Set<string> {
  const f = field(r, 'flags');
  const out = new Set<string>();
  if (f !== undefined && (f.type === 'array' || f.type === 'set')) for (const x of f.elements) out.add(text(x));
  return out;
}

/** Render one argument spec like utils/generate-command-help.rb does. */
function renderArgument(arg: Reply): string {
  const type = text(field(arg, 'type'));
  const sub = field(arg, 'arguments');
  const subs = sub !== undefined && sub.type === 'array' ? sub.elements : [];
  let name: string | null;
  if (type === 'block') name = subs.map(renderArgument).join(' ');
  else if (type === 'oneof') name = subs.map(renderArgument).join('|');
  else if (type === 'pure-token') name = null;
  else name = text(field(arg, 'name'));
  const f = flags(arg);
  const token = field(arg, 'token');
  if (f.has('multiple')) {
    if (f.has('multiple_token')) name = `${name ?? ''} [${text(token)} ${name ?? ''} ...]`;
    else name = `${name ?? ''} [${name ?? ''} ...]`;
  }
  if (token !== undefined) name = [text(token), name].filter((x): x is string => x !== null).join(' ');
  if (f.has('optional')) name = `[${name ?? ''}]`;
  return name ?? '';
}

function addEntries(out: HelpEntry[], name: string, doc: Reply): void {
  const words = name.split('|').map((w) => w.toUpperCase());
  const args = field(doc, 'arguments');
  const params = args !== undefined && args.type === 'array' ? args.elements.map(renderArgument).join(' ') : '';
  const subcommands = field(doc, 'subcommands');
  const subs = pairs(subcommands);
  if (subs.length === 0 || words.length > 1) {
    out.push({
      words,
      full: words.join(' '),
      params,
      summary: text(field(doc, 'summary')),
      since: text(field(doc, 'since')),
      group: text(field(doc, 'group')),
    });
  }
  for (const [subName, subDoc] of subs) addEntries(out, subName, subDoc);
}

/** Build the help table from a COMMAND DOCS reply (sorted like help.h). */
export function helpEntriesFromDocs(docs: Reply): HelpEntry[] {
  const out: HelpEntry[] = [];
  for (const [name, doc] of pairs(docs)) addEntries(out, name, doc);
  out.sort((a, b) => (a.full < b.full ? -1 : a.full > b.full ? 1 : 0));
  return out;
}

/** cliOutputGenericHelp(). */
export function genericHelp(version: string): string {
  return (
    `tredis-cli ${version}\n` +
    'To get help about Redis commands type:\n' +
    '      "help @<group>" to get a list of commands in <group>\n' +
    '      "help <command>" for help on <command>\n' +
    '      "help <tab>" to get a list of possible help topics\n' +
    '      "quit" to exit\n' +
    '\n' +
    'To set redis-cli preferences:\n' +
    '      ":set hints" enable online hints\n' +
    '      ":set nohints" disable online hints\n' +
    'Set your preferences in ~/.redisclirc\n'
  );
}

function commandHelp(e: HelpEntry, withGroup: boolean): string {
  let s = `\r\n  \x1b[1m${e.full}\x1b[0m \x1b[90m${e.params}\x1b[0m\r\n`;
  s += `  \x1b[33msummary:\x1b[0m ${e.summary}\r\n`;
  s += `  \x1b[33msince:\x1b[0m ${e.since}\r\n`;
  if (withGroup) s += `  \x1b[33mgroup:\x1b[0m ${e.group}\r\n`;
  return s;
}

/** cliOutputHelp(): the text for `help [args...]`. */
export function helpText(args: readonly string[], entries: readonly HelpEntry[], version: string): string {
  if (args.length === 0) return genericHelp(version);
  let group: string | null = null;
  if (args[0].startsWith('@')) {
    const wanted = args[0].slice(1).toLowerCase();
    if (entries.some((e) => e.group === wanted)) group = wanted;
  }
  let out = '';
  for (const e of entries) {
    if (group === null) {
      if (args.length <= e.words.length && args.every((a, j) => a.toLowerCase() === e.words[j].toLowerCase())) {
        out += commandHelp(e, true);
      }
    } else if (e.group === group) {
      out += commandHelp(e, false);
    }
  }
  return out + '\r\n';
}

/** Group names for "help @<tab>" completion. */
export function helpGroups(entries: readonly HelpEntry[]): string[] {
  return [...new Set(entries.map((e) => e.group).filter((g) => g !== ''))].sort();
}

/**
 * redis-cli's hintsCallback(): for the command typed so far (longest
 * matching multi-word entry), its params minus the arguments already typed
 * (stopping at the first optional `[`), with a leading space unless the line
 * ends in a space. null when there is nothing to hint.
 */
export function cliHint(buf: string, entries: readonly HelpEntry[]): string | null {
  const argv = splitArgs(buf);
  if (argv === null || argv.length === 0) return null;
  const endspace = buf.length > 0 && /\s/.test(buf[buf.length - 1]);
  let entry: HelpEntry | null = null;
  let matchlen = 0;
  for (const e of entries) {
    const raw = e.words;
    if (raw.length > argv.length) continue;
    let j = 0;
    while (j < raw.length && raw[j].toLowerCase() === argv[j].toLowerCase()) j++;
    if (j === raw.length && raw.length > matchlen) {
      matchlen = raw.length;
      entry = e;
    }
  }
  if (entry === null) return null;
  let hint = entry.params;
  let toremove = argv.length - matchlen;
  while (toremove > 0 && hint.length > 0) {
    if (hint[0] === '[') break;
    if (hint[0] === ' ') toremove--;
    hint = hint.slice(1);
  }
  return endspace ? hint : ' ' + hint;
}
