/**
 * maxclients fitted to the open-file limit, as Redis's adjustOpenFilesLimit:
 * a server needs maxclients + 32 descriptors. Node raises its soft
 * RLIMIT_NOFILE to the hard limit at start-up but has no setrlimit, so a
 * higher limit is asked for with prlimit(1) (it works where the process may
 * raise its hard limit); otherwise maxclients is lowered with Redis's log
 * lines. Linux only (/proc/self/limits); elsewhere nothing is checked.
 */
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';

/** Redis's CONFIG_MIN_RESERVED_FDS: descriptors kept for files, listeners, replication. */
export const MIN_RESERVED_FDS = 32;

/** The NOFILE soft and hard limits of this process, or null when they cannot be read. */
export function readNofileLimit(): { soft: number; hard: number } | null {
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/limits', 'latin1');
  } catch {
    return null;
  }
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (m === null) return null;
  const num = (s: string): number => (s === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(s));
  return { soft: num(m[1]), hard: num(m[2]) };
}

/** Try to set this process's NOFILE limit to `n` (soft and hard, never lowering the hard one); returns null or the OS error text. */
export function raiseNofileLimit(n: number, hard: number): string | null {
  const r = spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${n}:${Math.max(n, hard)}`], { encoding: 'latin1', timeout: 5000 });
  if (r.error !== undefined) return 'Operation not permitted';
  if (r.status === 0) return null;
  const msg = (r.stderr ?? '').trim();
  const i = msg.lastIndexOf(': ');
  return i >= 0 ? msg.slice(i + 2) : 'Operation not permitted';
}

/** What adjusting did: the maxclients to use and the log lines (level '#' warning, '*' notice) to write. */
export interface FdAdjustment {
  maxclients: number;
  log: Array<['warning' | 'notice', string]>;
  /** the limit is too low to run at all (Redis exits) */
  fatal: boolean;
}

/** adjustOpenFilesLimit for `maxclients`. */
export function adjustOpenFilesLimit(maxclients: number): FdAdjustment {
  const maxfiles = maxclients + MIN_RESERVED_FDS;
  const limit = readNofileLimit();
  if (limit === null) return { maxclients, log: [], fatal: false };
  const old = limit.soft;
  if (old >= maxfiles) return { maxclients, log: [], fatal: false };
  const err = raiseNofileLimit(maxfiles, limit.hard);
  if (err === null) return { maxclients, log: [['notice', `Increased maximum number of open files to ${maxfiles} (it was originally set to ${old}).`]], fatal: false };
  const best = old;
  if (best <= MIN_RESERVED_FDS) {
    return {
      maxclients,
      log: [['warning', `Your current 'ulimit -n' of ${old} is not enough for the server to start. Please increase your open file limit to at least ${maxfiles}. Exiting.`]],
      fatal: true,
    };
  }
  const reduced = best - MIN_RESERVED_FDS;
  return {
    maxclients: reduced,
    log: [
      ['warning', `You requested maxclients of ${maxclients} requiring at least ${maxfiles} max file descriptors.`],
      ['warning', `Server can't set maximum open files to ${maxfiles} because of OS error: ${err}.`],
      ['warning', `Current maximum open files is ${best}. maxclients has been reduced to ${reduced} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.`],
    ],
    fatal: false,
  };
}
