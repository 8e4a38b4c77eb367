/**
 * Logs in Redis's format: `<pid>:<role> <dd Mon yyyy HH:MM:SS.mmm> <level> <message>`
 * with role M (master), S (replica), C (background), X (sentinel) and level
 * `.` debug, `-` verbose, `*` notice, `#` warning. Writes to `logfile` or stdout.
 */
import * as fs from 'node:fs';

export const LL_DEBUG = 0;
export const LL_VERBOSE = 1;
export const LL_NOTICE = 2;
export const LL_WARNING = 3;
const MARKS = ['.', '-', '*', '#'];
const LEVELS: Record<string, number> = { debug: LL_DEBUG, verbose: LL_VERBOSE, notice: LL_NOTICE, warning: LL_WARNING };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function p2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** Redis-format timestamp, local time: `09 Aug 2026 23:39:51.520`. */
export function logTimestamp(d: Date): string {
  const ms = d.getMilliseconds();
  return `${p2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${ms < 10 ? '00' + ms : ms < 100 ? '0' + ms : ms}`;
}

/** The server's logger; one per Server. */
export class Logger {
  level = LL_NOTICE;
  private fd: number | null = null;
  private file = '';
  /** returns the role letter (M/S/C) at the time of logging */
  role: () => string = () => 'M';
  /** extra listeners (tests) */
  readonly listeners: Array<(line: string) => void> = [];
  /** when true, nothing is written to stdout (embedded servers are quiet unless a logfile is given) */
  quiet = false;

  /** Set `loglevel` by name. */
  setLevel(name: string): void {
    this.level = LEVELS[name] ?? LL_NOTICE;
  }

  /** Set `logfile`; "" means stdout. */
  setFile(file: string): void {
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* ignore */
      }
      this.fd = null;
    }
    this.file = file;
    if (file !== '') this.fd = fs.openSync(file, 'a');
  }

  /** Write one line at a level (LL_*). */
  log(level: number, msg: string): void {
    if (level < this.level) return;
    const line = `${process.pid}:${this.role()} ${logTimestamp(new Date())} ${MARKS[level]} ${msg}\n`;
    this.raw(line);
  }

  /** Write text as is (the start-up banner). */
  raw(text: string): void {
    for (const l of this.listeners) l(text);
    if (this.fd !== null) {
      try {
        fs.writeSync(this.fd, text);
      } catch {
        /* a full disk must not crash the server */
      }
    } else if (!this.quiet) {
      process.stdout.write(text);
    }
  }

  debug(msg: string): void {
    this.log(LL_DEBUG, msg);
  }
  verbose(msg: string): void {
    this.log(LL_VERBOSE, msg);
  }
  notice(msg: string): void {
    this.log(LL_NOTICE, msg);
  }
  warning(msg: string): void {
    this.log(LL_WARNING, msg);
  }

  /** Close the log file. */
  close(): void {
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* ignore */
      }
      this.fd = null;
    }
  }
}
