/**
 * Commands are data: each family exports CommandSpec[]; the table compiles them
 * into Command objects that the executor's gate and COMMAND read.
 */
import type { LatencyHistogram } from '../server/latency';
import type { Client } from '../server/client';

/** A command handler: writes its reply on c.reply or throws a RedisError. */
export type Handler = (c: Client, argv: string[]) => void;

/** One command (or subcommand) as written in a family file. */
export interface CommandSpec {
  /** lowercase name; for a subcommand just the subcommand ("get" under "config") */
  name: string;
  /** Redis's arity convention: N exact, -N at least N (counting the name; subcommands count both words) */
  arity: number;
  /** Redis's lowercase flag names: write readonly denyoom admin pubsub noscript blocking loading stale skip_monitor skip_slowlog fast no_auth may_replicate sentinel no_multi no_mandatory_keys allow_busy */
  flags: string[];
  /** 1-based first key position, 0 = none; lastKey -1 = last arg; step between keys */
  firstKey: number;
  lastKey: number;
  step: number;
  handler?: Handler;
  subcommands?: CommandSpec[];
  /** keys for commands with movable keys (numkeys forms); returns argv indexes */
  getKeys?: (argv: string[]) => number[];
  /** argv indexes of the keys a write may change (default: all its keys); only these break WATCH / wake blocked clients, e.g. ZUNIONSTORE's destination but not its sources */
  writeKeys?: (argv: string[]) => number[];
  /** command group for COMMAND DOCS / INFO (string, list, generic, server, ...) */
  group?: string;
  since?: string;
  summary?: string;
  /** ACL categories without the @ (computed from flags when absent) */
  acl?: string[];
  /** command tips (nondeterministic_output, request_policy:...) */
  tips?: string[];
  /**
   * Its value arguments may be longer than any JS string: the handler reads
   * them with valueArg() (an RBigString past STRING_LIMIT). Without it such
   * an argument is refused at the gate, as is one in a key position.
   */
  bigValues?: boolean;
  /**
   * The handler changes its keys only by replacing or deleting them through
   * the Database (set, setAt, delete), which re-costs them for used_memory:
   * the executor skips re-costing its keys after the call (string commands;
   * never one that changes a value in place).
   */
  costed?: boolean;
  /**
   * O(1) in tredis though Redis does not flag it `fast` (SET: Redis may free
   * a big old value in the call; tredis leaves that to the GC): its time may
   * be measured with the run of fast commands around it (Command.runTimed).
   */
  constantTime?: boolean;
  /** flags decided per invocation (evalGetCommandFlags: a script's shebang flags replace EVAL's write/stale at the gate); null = the static ones */
  gateFlags?: (c: Client, argv: string[]) => { write: boolean; stale: boolean } | null;
}

/** Counters for INFO commandstats. */
export class CommandStats {
  calls = 0;
  usec = 0;
  rejected = 0;
  failed = 0;
  /** this command's latency histogram (INFO latencystats, LATENCY HISTOGRAM); null until first recorded */
  histogram: LatencyHistogram | null = null;
}

/** A compiled command, with flags as booleans for the executor's gate. */
export class Command {
  readonly name: string;
  /** "config|get" for subcommands */
  readonly fullName: string;
  readonly arity: number;
  readonly flags: readonly string[];
  readonly firstKey: number;
  readonly lastKey: number;
  readonly step: number;
  readonly handler: Handler | undefined;
  readonly subcommands: Map<string, Command> | null;
  readonly parent: Command | null;
  readonly getKeysFn: ((argv: string[]) => number[]) | undefined;
  readonly writeKeysFn: ((argv: string[]) => number[]) | undefined;
  readonly gateFlagsFn: CommandSpec['gateFlags'];
  readonly spec: CommandSpec;
  readonly isWrite: boolean;
  /** CommandSpec.costed */
  readonly costed: boolean;
  readonly isReadonly: boolean;
  readonly denyOom: boolean;
  readonly noAuth: boolean;
  readonly okStale: boolean;
  readonly okLoading: boolean;
  readonly noMulti: boolean;
  readonly isAdmin: boolean;
  readonly isPubsub: boolean;
  readonly isBlocking: boolean;
  readonly skipMonitor: boolean;
  readonly mayReplicate: boolean;
  readonly allowBusy: boolean;
  readonly noScript: boolean;
  /**
   * Flagged `fast` (or CommandSpec.constantTime): in a pipelined batch its
   * time is measured with the run of such commands it is part of (one clock
   * read a run, Executor.call) rather than on its own.
   */
  readonly runTimed: boolean;
  readonly stats = new CommandStats();
  /** the command's bit in ACL selectors (assigned by server/acl.ts when it first needs the table) */
  aclId = -1;

  constructor(spec: CommandSpec, parent: Command | null) {
    this.spec = spec;
    this.name = spec.name.toLowerCase();
    this.parent = parent;
    this.fullName = parent ? `${parent.name}|${this.name}` : this.name;
    this.arity = spec.arity;
    this.flags = spec.flags;
    this.firstKey = spec.firstKey;
    this.lastKey = spec.lastKey;
    this.step = spec.step;
    this.handler = spec.handler;
    this.getKeysFn = spec.getKeys;
    this.writeKeysFn = spec.writeKeys;
    this.gateFlagsFn = spec.gateFlags;
    const f = new Set(spec.flags);
    this.isWrite = f.has('write');
    this.costed = spec.costed === true;
    this.isReadonly = f.has('readonly');
    this.denyOom = f.has('denyoom');
    this.noAuth = f.has('no_auth');
    this.okStale = f.has('stale');
    this.okLoading = f.has('loading');
    this.noMulti = f.has('no_multi');
    this.isAdmin = f.has('admin');
    this.isPubsub = f.has('pubsub');
    this.isBlocking = f.has('blocking');
    this.skipMonitor = f.has('skip_monitor');
    this.mayReplicate = f.has('may_replicate');
    this.allowBusy = f.has('allow_busy');
    this.noScript = f.has('noscript');
    this.runTimed = f.has('fast') || spec.constantTime === true;
    if (spec.subcommands) {
      this.subcommands = new Map();
      for (const s of spec.subcommands) this.subcommands.set(s.name.toLowerCase(), new Command(s, this));
    } else this.subcommands = null;
  }

  /** argv indexes of the keys of this invocation. */
  keyIndexes(argv: string[]): number[] {
    if (this.getKeysFn) return this.getKeysFn(argv);
    if (this.firstKey <= 0) return [];
    const last = this.lastKey < 0 ? argv.length + this.lastKey : this.lastKey;
    const out: number[] = [];
    for (let i = this.firstKey; i <= last && i < argv.length; i += this.step || 1) out.push(i);
    return out;
  }

  /** Keys of this invocation. */
  keys(argv: string[]): string[] {
    return this.keyIndexes(argv).map((i) => argv[i]);
  }
}

/** Shorthand to declare a spec: `cmd('get', 2, 'readonly fast', 1, 1, 1, handler)`. */
export function cmd(
  name: string,
  arity: number,
  flags: string,
  firstKey: number,
  lastKey: number,
  step: number,
  handler: Handler,
  extra: Partial<CommandSpec> = {},
): CommandSpec {
  return { name, arity, flags: flags.split(/\s+/).filter(Boolean), firstKey, lastKey, step, handler, ...extra };
}

/** Keys of commands shaped `CMD numkeys key [key ...] ...` starting at argv[first]. */
export function numkeysAt(numkeysIndex: number, extraKeyIndex = 0): (argv: string[]) => number[] {
  return (argv) => {
    const n = Number(argv[numkeysIndex]);
    const out: number[] = [];
    if (extraKeyIndex) out.push(extraKeyIndex);
    if (!Number.isInteger(n) || n <= 0) return out;
    for (let i = 0; i < n && numkeysIndex + 1 + i < argv.length; i++) out.push(numkeysIndex + 1 + i);
    return out;
  };
}
