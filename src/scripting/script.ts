/** What a script is: its flags (the shebang), the cached EVAL script, and the state of a running one (Redis's scriptRunCtx). */
import { createHash } from 'node:crypto';
import type { Client } from '../server/client';

/** Shebang flags (Redis's SCRIPT_FLAG_*). */
export const SF_NO_WRITES = 1;
export const SF_ALLOW_OOM = 2;
export const SF_ALLOW_STALE = 4;
export const SF_NO_CLUSTER = 8;
export const SF_EVAL_COMPAT = 16;
export const SF_ALLOW_CROSS_SLOT = 32;

/** Script flag names in Redis's order (scripts_flags_def). */
export const FLAG_NAMES: ReadonlyArray<[string, number]> = [
  ['no-writes', SF_NO_WRITES],
  ['allow-oom', SF_ALLOW_OOM],
  ['allow-stale', SF_ALLOW_STALE],
  ['no-cluster', SF_NO_CLUSTER],
  ['allow-cross-slot-keys', SF_ALLOW_CROSS_SLOT],
];

/** PROPAGATE_AOF / PROPAGATE_REPL as redis.set_repl takes them. */
export const REPL_AOF = 1;
export const REPL_REPLICA = 2;

export const HOOK_COUNT = 100000;
export const GC_PERIOD = 50;

/** A cached EVAL script. */
export interface Script {
  sha: string;
  body: string;
  flags: number;
  /** its function's slot in the registry (Redis's f_<sha> field) */
  ref: number;
}

/** The state of the running script (Redis's scriptRunCtx). */
export class RunCtx {
  readonly startTime = performance.now();
  /** Redis's snapshot_time: keys expire as of the script's start */
  readonly snapshotTime: number;
  timedOut = false;
  killed = false;
  writeDirty = false;
  replFlags = REPL_AOF | REPL_REPLICA;
  /** the script may be suspended between event-loop turns */
  canYield = false;
  /** the handler returned and the caller waits for the reply */
  suspended = false;
  co = 0;
  /** the Lua state the script belongs to (EVAL's or the functions') */
  L = 0;
  /** the command that runs it (FUNCTION STATS) */
  argv: string[] = [];
  constructor(
    readonly caller: Client,
    readonly sc: Client,
    /** sha for EVAL, function name for FCALL */
    readonly funcname: string,
    readonly evalMode: boolean,
    readonly readOnly: boolean,
    readonly allowOom: boolean,
    now: number,
  ) {
    this.snapshotTime = now;
  }
}

/** sha1 hex of latin1 bytes. */
export function sha1hex(s: string): string {
  return createHash('sha1').update(s, 'latin1').digest('hex');
}

/** Parse a shebang line: flags, the length to skip, or an error text. */
export function parseShebang(body: string): { flags: number; skip: number } | string {
  if (!body.startsWith('#!')) return { flags: SF_EVAL_COMPAT, skip: 0 };
  const end = body.indexOf('\n');
  if (end < 0) return 'Invalid script shebang';
  const parts = body.slice(0, end).split(/[ \t\r\v\f]+/).filter((p) => p !== '');
  if (parts.length === 0) return 'Invalid engine in script shebang';
  if (parts[0] !== '#!lua') return `Unexpected engine in script shebang: ${parts[0]}`;
  let flags = 0;
  for (let j = 1; j < parts.length; j++) {
    if (parts[j].startsWith('flags=')) {
      const list = parts[j].slice(6);
      for (const f of list === '' ? [] : list.split(',')) {
        const def = FLAG_NAMES.find(([n]) => n === f);
        if (!def) return `Unexpected flag in script shebang: ${f}`;
        flags |= def[1];
      }
    } else {
      return `Unknown lua shebang option: ${parts[j]}`;
    }
  }
  return { flags, skip: end };
}
