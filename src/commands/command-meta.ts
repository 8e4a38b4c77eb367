/**
 * COMMAND INFO / COMMAND DOCS replies. Behaviour (name, arity, flags, key
 * positions, subcommands) comes from the command table; the documentation
 * parts Redis 7.0 prints (ACL categories, tips, key specs, summaries,
 * arguments) come from command-meta-data.ts, generated from redis-server
 * 7.0.15 by scripts/gen-command-meta.ts. Commands Redis does not have get
 * the same shapes computed from their spec.
 */
import type { Command } from './spec';
import type { ReplyWriter } from '../protocol/reply';

/**
 * A metadata tree: string = bulk, number = integer, array = array, object =
 * map (ordered), {"+": s} = status, {"~": [...]} = set, {"~+": [...]} = set
 * of status strings.
 */
export type MetaNode = string | number | null | MetaNode[] | { [key: string]: MetaNode };

/** One command's documentation metadata. */
export interface CommandMeta {
  /** ACL categories with the @ */
  a: string[];
  /** command tips */
  t: string[];
  /** key specs */
  k: MetaNode;
  /** docs map (without subcommands) */
  d?: MetaNode;
}

let META: Record<string, CommandMeta> | null = null;

function meta(): Record<string, CommandMeta> {
  // the 200 KB data module is only read on the first COMMAND INFO / DOCS / ACL rule (process start stays lean)
  if (META === null) {
    const data = require('./command-meta-data') as typeof import('./command-meta-data');
    META = JSON.parse(data.COMMAND_META_JSON) as Record<string, CommandMeta>;
  }
  return META;
}

/** The metadata of a command by full name (`get`, `config|get`), if Redis has it. */
export function commandMeta(fullName: string): CommandMeta | undefined {
  const m = meta();
  return Object.prototype.hasOwnProperty.call(m, fullName) ? m[fullName] : undefined;
}

/** Every command and subcommand name Redis 7.0.15 has (containers before their subcommands). */
export function commandMetaNames(): string[] {
  return Object.keys(meta());
}

/** Write a metadata tree with Redis's types (RESP2 flattening is the writer's job). */
export function writeMeta(r: ReplyWriter, n: MetaNode): void {
  if (n === null) r.nullBulk();
  else if (typeof n === 'string') r.bulk(n);
  else if (typeof n === 'number') r.int(n);
  else if (Array.isArray(n)) {
    r.arrayLen(n.length);
    for (const x of n) writeMeta(r, x);
  } else if ('+' in n) r.simple(n['+'] as string);
  else if ('~+' in n) {
    const items = n['~+'] as string[];
    r.setLen(items.length);
    for (const s of items) r.simple(s);
  } else if ('~' in n) {
    const items = n['~'] as MetaNode[];
    r.setLen(items.length);
    for (const x of items) writeMeta(r, x);
  } else {
    const keys = Object.keys(n);
    r.mapLen(keys.length);
    for (const k of keys) {
      r.bulk(k);
      writeMeta(r, n[k]);
    }
  }
}

/** Command flags COMMAND prints, in Redis's order (may_replicate, sentinel, only_sentinel and protected are hidden). */
const SHOWN_FLAGS = ['write', 'readonly', 'denyoom', 'module', 'admin', 'pubsub', 'noscript', 'blocking', 'loading', 'stale', 'skip_monitor', 'skip_slowlog', 'asking', 'fast', 'no_auth', 'no_mandatory_keys', 'no_async_loading', 'no_multi', 'movablekeys', 'allow_busy'];

/** The flags COMMAND INFO shows for a command. */
export function shownFlags(cmd: Command): string[] {
  const have = new Set(cmd.flags);
  if (cmd.getKeysFn) have.add('movablekeys');
  return SHOWN_FLAGS.filter((f) => have.has(f));
}

const ACL_ORDER = ['keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting'];
const GROUP_CATEGORY: Record<string, string> = {
  string: 'string',
  list: 'list',
  hash: 'hash',
  set: 'set',
  sorted_set: 'sortedset',
  generic: 'keyspace',
  bitmap: 'bitmap',
  hyperloglog: 'hyperloglog',
  geo: 'geo',
  stream: 'stream',
  pubsub: 'pubsub',
  connection: 'connection',
  transactions: 'transaction',
  scripting: 'scripting',
};

/** ACL categories (with @): Redis's own, else the spec's plus those implied by flags (setImplicitACLCategories). */
export function aclCategories(cmd: Command): string[] {
  const m = commandMeta(cmd.fullName);
  if (m) return m.a;
  const cats = new Set<string>(cmd.spec.acl ?? []);
  if (!cmd.spec.acl && cmd.spec.group && GROUP_CATEGORY[cmd.spec.group]) cats.add(GROUP_CATEGORY[cmd.spec.group]);
  const f = new Set(cmd.flags);
  if (f.has('write')) cats.add('write');
  if (f.has('readonly') && !cats.has('scripting')) cats.add('read');
  if (f.has('admin')) {
    cats.add('admin');
    cats.add('dangerous');
  }
  if (f.has('pubsub')) cats.add('pubsub');
  if (f.has('fast')) cats.add('fast');
  if (f.has('blocking')) cats.add('blocking');
  if (!cats.has('fast')) cats.add('slow');
  return ACL_ORDER.filter((c) => cats.has(c)).map((c) => '@' + c);
}

/** Key specs: Redis's, else one range spec from the legacy first/last/step. */
export function keySpecs(cmd: Command): MetaNode {
  const m = commandMeta(cmd.fullName);
  if (m) return m.k;
  if (cmd.firstKey <= 0) return { '~': [] };
  const last = cmd.lastKey < 0 ? cmd.lastKey : cmd.lastKey - cmd.firstKey;
  return {
    '~': [
      {
        flags: { '~+': cmd.isWrite ? ['RW', 'access', 'update'] : ['RO', 'access'] },
        begin_search: { type: 'index', spec: { index: cmd.firstKey } },
        find_keys: { type: 'range', spec: { lastkey: last, keystep: cmd.step || 1, limit: 0 } },
      },
    ],
  };
}

/** One entry of COMMAND / COMMAND INFO (addReplyCommandInfo). */
export function writeCommandInfo(r: ReplyWriter, cmd: Command): void {
  r.arrayLen(10);
  r.bulk(cmd.fullName);
  r.int(cmd.arity);
  const flags = shownFlags(cmd);
  r.setLen(flags.length);
  for (const f of flags) r.simple(f);
  r.int(cmd.firstKey);
  r.int(cmd.lastKey);
  r.int(cmd.step);
  const cats = aclCategories(cmd);
  r.setLen(cats.length);
  for (const c of cats) r.simple(c);
  const tips = commandMeta(cmd.fullName)?.t ?? cmd.spec.tips ?? [];
  r.setLen(tips.length);
  for (const t of tips) r.bulk(t);
  writeMeta(r, keySpecs(cmd));
  if (cmd.subcommands === null) r.setLen(0);
  else {
    r.arrayLen(cmd.subcommands.size);
    for (const sc of cmd.subcommands.values()) writeCommandInfo(r, sc);
  }
}

/** One command's COMMAND DOCS map (addReplyCommandDocs), subcommands from the table. */
export function writeCommandDocs(r: ReplyWriter, cmd: Command): void {
  const d = commandMeta(cmd.fullName)?.d;
  let doc: { [key: string]: MetaNode };
  if (d && typeof d === 'object' && !Array.isArray(d)) doc = d;
  else {
    doc = {};
    if (cmd.spec.summary) doc.summary = cmd.spec.summary;
    if (cmd.spec.since) doc.since = cmd.spec.since;
    doc.group = cmd.spec.group ?? (cmd.parent?.spec.group ?? 'server');
  }
  const keys = Object.keys(doc);
  const subs = cmd.subcommands;
  r.mapLen(keys.length + (subs ? 1 : 0));
  for (const k of keys) {
    r.bulk(k);
    writeMeta(r, doc[k]);
  }
  if (subs) {
    r.bulk('subcommands');
    r.mapLen(subs.size);
    for (const sc of subs.values()) {
      r.bulk(sc.fullName);
      writeCommandDocs(r, sc);
    }
  }
}

interface KeySpecLike {
  flags?: { '~+'?: string[] };
  begin_search?: { type?: string; spec?: { index?: number; keyword?: string; startfrom?: number } };
  find_keys?: { type?: string; spec?: { lastkey?: number; keystep?: number; limit?: number; keynumidx?: number; firstkey?: number } };
}

/** Positions (argv indexes) a key spec selects, as getKeysUsingKeySpecs; null when it cannot tell. */
function specPositions(ks: KeySpecLike, argv: string[]): number[] | null {
  const argc = argv.length;
  const bs = ks.begin_search;
  let first: number;
  if (bs?.type === 'index') first = bs.spec?.index ?? 0;
  else if (bs?.type === 'keyword') {
    const kw = (bs.spec?.keyword ?? '').toLowerCase();
    const from = bs.spec?.startfrom ?? 1;
    first = 0;
    if (from >= 0) {
      for (let i = from; i < argc; i++) if (argv[i].toLowerCase() === kw) {
        first = i + 1;
        break;
      }
    } else {
      for (let i = argc + from; i > 0; i--) if (argv[i].toLowerCase() === kw) {
        first = i + 1;
        break;
      }
    }
    if (first === 0) return [];
  } else return null;
  const fk = ks.find_keys;
  const out: number[] = [];
  if (fk?.type === 'range') {
    const lastkey = fk.spec?.lastkey ?? 0;
    const step = fk.spec?.keystep ?? 1;
    const limit = fk.spec?.limit ?? 0;
    let last: number;
    if (lastkey >= 0) last = first + lastkey;
    else if (limit <= 1) last = argc + lastkey;
    else last = first + Math.floor((argc - first) / limit) + lastkey;
    for (let i = first; i <= last && i < argc; i += step) out.push(i);
    return out;
  }
  if (fk?.type === 'keynum') {
    const n = Number(argv[first + (fk.spec?.keynumidx ?? 0)]);
    if (!Number.isInteger(n) || n < 0) return null;
    const start = first + (fk.spec?.firstkey ?? 1);
    const step = fk.spec?.keystep ?? 1;
    for (let i = 0; i < n && start + i * step < argc; i++) out.push(start + i * step);
    return out;
  }
  return null;
}

/** The key-spec flags (RW access ...) of the key at argv[pos] (COMMAND GETKEYSANDFLAGS). */
export function keyFlagsAt(cmd: Command, argv: string[], pos: number): string[] {
  const specsNode = keySpecs(cmd) as { '~'?: KeySpecLike[] };
  const specs = specsNode['~'] ?? [];
  let flags: string[] | null = null;
  for (const ks of specs) {
    const p = specPositions(ks, argv);
    if (p !== null && p.includes(pos)) {
      flags = ks.flags?.['~+'] ?? [];
      break;
    }
  }
  if (flags === null) flags = specs[0]?.flags?.['~+'] ?? (cmd.isWrite ? ['RW', 'access', 'update'] : ['RO', 'access']);
  if (flags.includes('variable_flags') && cmd.fullName === 'set') {
    // setGetKeys: without GET the key is only overwritten
    return argv.some((a, i) => i > 2 && a.toLowerCase() === 'get') ? ['RW', 'access', 'update'] : ['OW', 'update'];
  }
  return flags;
}
