/**
 * The config schema: every Redis 7.0 directive with its type, default, bounds,
 * whether CONFIG SET may change it, and (for those with live effect) an apply
 * hook. Values are held typed; CONFIG GET formats them back the way Redis does.
 */
import { ConfigFileError, type Directive } from './parse';
import { splitArgs } from '../protocol/parser';

export type ConfigType = 'bool' | 'int' | 'memory' | 'string' | 'enum' | 'special';
export type ConfigValue = boolean | number | string | string[] | unknown;

/** One directive of the schema. */
export interface ConfigDef {
  name: string;
  aliases?: string[];
  type: ConfigType;
  default: string;
  min?: number;
  max?: number;
  values?: string[];
  /** CONFIG SET allowed (Redis's IMMUTABLE_CONFIG is false) */
  mutable: boolean;
  /** special: text args -> value (throws Error with Redis's message) */
  parse?: (args: string[], current: ConfigValue) => ConfigValue;
  /** special: value -> CONFIG GET text */
  format?: (v: ConfigValue) => string;
  /** lines of the directive as CONFIG REWRITE writes them (default: `name <format(v)>`) */
  rewriteLines?: (v: ConfigValue) => string[];
  /** enum values that may be combined ("flags" enums like `oom-score-adj-values` are special) */
  /** directive may appear several times and accumulates (save, rename-command) */
  accumulate?: boolean;
  /** sensitive values are redacted in logs */
  sensitive?: boolean;
}

/** Hooks called when a value changes at run time; throw Error(msg) to refuse. */
export type ApplyHook = (value: ConfigValue, old: ConfigValue) => void;

const MEM_UNITS: Record<string, number> = { '': 1, b: 1, k: 1000, kb: 1024, m: 1000 * 1000, mb: 1024 * 1024, g: 1000 * 1000 * 1000, gb: 1024 * 1024 * 1024 };

/** Parse a redis memory value ("1mb", "100", "2gb"); null if invalid. */
export function parseMemory(s: string): number | null {
  const m = /^(-?\d+)([a-zA-Z]*)$/.exec(s);
  if (!m) return null;
  const unit = MEM_UNITS[m[2].toLowerCase()];
  if (unit === undefined) return null;
  return Number(m[1]) * unit;
}

function parseBool(s: string): boolean {
  const l = s.toLowerCase();
  if (l === 'yes') return true;
  if (l === 'no') return false;
  throw new Error("argument must be 'yes' or 'no'");
}

function parseIntArg(s: string, d: ConfigDef, memory: boolean): number {
  let n: number | null;
  if (memory) {
    n = parseMemory(s);
    if (n === null) throw new Error('argument must be a memory value');
  } else {
    if (!/^-?\d+$/.test(s)) throw new Error("argument couldn't be parsed into an integer");
    n = Number(s);
  }
  if ((d.min !== undefined && n < d.min) || (d.max !== undefined && n > d.max)) {
    throw new Error(`argument must be between ${d.min} and ${d.max} inclusive`);
  }
  return n;
}

/** The stored value for text arguments of a directive. */
export function parseValue(d: ConfigDef, args: string[], current?: ConfigValue): ConfigValue {
  if (d.type === 'special') return d.parse!(args, current);
  if (args.length !== 1) throw new ConfigArityError();
  const a = args[0];
  switch (d.type) {
    case 'bool':
      return parseBool(a);
    case 'int':
      return parseIntArg(a, d, false);
    case 'memory':
      return parseIntArg(a, d, true);
    case 'string':
      return a;
    case 'enum': {
      const l = a.toLowerCase();
      if (!d.values!.includes(l)) throw new Error(`argument(s) must be one of the following: ${d.values!.join(', ')}`);
      return l;
    }
  }
}

/** Wrong number of arguments for a directive. */
export class ConfigArityError extends Error {
  constructor() {
    super('wrong number of arguments');
  }
}

/** Format a value for CONFIG GET. */
export function formatValue(d: ConfigDef, v: ConfigValue): string {
  if (d.format) return d.format(v);
  switch (d.type) {
    case 'bool':
      return v ? 'yes' : 'no';
    case 'int':
    case 'memory':
      return String(v);
    default:
      return String(v);
  }
}

/** Redis's glob-free CONFIG GET match helper is in util/glob; kept here only the registry. */
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

  /** Look up by name or alias (lowercase). */
  find(name: string): ConfigDef | undefined {
    return this.byAlias.get(name.toLowerCase());
  }

  /** Every name and alias, for CONFIG GET pattern matching (aliases included, as Redis 7.0). */
  allNames(): Array<[string, ConfigDef]> {
    return [...this.byAlias.entries()];
  }
}

/** Holds the current value of every directive. */
export class Config {
  private readonly values = new Map<string, ConfigValue>();
  private readonly hooks = new Map<string, ApplyHook[]>();
  /** The config file the server started from (for CONFIG REWRITE), absolute. */
  file: string | null = null;

  constructor(public readonly registry: ConfigRegistry) {
    for (const d of registry.defs.values()) {
      const args = d.type === 'special' ? splitArgs(d.default) ?? [] : [d.default];
      this.values.set(d.name, d.type === 'special' ? d.parse!(args, undefined) : parseValue(d, args));
    }
  }

  /** Raw typed value. */
  get(name: string): ConfigValue {
    const v = this.values.get(name);
    if (v === undefined && !this.values.has(name)) throw new Error(`unknown config ${name}`);
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

  /** Value formatted for CONFIG GET. */
  getText(name: string): string {
    const d = this.registry.find(name)!;
    return formatValue(d, this.values.get(d.name));
  }

  /** Register a hook for live changes of a directive. */
  onChange(name: string, hook: ApplyHook): void {
    const d = this.registry.find(name);
    if (!d) throw new Error(`unknown config ${name}`);
    let l = this.hooks.get(d.name);
    if (!l) this.hooks.set(d.name, (l = []));
    l.push(hook);
  }

  /** Set without validation hooks (start-up, before the server exists). */
  setRaw(name: string, value: ConfigValue): void {
    this.values.set(name, value);
  }

  /** Apply directives from the config file / command line; throws ConfigFileError like Redis. */
  loadDirectives(directives: Directive[]): void {
    const seenAccumulate = new Set<string>();
    for (const dir of directives) {
      const d = this.registry.find(dir.name);
      if (!d) throw new ConfigFileError('Bad directive or wrong number of arguments', dir.line, dir.text);
      try {
        let v = parseValue(d, dir.args, this.values.get(d.name));
        if (d.accumulate && Array.isArray(v)) {
          // `save 900 1` twice accumulates; `save ""` resets (Redis does the same)
          const prev = seenAccumulate.has(d.name) ? (this.values.get(d.name) as unknown[]) : [];
          v = (v as unknown[]).length === 0 ? [] : [...prev, ...(v as unknown[])];
          seenAccumulate.add(d.name);
        }
        this.values.set(d.name, v);
      } catch (e) {
        if (e instanceof ConfigArityError) throw new ConfigFileError('Bad directive or wrong number of arguments', dir.line, dir.text);
        throw new ConfigFileError((e as Error).message, dir.line, dir.text);
      }
    }
  }

  /**
   * CONFIG SET of several name/value pairs, atomically: all parse and apply or
   * none do (values are restored and hooks re-run with the old values).
   * Throws Error with Redis's reply text.
   */
  setMany(pairs: Array<[string, string]>): void {
    const parsed: Array<[ConfigDef, ConfigValue]> = [];
    const seen = new Set<string>();
    for (const [name, text] of pairs) {
      const d = this.registry.find(name);
      if (!d || !d.mutable) {
        if (d && !d.mutable) throw new Error(`ERR CONFIG SET failed (possibly related to argument '${name}') - can't set immutable config`);
        throw new Error(`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`);
      }
      if (seen.has(d.name)) throw new Error(`ERR CONFIG SET failed (possibly related to argument '${name}') - duplicate parameter`);
      seen.add(d.name);
      let v: ConfigValue;
      try {
        const args = d.type === 'special' ? splitArgs(text) ?? [text] : [text];
        v = parseValue(d, d.type === 'special' && text === '' ? [] : args, this.values.get(d.name));
      } catch (e) {
        throw new Error(`ERR Invalid argument '${text}' for CONFIG SET '${name}' - ${(e as Error).message}`);
      }
      parsed.push([d, v]);
    }
    const applied: Array<[ConfigDef, ConfigValue]> = [];
    try {
      for (const [d, v] of parsed) {
        const old = this.values.get(d.name);
        this.values.set(d.name, v);
        applied.push([d, old]);
        for (const h of this.hooks.get(d.name) ?? []) h(v, old);
      }
    } catch (e) {
      for (const [d, old] of applied.reverse()) {
        const cur = this.values.get(d.name);
        this.values.set(d.name, old);
        try {
          for (const h of this.hooks.get(d.name) ?? []) h(old, cur);
        } catch {
          /* restoring the old value must not fail */
        }
      }
      const name = applied.length ? applied[applied.length - 1][0].name : parsed[0][0].name;
      throw new Error(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${(e as Error).message}`);
    }
  }
}
