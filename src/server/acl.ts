/**
 * ACL users (Redis 7.0 ACL v2): users with passwords and selectors, the rules
 * of ACL SETUSER, the description ACL LIST / GETUSER / CONFIG REWRITE print,
 * the permission check the executor's gate calls (command bits, key patterns
 * with read/write flags, channels), the ACL log, aclfile load/save and the
 * `user` lines of the config file. Replies are written by commands/acl.ts.
 *
 * Commands are known by an ACL id: every command and subcommand of the table
 * as it was before rename-command (Redis's orig_commands), plus the Redis
 * 7.0.15 commands tredis does not implement (CLUSTER, MODULE, MIGRATE), so
 * rules naming them stay valid and categories hold what Redis's hold.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import type { Command } from '../commands/spec';
import { aclCategories, commandMeta, commandMetaNames, keyFlagsAt } from '../commands/command-meta';
import { stringMatch } from '../util/glob';
import { splitArgs } from '../util/split-args';
import { strerror } from '../util/strerror';
import type { Client } from './client';
import type { Server } from './server';
import { cstr } from '../protocol/errors';

/** The categories in Redis's order (ACL CAT). */
export const ACL_CATEGORIES = ['keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting'];

/** Redis's USER_COMMAND_BITS_COUNT: the last bit means "commands added later" (set by +@all only). */
const BITS = 1024;
const FUTURE_BIT = BITS - 1;
const READ = 1;
const WRITE = 2;

/** Results of a permission check (Redis's ACL_OK / ACL_DENIED_*), ordered as Redis picks the error to report. */
export const ACL_OK = 0;
export const DENIED_CMD = 1;
export const DENIED_KEY = 2;
export const DENIED_AUTH = 3;
export const DENIED_CHANNEL = 4;

/** Where a denial happened (ACL LOG context). */
export type AclContext = 'toplevel' | 'multi' | 'lua';

/** One command of the ACL universe. */
export interface AclCmd {
  id: number;
  fullName: string;
  /** category bits, in ACL_CATEGORIES order */
  cats: number;
  parent: AclCmd | null;
  subs: AclCmd[] | null;
}

interface Universe {
  list: AclCmd[];
  byName: Map<string, AclCmd>;
}

interface KeyPattern {
  pattern: string;
  flags: number;
}

/** The rule-parsing errors (Redis's errno values, ACLSetUserStringError). */
const SETUSER_ERRORS: Record<string, string> = {
  ENOENT: 'Unknown command or category name in ACL',
  EINVAL: 'Syntax error',
  EEXIST: "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
  EISDIR: "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
  ENODEV: 'The password you are trying to remove from the user does not exist',
  EBADMSG: 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
  ECHILD: 'Allowing first-arg of a subcommand is not supported',
};

/** A rule that could not be applied; `code` is Redis's errno name. */
export class AclRuleError extends Error {
  constructor(readonly code: keyof typeof SETUSER_ERRORS) {
    super(SETUSER_ERRORS[code]);
  }
}

/** ACLStringHasSpaces: isspace() or NUL anywhere. */
export function hasSpaces(s: string): boolean {
  return /[ \t\n\v\f\r\0]/.test(s);
}

/** SHA-256 hex of a password's bytes (ACLHashPassword). */
export function hashPassword(pass: string): string {
  return crypto.createHash('sha256').update(Buffer.from(pass, 'latin1')).digest('hex');
}

/** The channels a command names (Redis's commands_with_channels): [first arg, all following?, pattern?]; UNSUBSCRIBE & co are not checked. */
const CHANNEL_COMMANDS: Record<string, { all: boolean; pattern: boolean }> = {
  subscribe: { all: true, pattern: false },
  ssubscribe: { all: true, pattern: false },
  psubscribe: { all: true, pattern: true },
  publish: { all: false, pattern: false },
  spublish: { all: false, pattern: false },
};

/** One selector: the root one (rules outside parentheses) or a `( ... )` one. */
export class Selector {
  allKeys = false;
  allChannels: boolean;
  allCommands = false;
  readonly bits = new Uint8Array(BITS);
  /** +cmd|firstarg for commands without subcommands, by command id */
  firstArgs: Map<number, string[]> | null = null;
  patterns: KeyPattern[] = [];
  channels: string[] = [];

  constructor(
    readonly root: boolean,
    pubsubAll: boolean,
  ) {
    this.allChannels = pubsubAll;
  }

  copy(): Selector {
    const s = new Selector(this.root, this.allChannels);
    s.allKeys = this.allKeys;
    s.allCommands = this.allCommands;
    s.bits.set(this.bits);
    if (this.firstArgs) s.firstArgs = new Map([...this.firstArgs].map(([k, v]) => [k, v.slice()]));
    s.patterns = this.patterns.map((p) => ({ ...p }));
    s.channels = this.channels.slice();
    return s;
  }

  setBit(id: number, on: boolean): void {
    this.bits[id] = on ? 1 : 0;
    if (!on) this.allCommands = false;
  }

  /** ACLChangeSelectorPerm: a container changes with all its subcommands. */
  changePerm(cmd: AclCmd, allow: boolean): void {
    this.setBit(cmd.id, allow);
    this.firstArgs?.delete(cmd.id);
    if (cmd.subs) for (const s of cmd.subs) this.setBit(s.id, allow);
  }

  setCategory(list: AclCmd[], cat: number, allow: boolean): void {
    // parents come before their subcommands in the list, as Redis recurses after changing the parent
    for (const c of list) if (c.cats & cat) this.changePerm(c, allow);
  }

  describeKeys(sep: string): string {
    if (this.allKeys) return '~*';
    return this.patterns.map((p) => (p.flags === (READ | WRITE) ? '~' : p.flags === READ ? '%R~' : '%W~') + p.pattern).join(sep);
  }
}

/** One ACL user. */
export class AclUser {
  enabled = false;
  nopass = false;
  /** skip-sanitize-payload / sanitize-payload (none until set or reset) */
  sanitize: '' | 'skip' | 'sanitize' = '';
  passwords: string[] = [];
  selectors: Selector[];
  /** one root selector with every command, key and channel: the gate skips the check */
  unrestricted = false;

  constructor(
    readonly name: string,
    pubsubAll: boolean,
  ) {
    this.selectors = [new Selector(true, pubsubAll)];
  }

  get root(): Selector {
    return this.selectors[0];
  }

  copyFrom(src: AclUser): void {
    this.enabled = src.enabled;
    this.nopass = src.nopass;
    this.sanitize = src.sanitize;
    this.passwords = src.passwords.slice();
    this.selectors = src.selectors.map((s) => s.copy());
    this.refresh();
  }

  refresh(): void {
    const r = this.root;
    this.unrestricted = this.selectors.length === 1 && r.allCommands && r.allKeys && r.allChannels;
  }
}

/** An ACL LOG entry. */
export interface LogEntry {
  count: number;
  reason: number;
  context: AclContext;
  object: string;
  username: string;
  ctime: number;
  cinfo: string;
}

/** ACLMergeSelectorArguments: a `( ... )` selector spread over several arguments becomes one; returns the index of an unmatched "(" instead. */
export function mergeSelectorArgs(args: string[]): string[] | number {
  const out: string[] = [];
  let open = -1;
  let sel = '';
  for (let j = 0; j < args.length; j++) {
    const op = args[j];
    if (op[0] === '(' && op[op.length - 1] !== ')') {
      sel = op;
      open = j;
      continue;
    }
    if (open !== -1) {
      sel += ' ' + op;
      if (op[op.length - 1] === ')') {
        open = -1;
        out.push(sel);
      }
      continue;
    }
    out.push(op);
  }
  return open !== -1 ? open : out;
}

/** The ACL part of the server: users, the permission check, the log. */
export class Acl {
  readonly users = new Map<string, AclUser>();
  defaultUser: AclUser;
  private log: LogEntry[] = [];
  private universe: Universe | null = null;
  /** the table before rename-command (Redis's orig_commands) */
  private readonly origCommands: Command[];

  constructor(private readonly server: Server) {
    this.origCommands = [...server.commands.values()];
    this.defaultUser = this.createDefaultUser();
    this.users.set('default', this.defaultUser);
  }

  private get pubsubAll(): boolean {
    return this.server.config.settings.aclPubsubDefault === 'allchannels';
  }

  private createDefaultUser(): AclUser {
    const u = new AclUser('default', this.pubsubAll);
    for (const op of ['+@all', '~*', '&*', 'on', 'nopass']) this.applyRule(u, op);
    u.refresh();
    return u;
  }

  /** The universe of commands with ACL ids, built on first use. */
  commands(): Universe {
    if (this.universe !== null) return this.universe;
    const list: AclCmd[] = [];
    const byName = new Map<string, AclCmd>();
    const add = (fullName: string, cats: string[], parent: AclCmd | null): AclCmd => {
      let mask = 0;
      for (const c of cats) {
        const i = ACL_CATEGORIES.indexOf(c.slice(1));
        if (i >= 0) mask |= 1 << i;
      }
      const a: AclCmd = { id: list.length, fullName, cats: mask, parent, subs: null };
      list.push(a);
      byName.set(fullName, a);
      if (parent !== null) (parent.subs ??= []).push(a);
      return a;
    };
    for (const cmd of this.origCommands) {
      const a = add(cmd.fullName, aclCategories(cmd), null);
      cmd.aclId = a.id;
      if (cmd.subcommands) {
        for (const sub of cmd.subcommands.values()) sub.aclId = add(sub.fullName, aclCategories(sub), a).id;
      }
    }
    // Redis commands tredis does not implement: rules may name them and categories count them as Redis does
    for (const name of commandMetaNames()) {
      if (byName.has(name)) continue;
      const bar = name.indexOf('|');
      const parent = bar < 0 ? null : (byName.get(name.slice(0, bar)) ?? null);
      if (bar >= 0 && parent === null) continue;
      add(name, commandMeta(name)?.a ?? [], parent);
    }
    this.universe = { list, byName };
    return this.universe;
  }

  /** lookupCommandBySdsLogic on the original table: "name" or "container|sub", case-insensitive. */
  lookupCommand(name: string): AclCmd | null {
    const parts = name.toLowerCase().split('|');
    if (parts.length > 2 || parts[0] === '') return null;
    const u = this.commands();
    const base = u.byName.get(parts[0]);
    if (base === undefined) return null;
    if (parts.length === 1) return base;
    if (base.subs === null) return null;
    return u.byName.get(parts[0] + '|' + parts[1]) ?? null;
  }

  // ------------------------------------------------------------ rules

  /** ACLSetSelector: one rule about commands, keys or channels. Throws AclRuleError. */
  private applySelectorRule(s: Selector, op: string): void {
    // keywords, command and category names are compared as C strings (strcasecmp,
    // ACLLookupCommand): up to a NUL byte; key and channel patterns keep every byte
    const cop = cstr(op);
    const lop = cop.toLowerCase();
    if (lop === 'allkeys' || cop === '~*') {
      s.allKeys = true;
      s.patterns = [];
    } else if (lop === 'resetkeys') {
      s.allKeys = false;
      s.patterns = [];
    } else if (lop === 'allchannels' || cop === '&*') {
      s.allChannels = true;
      s.channels = [];
    } else if (lop === 'resetchannels') {
      s.allChannels = false;
      s.channels = [];
    } else if (lop === 'allcommands' || lop === '+@all') {
      s.bits.fill(1);
      s.allCommands = true;
      s.firstArgs = null;
    } else if (lop === 'nocommands' || lop === '-@all') {
      s.bits.fill(0);
      s.allCommands = false;
      s.firstArgs = null;
    } else if (op[0] === '~' || op[0] === '%') {
      if (s.allKeys) throw new AclRuleError('EEXIST');
      let flags = 0;
      let offset = 1;
      if (op[0] === '%') {
        for (; offset < op.length; offset++) {
          const ch = op[offset].toUpperCase();
          if (ch === 'R' && !(flags & READ)) flags |= READ;
          else if (ch === 'W' && !(flags & WRITE)) flags |= WRITE;
          else if (op[offset] === '~') {
            offset++;
            break;
          } else throw new AclRuleError('EINVAL');
        }
        // "%~x" has no permission at all: Redis 7.0.15 would crash describing it, refuse it instead
        if (flags === 0) throw new AclRuleError('EINVAL');
      } else flags = READ | WRITE;
      const pattern = op.slice(offset);
      if (hasSpaces(pattern)) throw new AclRuleError('EINVAL');
      const found = s.patterns.find((p) => p.pattern === pattern);
      if (found) found.flags |= flags;
      else s.patterns.push({ pattern, flags });
      s.allKeys = false;
    } else if (op[0] === '&') {
      if (s.allChannels) throw new AclRuleError('EISDIR');
      const ch = op.slice(1);
      if (hasSpaces(ch)) throw new AclRuleError('EINVAL');
      if (!s.channels.includes(ch)) s.channels.push(ch);
      s.allChannels = false;
    } else if (op[0] === '+' && op[1] !== '@') {
      const bar = cop.lastIndexOf('|');
      if (bar < 0) {
        const cmd = this.lookupCommand(cop.slice(1));
        if (cmd === null) throw new AclRuleError('ENOENT');
        s.changePerm(cmd, true);
      } else {
        const cmd = this.lookupCommand(cop.slice(1, bar));
        const sub = cop.slice(bar + 1);
        if (cmd === null) throw new AclRuleError('ENOENT');
        if (cmd.parent !== null) throw new AclRuleError('ECHILD');
        if (sub === '') throw new AclRuleError('EINVAL');
        if (cmd.subs !== null) {
          const sc = this.lookupCommand(cop.slice(1));
          if (sc === null) throw new AclRuleError('ENOENT');
          s.changePerm(sc, true);
        } else {
          this.server.logger.warning(`Deprecation warning: Allowing a first arg of an otherwise blocked command is a misuse of ACL and may get disabled in the future (offender: ${cop})`);
          s.firstArgs ??= new Map();
          const list = s.firstArgs.get(cmd.id) ?? [];
          if (!list.some((a) => a.toLowerCase() === sub.toLowerCase())) list.push(sub);
          s.firstArgs.set(cmd.id, list);
        }
      }
    } else if (op[0] === '-' && op[1] !== '@') {
      const cmd = this.lookupCommand(cop.slice(1));
      if (cmd === null) throw new AclRuleError('ENOENT');
      s.changePerm(cmd, false);
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      const i = ACL_CATEGORIES.indexOf(lop.slice(2));
      if (i < 0) throw new AclRuleError('ENOENT');
      s.setCategory(this.commands().list, 1 << i, op[0] === '+');
    } else throw new AclRuleError('EINVAL');
  }

  /** ACLSetUser: one rule on a user (flags, passwords, selectors) or on its root selector. Throws AclRuleError. */
  applyRule(u: AclUser, op: string): void {
    if (op.length === 0) return;
    const lop = cstr(op).toLowerCase(); // keywords: strcasecmp, up to a NUL byte
    if (lop === 'on') u.enabled = true;
    else if (lop === 'off') u.enabled = false;
    else if (lop === 'skip-sanitize-payload') u.sanitize = 'skip';
    else if (lop === 'sanitize-payload') u.sanitize = 'sanitize';
    else if (lop === 'nopass') {
      u.nopass = true;
      u.passwords = [];
    } else if (lop === 'resetpass') {
      u.nopass = false;
      u.passwords = [];
    } else if (op[0] === '>' || op[0] === '#') {
      let h: string;
      if (op[0] === '>') h = hashPassword(op.slice(1));
      else {
        h = op.slice(1);
        if (!/^[0-9a-f]{64}$/.test(h)) throw new AclRuleError('EBADMSG');
      }
      if (!u.passwords.includes(h)) u.passwords.push(h);
      u.nopass = false;
    } else if (op[0] === '<' || op[0] === '!') {
      let h: string;
      if (op[0] === '<') h = hashPassword(op.slice(1));
      else {
        h = op.slice(1);
        if (!/^[0-9a-f]{64}$/.test(h)) throw new AclRuleError('EBADMSG');
      }
      const i = u.passwords.indexOf(h);
      if (i < 0) throw new AclRuleError('ENODEV');
      u.passwords.splice(i, 1);
    } else if (op[0] === '(' && op[op.length - 1] === ')') {
      const s = new Selector(false, this.pubsubAll);
      for (const r of splitArgs(op.slice(1, -1)) ?? []) this.applySelectorRule(s, r);
      u.selectors.push(s);
    } else if (lop === 'clearselectors') {
      u.selectors.length = 1;
    } else if (lop === 'reset') {
      for (const r of ['resetpass', 'resetkeys', 'resetchannels']) this.applyRule(u, r);
      if (this.pubsubAll) this.applyRule(u, 'allchannels');
      for (const r of ['off', 'sanitize-payload', 'clearselectors', '-@all']) this.applyRule(u, r);
    } else this.applySelectorRule(u.root, op);
    u.refresh();
  }

  /**
   * ACLStringSetUser: apply rules to a copy of the user (or a new one) and
   * commit them all, or none: returns Redis's error text (without "ERR ") or null.
   */
  setUser(name: string, rules: string[]): string | null {
    const merged = mergeSelectorArgs(rules);
    if (typeof merged === 'number') return `Unmatched parenthesis in acl selector starting at '${cstr(rules[merged])}'.`;
    const existing = this.users.get(name);
    const temp = new AclUser(name, this.pubsubAll);
    if (existing) temp.copyFrom(existing);
    for (const op of merged) {
      try {
        this.applyRule(temp, op);
      } catch (e) {
        if (e instanceof AclRuleError) return `Error in ACL SETUSER modifier '${cstr(op)}': ${e.message}`;
        throw e;
      }
    }
    if (existing) {
      this.killPubsubClientsIfNeeded(temp, existing);
      existing.copyFrom(temp);
    } else {
      const u = new AclUser(name, this.pubsubAll);
      u.copyFrom(temp);
      this.users.set(name, u);
    }
    return null;
  }

  /** requirepass: the default user's password (ACLUpdateDefaultUserPassword). */
  updateDefaultUserPassword(pass: string): void {
    this.applyRule(this.defaultUser, 'resetpass');
    this.applyRule(this.defaultUser, pass === '' ? 'nopass' : '>' + pass);
  }

  /** Whether a new connection must AUTH (the default user has a password or is off). */
  requiresAuth(): boolean {
    return !this.defaultUser.nopass || !this.defaultUser.enabled;
  }

  /** ACL DELUSER of existing users: their clients are disconnected (ACLFreeUserAndKillClients). */
  deleteUser(name: string): boolean {
    const u = this.users.get(name);
    if (u === undefined || name === 'default') return false;
    this.users.delete(name);
    const current = this.server.executor.currentClient;
    for (const c of [...this.server.clients.values()]) {
      if (c.aclUser !== u) continue;
      c.aclUser = this.defaultUser;
      c.authenticated = false;
      if (c === current) c.closeAfterReply = true;
      else c.kill();
    }
    return true;
  }

  /** ACLKillPubsubClientsIfNeeded: subscribers whose channels the new rules no longer allow are disconnected. */
  private killPubsubClientsIfNeeded(next: AclUser, orig: AclUser): void {
    if (next.selectors.some((s) => s.allChannels)) return;
    const upcoming: string[] = [];
    for (const s of next.selectors) upcoming.push(...s.channels);
    let match = true;
    for (const s of orig.selectors) {
      if (s.allChannels || s.channels.some((ch) => !upcoming.includes(ch))) {
        match = false;
        break;
      }
    }
    if (match) return;
    for (const c of [...this.server.clients.values()]) {
      if (c.aclUser !== orig || c.channels.size + c.patterns.size + c.shardChannels.size === 0) continue;
      let kill = false;
      for (const p of c.patterns) if (!upcoming.includes(p)) kill = true;
      for (const ch of [...c.channels, ...c.shardChannels]) if (!upcoming.some((pat) => stringMatch(pat, ch))) kill = true;
      if (kill) c.kill();
    }
  }

  /** ACLCheckUserCredentials: the user exists, is on, and is nopass or has this password. */
  checkCredentials(name: string, pass: string): AclUser | null {
    const u = this.users.get(name);
    if (u === undefined || !u.enabled) return null;
    if (u.nopass) return u;
    const h = Buffer.from(hashPassword(pass), 'latin1');
    for (const p of u.passwords) if (crypto.timingSafeEqual(h, Buffer.from(p, 'latin1'))) return u;
    return null;
  }

  /** ACLAuthenticateUser: log the client in, or log the failure (reason auth). */
  authenticate(c: Client, name: string, pass: string, cmdName: string): boolean {
    const u = this.checkCredentials(name, pass);
    if (u !== null) {
      c.aclUser = u;
      c.authenticated = true;
      return true;
    }
    this.addLogEntry(c, DENIED_AUTH, c.multi !== null ? 'multi' : 'toplevel', cmdName, name);
    return false;
  }

  // ------------------------------------------------------------ checks

  /**
   * ACLCheckAllUserCommandPerm: ACL_OK, or the denial to report (no selector
   * runs the command: DENIED_CMD; else the last key/channel no selector
   * allows) with its argv index.
   */
  check(u: AclUser, cmd: Command, argv: string[]): { result: number; pos: number } {
    if (u.unrestricted || cmd.noAuth) return OK_RESULT;
    if (cmd.aclId < 0) this.commands();
    let relevant = DENIED_CMD;
    let lastIdx = 0;
    let keys: Array<{ pos: number; flags: number }> | null = null;
    for (const s of u.selectors) {
      const r = this.checkSelector(s, cmd, argv, () => (keys ??= this.keyRefs(cmd, argv)));
      if (r.result === ACL_OK) return OK_RESULT;
      if (r.result > relevant || (r.result === relevant && r.pos > lastIdx)) {
        relevant = r.result;
        lastIdx = r.pos;
      }
    }
    return { result: relevant, pos: lastIdx };
  }

  private keyRefs(cmd: Command, argv: string[]): Array<{ pos: number; flags: number }> {
    const out: Array<{ pos: number; flags: number }> = [];
    for (const pos of cmd.keyIndexes(argv)) {
      let flags = 0;
      for (const f of keyFlagsAt(cmd, argv, pos)) {
        if (f === 'access') flags |= READ;
        else if (f === 'insert' || f === 'delete' || f === 'update') flags |= WRITE;
      }
      out.push({ pos, flags });
    }
    return out;
  }

  private checkSelector(s: Selector, cmd: Command, argv: string[], keys: () => Array<{ pos: number; flags: number }>): { result: number; pos: number } {
    if (!s.allCommands && s.bits[cmd.aclId] === 0) {
      const args = s.firstArgs?.get(cmd.aclId);
      if (argv.length < 2 || args === undefined) return { result: DENIED_CMD, pos: 0 };
      const a = argv[cmd.parent ? 2 : 1];
      if (a === undefined || !args.some((x) => x.toLowerCase() === a.toLowerCase())) return { result: DENIED_CMD, pos: 0 };
    }
    if (!s.allKeys && (cmd.firstKey !== 0 || cmd.getKeysFn !== undefined)) {
      for (const k of keys()) {
        if (!s.patterns.some((p) => (p.flags & k.flags) === k.flags && stringMatch(p.pattern, argv[k.pos]))) return { result: DENIED_KEY, pos: k.pos };
      }
    }
    if (!s.allChannels) {
      const spec = CHANNEL_COMMANDS[cmd.fullName];
      if (spec !== undefined) {
        const last = spec.all ? argv.length - 1 : 1;
        for (let i = 1; i <= last && i < argv.length; i++) {
          const ch = argv[i];
          const ok = s.channels.some((p) => (spec.pattern ? p === ch : stringMatch(p, ch)));
          if (!ok) return { result: DENIED_CHANNEL, pos: i };
        }
      }
    }
    return OK_RESULT;
  }

  // ------------------------------------------------------------ describe

  /** ACLDescribeSelectorCommandRules: +@all/-@all, the best-fitting categories, then single commands and first-args. */
  describeCommandRules(s: Selector): string {
    const { list } = this.commands();
    const additive = s.bits[FUTURE_BIT] === 0;
    let rules = additive ? '-@all ' : '+@all ';
    const fake = new Selector(false, false);
    this.applySelectorRule(fake, additive ? '-@all' : '+@all');
    const temp = new Selector(false, false);
    temp.bits.set(s.bits);
    const applied = new Set<number>();
    for (;;) {
      let best = -1;
      let mindiff = Infinity;
      let maxsame = 0;
      for (let j = 0; j < ACL_CATEGORIES.length; j++) {
        if (applied.has(j)) continue;
        let on = 0;
        let off = 0;
        for (const c of list) if (c.cats & (1 << j)) temp.bits[c.id] ? on++ : off++;
        const diff = additive ? off : on;
        const same = additive ? on : off;
        if (same > diff && (diff < mindiff || (diff === mindiff && same > maxsame))) {
          best = j;
          mindiff = diff;
          maxsame = same;
        }
      }
      if (best === -1) break;
      fake.setCategory(list, 1 << best, additive);
      temp.setCategory(list, 1 << best, !additive);
      rules += (additive ? '+@' : '-@') + ACL_CATEGORIES[best] + ' ';
      applied.add(best);
    }
    const single = (cmds: AclCmd[]): void => {
      for (const c of cmds) {
        const userbit = s.bits[c.id] === 1;
        if (userbit !== (fake.bits[c.id] === 1)) {
          rules += (userbit ? '+' : '-') + c.fullName + ' ';
          fake.changePerm(c, userbit);
        }
        if (c.subs) single(c.subs);
        const fa = s.firstArgs?.get(c.id);
        if (!userbit && fa) for (const a of fa) rules += `+${c.fullName}|${a} `;
      }
    };
    single(list.filter((c) => c.parent === null));
    return rules.slice(0, -1);
  }

  /** ACLDescribeSelector: keys, channels, command rules. */
  describeSelector(s: Selector): string {
    let res = '';
    if (s.allKeys) res += '~* ';
    else if (s.patterns.length > 0) res += s.describeKeys(' ') + ' ';
    if (s.allChannels) res += '&* ';
    else {
      res += 'resetchannels ';
      for (const ch of s.channels) res += '&' + ch + ' ';
    }
    return res + this.describeCommandRules(s);
  }

  /** ACLDescribeUser: flags, password hashes, the root selector, then each `( ... )` selector. */
  describeUser(u: AclUser): string {
    let res = '';
    res += u.enabled ? 'on ' : 'off ';
    if (u.nopass) res += 'nopass ';
    if (u.sanitize === 'skip') res += 'skip-sanitize-payload ';
    else if (u.sanitize === 'sanitize') res += 'sanitize-payload ';
    for (const p of u.passwords) res += '#' + p + ' ';
    for (const s of u.selectors) res += s.root ? this.describeSelector(s) : ` (${this.describeSelector(s)})`;
    return res;
  }

  /** Users sorted by name bytes (Redis's rax order). */
  sortedUsers(): AclUser[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** `user <name> <rules>` lines (ACL LIST, ACL SAVE, CONFIG REWRITE). */
  userLines(): string[] {
    return this.sortedUsers().map((u) => `user ${u.name} ${this.describeUser(u)}`);
  }

  /** The ACL universe's commands in a category (ACL CAT <category>). */
  commandsInCategory(cat: number): string[] {
    return this.commands()
      .list.filter((c) => c.cats & (1 << cat))
      .map((c) => c.fullName);
  }

  // ------------------------------------------------------------ log

  /** addACLLogEntry: group with a similar entry of the last minute among the 10 newest, else add (bounded by acllog-max-len). */
  addLogEntry(c: Client, reason: number, context: AclContext, object: string, username?: string): void {
    const le: LogEntry = {
      count: 1,
      reason,
      context,
      object,
      username: username ?? c.aclUser?.name ?? 'default',
      ctime: Date.now(),
      cinfo: this.server.connections.clientInfoString(c),
    };
    for (let i = 0; i < Math.min(10, this.log.length); i++) {
      const cur = this.log[i];
      if (cur.reason === le.reason && cur.context === le.context && Math.abs(cur.ctime - le.ctime) <= 60000 && cur.object === le.object && cur.username === le.username) {
        this.log.splice(i, 1);
        this.log.unshift(cur);
        cur.cinfo = le.cinfo;
        cur.ctime = le.ctime;
        cur.count++;
        return;
      }
    }
    this.log.unshift(le);
    const max = this.server.config.settings.acllogMaxLen;
    if (this.log.length > max) this.log.length = max;
  }

  /** The newest `count` log entries. */
  logEntries(count: number): readonly LogEntry[] {
    return this.log.slice(0, count);
  }

  resetLog(): void {
    this.log = [];
  }

  // ------------------------------------------------------------ files

  /**
   * ACLLoadUsersAtStartup: `user` lines of the config file, or the aclfile
   * (not both). Returns the lines to log at warning level and exit on, or null.
   */
  loadAtStartup(configUsers: string[][]): string[] | null {
    const aclfile = this.server.config.settings.aclfile;
    if (aclfile !== '' && configUsers.length > 0) {
      return [
        'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.',
      ];
    }
    const seen = new Set<string>();
    for (const args of configUsers) {
      const [name, ...rules] = args;
      if (hasSpaces(name)) return ['Spaces not allowed in ACL usernames', 'Critical error while loading ACLs. Exiting.'];
      if (seen.has(name)) return [`Error loading ACL rule for the user named '${name}': ${'Duplicate user found. A user can only be defined once in config files'}`, 'Critical error while loading ACLs. Exiting.'];
      seen.add(name);
      const merged = mergeSelectorArgs(rules);
      if (typeof merged === 'number') return [`Unmatched parenthesis in acl selector starting at '${cstr(rules[merged])}'.`, 'Critical error while loading ACLs. Exiting.'];
      let u = this.users.get(name);
      if (u === undefined) {
        u = new AclUser(name, this.pubsubAll);
        this.users.set(name, u);
      } else this.applyRule(u, 'reset');
      for (const op of merged) {
        try {
          this.applyRule(u, op);
        } catch (e) {
          if (!(e instanceof AclRuleError)) throw e;
          return [`Error loading ACL rule '${op}' for the user named '${name}': ${e.message}`, 'Critical error while loading ACLs. Exiting.'];
        }
      }
      if (!u.enabled) this.server.logger.notice(`The user '${name}' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.`);
    }
    if (aclfile !== '') {
      const err = this.loadFromFile();
      if (err !== null) return [`Aborting Redis startup because of ACL errors: ${err}`];
    }
    return null;
  }

  private aclfilePath(): string {
    return this.server.config.path('aclfile');
  }

  /** ACLLoadFromFile: all users of the file or none; returns the errors as one line, or null. */
  loadFromFile(): string | null {
    const name = this.server.config.settings.aclfile;
    let text: string;
    try {
      text = fs.readFileSync(this.aclfilePath()).toString('latin1');
    } catch (e) {
      return `Error loading ACLs, opening file '${name}': ${errText(e)}`;
    }
    const fresh = new Map<string, AclUser>();
    let errors = '';
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      const linenum = i + 1;
      if (line === '') continue;
      const argv = line.split(' ');
      if (argv[0] !== 'user' || argv.length < 2) {
        errors += `${name}:${linenum} should start with user keyword followed by the username. `;
        continue;
      }
      if (hasSpaces(argv[1])) {
        errors += `'${name}:${linenum}: username '${argv[1]}' contains invalid characters. `;
        continue;
      }
      if (fresh.has(argv[1])) {
        errors += `WARNING: Duplicate user '${argv[1]}' found on line ${linenum}. `;
        continue;
      }
      const u = new AclUser(argv[1], this.pubsubAll);
      fresh.set(argv[1], u);
      const merged = mergeSelectorArgs(argv.slice(2));
      if (typeof merged === 'number') {
        errors += `${name}:${linenum}: Unmatched parenthesis in selector definition.`;
        continue;
      }
      let syntax = false;
      for (let op of merged) {
        op = op.replace(/^[\t\r\n]+|[\t\r\n]+$/g, '');
        try {
          this.applyRule(u, op);
        } catch (e) {
          if (!(e instanceof AclRuleError)) throw e;
          if (e.code === 'ENOENT') errors += `${name}:${linenum}: Error in applying operation '${op}': ${e.message}. `;
          else if (!syntax) {
            errors += `${name}:${linenum}: ${e.message}. `;
            syntax = true;
          }
        }
      }
    }
    if (errors !== '') return errors + 'WARNING: ACL errors detected, no change to the previously active ACL rules was performed';
    // the default user object stays (clients point at it): it takes the file's rules
    const def = fresh.get('default') ?? this.createDefaultUser();
    this.defaultUser.copyFrom(def);
    fresh.set('default', this.defaultUser);
    for (const n of [...this.users.keys()]) if (n !== 'default') this.deleteUser(n);
    for (const [n, u] of fresh) this.users.set(n, u);
    return null;
  }

  /** ACLSaveToFile: write every user to a temp file, then rename it over the aclfile. Returns false (logged) on an I/O error. */
  saveToFile(): boolean {
    const file = this.aclfilePath();
    const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    const data = this.userLines().map((l) => l + '\n').join('');
    try {
      fs.writeFileSync(tmp, Buffer.from(data, 'latin1'), { mode: 0o644 });
    } catch (e) {
      this.server.logger.warning(`Opening temp ACL file for ACL SAVE: ${errText(e)}`);
      return false;
    }
    try {
      fs.renameSync(tmp, file);
    } catch (e) {
      this.server.logger.warning(`Renaming ACL file for ACL SAVE: ${errText(e)}`);
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* gone */
      }
      return false;
    }
    return true;
  }
}

const OK_RESULT = { result: ACL_OK, pos: 0 };

function errText(e: unknown): string {
  return strerror(e);
}
