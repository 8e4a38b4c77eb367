/**
 * The config schema and store: every Redis 7.0 directive with its type,
 * default, bounds, flags (immutable, protected, hidden, multi-arg, deny while
 * loading, sensitive) and parse/format rules, following config.c's
 * standardConfig table. Values are held typed; CONFIG GET formats them back
 * the way Redis does, CONFIG SET changes several atomically, and the rewrite
 * rules (config/rewrite.ts) read the same definitions.
 */
import { ConfigFileError, type Directive } from './parse';
import { splitArgs } from '../util/split-args';
import { bytesToText } from './bytes';
import { settingName, type SettingHook, type SettingName, type Settings } from './settings';
import { cstr } from '../protocol/errors';

export type ConfigType = 'bool' | 'int' | 'memory' | 'string' | 'enum' | 'special';
export type ConfigValue = unknown;

/** What a rewrite rule may do with the rewrite state (implemented by config/rewrite.ts). */
export interface RewriteSink {
  /** Replace the option's next old line, or append it when `force` (Redis's rewriteConfigRewriteLine). */
  line(option: string, text: string, force: boolean): void;
  /** Mark the option handled so its left-over old lines are blanked. */
  markProcessed(option: string): void;
}

/** One directive of the schema. */
export interface ConfigDef {
  name: string;
  aliases?: readonly string[];
  type: ConfigType;
  /** default as directive text (for specials: the arguments, split like a config line) */
  default: string;
  /** numeric bounds, exact (C's INT_MAX, LLONG_MAX, ULLONG_MAX...) */
  min?: bigint;
  max?: bigint;
  /** numeric stored as an unsigned C type (bounds compared unsigned, as Redis) */
  unsigned?: boolean;
  /** numeric also accepts `N%`, stored negative (maxmemory-clients) */
  percent?: boolean;
  /** numeric: accepted within min/max, then stored clamped to this range (hz: 1..500, as updateHZ) */
  clamp?: [number, number];
  /** numeric written and read in octal (unixsocketperm) */
  octal?: boolean;
  /** enum names */
  values?: readonly string[];
  /** enum: a name that is another name's synonym reads back as that name (oom-score-adj relative -> yes) */
  synonyms?: Record<string, string>;
  /** enum of combinable flags (shutdown-on-sigint): several names, 0 = first name */
  flagsEnum?: boolean;
  /** CONFIG SET allowed (Redis's IMMUTABLE_CONFIG is false) */
  mutable: boolean;
  /** only CONFIG SET by clients allowed by enable-protected-configs */
  protected?: boolean;
  /** refused with -LOADING while loading */
  denyLoading?: boolean;
  /** not matched by CONFIG GET patterns, only by its exact name */
  hidden?: boolean;
  /** several arguments (save, bind, client-output-buffer-limit...) */
  multiArg?: boolean;
  /** string: "" means unset (NULL in Redis): rewrite drops the directive */
  emptyIsNull?: boolean;
  /** redacted from logs and SLOWLOG/MONITOR */
  sensitive?: boolean;
  /** extra validation of a parsed value; returns Redis's error text or null */
  validate?: (v: ConfigValue) => string | null;
  /** special: text args -> value (throws Error with Redis's message) */
  parse?: (args: string[], current: ConfigValue, loading: boolean) => ConfigValue;
  /** special: value -> CONFIG GET text */
  format?: (v: ConfigValue) => string;
  /** special: how CONFIG REWRITE writes it */
  rewrite?: (v: ConfigValue, sink: RewriteSink, def: ConfigDef) => void;
}

/** Hooks called when a value changes at run time; throw Error(msg) to refuse. */
export type ApplyHook = (value: ConfigValue, old: ConfigValue) => void;

const TWO64 = 1n << 64n;

/**
 * Redis's memtoull(): digits then an optional unit (b, k, kb, m, mb, g, gb,
 * any case). A leading '-' or an unknown unit is an error (null).
 */
export function memtoull(s: string): bigint | null {
  if (s.startsWith('-')) return null;
  let i = 0;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  const unit = s.slice(i).toLowerCase();
  const mul: Record<string, bigint> = { '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000000n, mb: 1048576n, g: 1000000000n, gb: 1073741824n };
  const m = mul[unit];
  if (m === undefined || i >= 128) return null;
  // strtoull of no digits is 0 in glibc, and Redis accepts it ("kb" -> 0)
  let v = i === 0 ? 0n : BigInt(s.slice(0, i));
  if (v >= TWO64) v = TWO64 - 1n; // strtoull saturates
  return (v * m) % TWO64;
}

/** Parse a redis memory value ("1mb", "100", "2gb"); null if invalid. */
export function parseMemory(s: string): number | null {
  const v = memtoull(s);
  return v === null ? null : Number(v);
}

/** Redis's string2ll: strict decimal int64 (no '+', no spaces, no leading zeros). */
export function string2ll(s: string): bigint | null {
  if (!/^(0|-?[1-9]\d*)$/.test(s) || s.length > 20) return null;
  const v = BigInt(s);
  if (v > 9223372036854775807n || v < -9223372036854775808n) return null;
  return v;
}

/** C strtoll(s, &end, base) with `*end == '\0'` required: leading spaces and a sign allowed. */
export function strtollFull(s: string, base = 10): bigint | null {
  const re = base === 8 ? /^[ \t\n\v\f\r]*([+-]?)([0-7]+)$/ : /^[ \t\n\v\f\r]*([+-]?)(\d+)$/;
  const m = re.exec(s);
  if (!m) return null;
  let v = BigInt(base === 8 ? '0o' + m[2] : m[2]);
  if (m[1] === '-') v = -v;
  if (v > 9223372036854775807n) v = 9223372036854775807n;
  if (v < -9223372036854775808n) v = -9223372036854775808n;
  return v;
}

/** Redis's yesnotoi. */
function parseBool(s: string): boolean {
  const l = s.toLowerCase();
  if (l === 'yes') return true;
  if (l === 'no') return false;
  throw new Error("argument must be 'yes' or 'no'");
}

/** numericParseString + numericBoundaryCheck of config.c. */
function parseNumeric(s: string, d: ConfigDef): number {
  let v: bigint | null = null;
  const memory = d.type === 'memory';
  if (memory) v = memtoull(s);
  if (v === null && d.percent && s.length > 1 && s.endsWith('%')) {
    const p = string2ll(s.slice(0, -1));
    if (p !== null && p >= 0n) v = -p;
  }
  if (v === null && d.octal) v = strtollFull(s, 8);
  if (v === null && d.type === 'int' && !d.octal && !d.percent) v = string2ll(s);
  if (v === null) {
    if (memory && d.percent) throw new Error('argument must be a memory or percent value');
    if (memory) throw new Error('argument must be a memory value');
    if (d.octal) throw new Error("argument couldn't be parsed as an octal number");
    throw new Error("argument couldn't be parsed into an integer");
  }
  // memtoull gives unsigned values; a signed config sees them as long long
  if (memory && !d.unsigned && v > 9223372036854775807n) v -= TWO64;
  const min = d.min ?? -9223372036854775808n;
  const max = d.max ?? 9223372036854775807n;
  if (d.unsigned) {
    const u = v < 0n ? v + TWO64 : v;
    if (u > max || u < min) {
      const f = (n: bigint) => (d.octal ? n.toString(8) : n.toString());
      throw new Error(`argument must be between ${f(min)} and ${f(max)} inclusive`);
    }
    return Number(u);
  }
  if (d.percent && v < 0n) {
    if (v < min) throw new Error(`percentage argument must be less or equal to ${-min}`);
  } else if (v > max || v < min) {
    throw new Error(`argument must be between ${min} and ${max} inclusive`);
  }
  return Number(v);
}

/** Wrong number of arguments for a directive. */
export class ConfigArityError extends Error {
  constructor() {
    super('wrong number of arguments');
  }
}

/** The stored value for text arguments of a directive; throws Error with Redis's message. */
export function parseValue(d: ConfigDef, args: string[], current?: ConfigValue, loading = false): ConfigValue {
  let v: ConfigValue;
  if (d.type === 'special') v = d.parse!(args, current, loading);
  else if (d.flagsEnum) v = parseFlagsEnum(d, args);
  else {
    if (args.length !== 1) throw new ConfigArityError();
    const a = args[0];
    switch (d.type) {
      case 'bool':
        v = parseBool(a);
        break;
      case 'int':
      case 'memory':
        v = parseNumeric(a, d);
        if (d.clamp) v = Math.min(d.clamp[1], Math.max(d.clamp[0], v as number));
        break;
      case 'string':
        v = a;
        break;
      case 'enum':
        v = parseEnum(d, a);
        break;
    }
  }
  if (d.validate) {
    const err = d.validate(v);
    if (err !== null) throw new Error(err);
  }
  return v;
}

function enumError(d: ConfigDef): Error {
  return new Error(`argument(s) must be one of the following: ${d.values!.join(', ')}`);
}

function parseEnum(d: ConfigDef, a: string): string {
  const l = a.toLowerCase();
  if (!d.values!.includes(l)) throw enumError(d);
  return d.synonyms?.[l] ?? l;
}

/** Flags enums hold the names set, in the enum's order ("default" = none). */
function parseFlagsEnum(d: ConfigDef, args: string[]): string[] {
  const set = new Set<string>();
  for (const a of args) {
    const l = a.toLowerCase();
    if (!d.values!.includes(l)) throw enumError(d);
    if (l !== d.values![0]) set.add(l);
  }
  return d.values!.filter((n) => set.has(n));
}

/** Format a numeric value for CONFIG GET. */
function formatNumeric(d: ConfigDef, v: number): string {
  if (d.percent && v < 0) return `${-v}%`;
  if (d.octal) return v.toString(8);
  return Number.isSafeInteger(v) ? String(v) : BigInt(v).toString();
}

/** Format a value for CONFIG GET. */
export function formatValue(d: ConfigDef, v: ConfigValue): string {
  if (d.format) return d.format(v);
  switch (d.type) {
    case 'bool':
      return v ? 'yes' : 'no';
    case 'int':
    case 'memory':
      return formatNumeric(d, v as number);
    case 'enum':
      if (d.flagsEnum) return (v as string[]).length === 0 ? d.values![0] : (v as string[]).join(' ');
      return String(v);
    default:
      return String(v ?? '');
  }
}

/** Name -> definition, aliases included. */
export class ConfigRegistry {
  readonly defs = new Map<string, ConfigDef>();
  private readonly byAlias = new Map<string, ConfigDef>();

  constructor(defs: ConfigDef[]) {
    for (const d of defs) {
      this.defs.set(d.name, d);
      this.byAlias.set(d.name, d);
      for (const a of d.aliases ?? []) this.byAlias.set(a, d);
    }
  }

  /** Look up by name or alias (case-insensitive, as Redis's config dict). */
  find(name: string): ConfigDef | undefined {
    return this.byAlias.get(name.toLowerCase());
  }

  /** Every name and alias, for CONFIG GET pattern matching (aliases included, as Redis 7.0). */
  allNames(): Array<[string, ConfigDef]> {
    return [...this.byAlias.entries()];
  }
}

/** Options of a CONFIG SET. */
export interface SetOptions {
  /** the client may change protected configs (enable-protected-configs yes, or local and the client is local) */
  allowProtected?: boolean;
  /** the server is loading (DENY_LOADING configs refuse with -LOADING) */
  loading?: boolean;
}

/** A validated, not yet applied CONFIG SET (see Config.prepareSet). */
export interface PreparedSet {
  items: Array<{ def: ConfigDef; value: ConfigValue; text: string }>;
}

/** A rename-command / user / loadmodule line kept from the config (not configs in Redis). */
export interface ExtraDirective {
  name: string;
  args: string[];
}

/** Holds the current value of every directive. */
export class Config {
  private readonly values = new Map<string, ConfigValue>();
  private writes = 0;
  /** Changes whenever any value is stored (however): code that derives something from values re-derives it when it moved. */
  get version(): number {
    return this.writes;
  }
  /**
   * Every directive's value as a typed property under its camelCase name
   * (`settings.replBacklogSize`, see config/settings.ts), current after any
   * store: the way code reads config. Read-only: change values through
   * CONFIG SET (setMany / commitSet), loadDirectives or setRaw.
   */
  readonly settings: Readonly<Settings>;
  /** directive name -> settings property */
  private readonly settingOf = new Map<string, string>();
  /** settings property -> directive name */
  private readonly directiveOf = new Map<string, string>();
  private readonly hooks = new Map<string, ApplyHook[]>();
  /** The config file the server started from (for CONFIG REWRITE), absolute. */
  file: string | null = null;
  /** `rename-command`, `user` and `loadmodule` lines, in file order. */
  readonly extras: ExtraDirective[] = [];
  /**
   * `renameCommand`: given by the server, renames a command for a
   * `rename-command` line and returns Redis's error text or null (without it
   * such lines are only recorded).
   */
  constructor(
    public readonly registry: ConfigRegistry,
    private readonly renameCommand: ((from: string, to: string) => string | null) | null = null,
  ) {
    const initial: Array<[string, ConfigValue]> = [];
    for (const d of registry.defs.values()) {
      const key = settingName(d.name);
      this.settingOf.set(d.name, key);
      this.directiveOf.set(key, d.name);
      const v = Config.defaultValue(d);
      this.store(d.name, v);
      initial.push([key, v]);
    }
    // every property at once: V8 keeps an object built this way in fast mode (one-by-one adds would make it a dictionary)
    this.settings = Object.fromEntries(initial) as Settings;
  }

  /** The one place a value is stored: the map, the version and the typed settings. */
  private store(name: string, value: ConfigValue): void {
    this.writes++;
    this.values.set(name, value);
    const key = this.settingOf.get(name);
    // the constructor stores the defaults before the settings object exists
    if (key !== undefined && this.settings !== undefined) (this.settings as Record<string, unknown>)[key] = value;
  }

  /** The parsed default of a directive. */
  static defaultValue(d: ConfigDef): ConfigValue {
    const args = d.type === 'special' || d.flagsEnum ? (splitArgs(d.default) ?? []) : [d.default];
    return parseValue(d, args, undefined, true);
  }

  /** Raw typed value. */
  get(name: string): ConfigValue {
    const v = this.values.get(name);
    if (v === undefined && !this.values.has(name)) {
      const d = this.registry.find(name);
      if (d) return this.values.get(d.name);
      throw new Error(`unknown config ${name}`);
    }
    return v;
  }
  /** Boolean directive. */
  bool(name: string): boolean {
    return this.get(name) as boolean;
  }
  /** Numeric directive. */
  num(name: string): number {
    return this.get(name) as number;
  }
  /** String/enum directive. */
  str(name: string): string {
    return this.get(name) as string;
  }
  /** A string directive naming a file or directory, as the OS wants it (its bytes decoded as UTF-8). */
  path(name: string): string {
    return bytesToText(this.get(name) as string);
  }

  /** Value formatted for CONFIG GET. */
  getText(name: string): string {
    const d = this.registry.find(name)!;
    return formatValue(d, this.values.get(d.name));
  }

  /**
   * Register a hook for changes made by CONFIG SET of a setting (by its
   * camelCase name), typed: runs after the value is stored; throw Error(msg)
   * to refuse and roll the whole CONFIG SET back. Values from the config file
   * or setRaw call no hook (read `settings` at start-up instead).
   */
  onSettingChange<K extends SettingName>(key: K, hook: SettingHook<K>): void {
    const name = this.directiveOf.get(key);
    if (name === undefined) throw new Error(`unknown setting ${key}`);
    this.onChange(name, hook as ApplyHook);
  }

  /** Register a hook for live changes of a directive (by its name or alias); see onSettingChange. */
  onChange(name: string, hook: ApplyHook): void {
    const d = this.registry.find(name);
    if (!d) throw new Error(`unknown config ${name}`);
    let l = this.hooks.get(d.name);
    if (!l) this.hooks.set(d.name, (l = []));
    l.push(hook);
  }

  /** Set without validation or hooks (start-up, values the server corrects, e.g. the bound port). */
  setRaw(name: string, value: ConfigValue): void {
    const d = this.registry.find(name);
    this.store(d ? d.name : name, value);
  }

  /**
   * Apply directives from the config file / command line, as
   * loadServerConfigFromString: a standard config takes exactly one argument
   * unless multi-arg (whose single non-empty argument is split again, so
   * `--save "900 1"` works); the first `save` line replaces the defaults and
   * later ones add to it; deprecated directives are skipped; rename-command,
   * user and loadmodule are kept aside. Throws ConfigFileError like Redis.
   */
  loadDirectives(directives: Directive[]): void {
    let saveLoaded = false;
    for (const dir of directives) {
      const argc = dir.args.length + 1;
      const d = this.registry.find(dir.name);
      if (d) {
        if (!d.multiArg && argc !== 2) throw new ConfigFileError('wrong number of arguments', dir.line, dir.text, dir.file);
        let args = dir.args;
        if (d.multiArg && argc === 2 && args[0] !== '') args = splitArgs(args[0]) ?? args;
        try {
          let v = parseValue(d, args, this.values.get(d.name), true);
          if (d.name === 'save') {
            // the file's first `save` replaces the defaults; the next ones accumulate
            if (saveLoaded) v = [...(this.values.get('save') as unknown[]), ...(v as unknown[])];
            saveLoaded = true;
          }
          this.store(d.name, v);
        } catch (e) {
          throw new ConfigFileError((e as Error).message, dir.line, dir.text, dir.file);
        }
        continue;
      }
      if (DEPRECATED.has(dir.name) && argc === 2) continue;
      if (dir.name === 'rename-command' && argc === 3) {
        if (this.renameCommand) {
          const err = this.renameCommand(dir.args[0], dir.args[1]);
          if (err !== null) throw new ConfigFileError(err, dir.line, dir.text, dir.file);
        }
        this.extras.push({ name: dir.name, args: dir.args });
        continue;
      }
      if ((dir.name === 'user' || dir.name === 'loadmodule') && argc >= 2) {
        this.extras.push({ name: dir.name, args: dir.args });
        continue;
      }
      if (dir.name.includes('.')) {
        if (argc !== 2) throw new ConfigFileError('Module config specified without value', dir.line, dir.text, dir.file);
        continue;
      }
      if (dir.name === 'sentinel') throw new ConfigFileError('sentinel directive while not in sentinel mode', dir.line, dir.text, dir.file);
      throw new ConfigFileError('Bad directive or wrong number of arguments', dir.line, dir.text, dir.file);
    }
  }

  /**
   * First half of CONFIG SET (configSetCommand): look every name up and parse
   * every value without changing anything. Throws Error with the exact reply
   * text (`ERR Unknown option...`, `ERR CONFIG SET failed (possibly related to
   * argument 'x') - ...`, or `LOADING ...`).
   */
  prepareSet(pairs: Array<[string, string]>, opts: SetOptions = {}): PreparedSet {
    let unknown: string | null = null;
    let errName: string | null = null;
    let errText: string | null = null;
    let denyLoading = false;
    const found: Array<{ def: ConfigDef; text: string; name: string }> = [];
    for (const [name, text] of pairs) {
      const d = this.registry.find(name);
      if (!d) {
        if (unknown === null && errName === null && !denyLoading) unknown = name;
        continue;
      }
      if (unknown !== null || errName !== null || denyLoading) continue;
      if (!d.mutable || (d.protected && !opts.allowProtected)) {
        errText = d.mutable ? "can't set protected config" : "can't set immutable config";
        errName = name;
        continue;
      }
      if (opts.loading && d.denyLoading) {
        denyLoading = true;
        continue;
      }
      if (found.some((f) => f.def === d)) {
        errText = 'duplicate parameter';
        errName = name;
        continue;
      }
      found.push({ def: d, text, name });
    }
    if (denyLoading) throw new Error('LOADING Redis is loading the dataset in memory');
    if (unknown !== null) throw new Error(`ERR Unknown option or number of arguments for CONFIG SET - '${cstr(unknown)}'`);
    if (errName !== null) throw new Error(`ERR CONFIG SET failed (possibly related to argument '${cstr(errName)}') - ${errText}`);
    const items: PreparedSet['items'] = [];
    for (const f of found) {
      const args = f.def.multiArg ? (splitArgs(f.text) ?? [f.text]) : [f.text];
      try {
        items.push({ def: f.def, value: parseValue(f.def, args, this.values.get(f.def.name)), text: f.text });
      } catch (e) {
        throw new Error(`ERR CONFIG SET failed (possibly related to argument '${cstr(f.name)}') - ${(e as Error).message}`);
      }
    }
    return { items };
  }

  /**
   * Second half of CONFIG SET: store the values, then run the apply hooks of
   * those that changed; if a hook refuses, every value is restored (and the
   * hooks of what was applied run again with the old values).
   */
  commitSet(p: PreparedSet): void {
    const changed: Array<{ def: ConfigDef; old: ConfigValue; value: ConfigValue }> = [];
    for (const it of p.items) {
      const old = this.values.get(it.def.name);
      this.store(it.def.name, it.value);
      if (formatValue(it.def, old) !== formatValue(it.def, it.value)) changed.push({ def: it.def, old, value: it.value });
    }
    const applied: typeof changed = [];
    for (const ch of changed) {
      try {
        for (const h of this.hooks.get(ch.def.name) ?? []) h(ch.value, ch.old);
        applied.push(ch);
      } catch (e) {
        for (const it of changed) this.store(it.def.name, it.old);
        for (const a of applied.reverse()) {
          try {
            for (const h of this.hooks.get(a.def.name) ?? []) h(a.old, a.value);
          } catch {
            /* restoring the old value must not fail */
          }
        }
        throw new Error(`ERR CONFIG SET failed (possibly related to argument '${ch.def.name}') - ${(e as Error).message}`);
      }
    }
  }

  /** CONFIG SET of several name/value pairs, atomically. Throws Error with Redis's reply text. */
  setMany(pairs: Array<[string, string]>, opts: SetOptions = { allowProtected: true }): void {
    this.commitSet(this.prepareSet(pairs, opts));
  }
}

/** Directives Redis 7.0 still accepts in a file and ignores. */
const DEPRECATED = new Set(['list-max-ziplist-entries', 'list-max-ziplist-value', 'lua-replicate-commands']);
