/**
 * tredis-cli's read-eval-print loop: the interactive prompt on a terminal
 * (node:readline, history file, completion) and the line-by-line mode used
 * when commands are piped on stdin. Port of redis-cli 7.0's repl().
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { CliSession } from './cli-session';
import { cliHint, helpGroups, type HelpEntry } from './help';
import { CliExit, LineReader, type Output } from './io';
import { atoi } from './options';
import { splitArgs } from '../util/split-args';

/** Maximum history length (linenoise's default). */
const HISTORY_MAX = 100;

/** In-memory command history with linenoise semantics, optionally persisted. */
export class History {
  /** Oldest first. */
  readonly entries: string[] = [];
  private readonly file: string | null;

  constructor(file: string | null) {
    this.file = file;
  }

  /** linenoiseHistoryAdd(): skip consecutive duplicates, keep the last 100. */
  add(line: string): void {
    if (this.entries.length > 0 && this.entries[this.entries.length - 1] === line) return;
    this.entries.push(line);
    if (this.entries.length > HISTORY_MAX) this.entries.shift();
  }

  /** linenoiseHistoryLoad(). */
  load(): void {
    if (this.file === null) return;
    let data: string;
    try {
      data = fs.readFileSync(this.file, 'utf8');
    } catch {
      return;
    }
    for (const raw of data.split('\n')) {
      const line = raw.replace(/\r$/, '');
      if (line !== '') this.add(line);
    }
  }

  /** linenoiseHistorySave() (mode 0600). */
  save(): void {
    if (this.file === null) return;
    try {
      fs.writeFileSync(this.file, this.entries.map((l) => `${l}\n`).join(''), { mode: 0o600 });
    } catch {
      // Like linenoise, silently ignore unwritable history files.
    }
  }
}

/**
 * The history file: $REDISCLI_HISTFILE if set ("/dev/null" disables it),
 * otherwise ~/.tredis_history.
 */
export function historyFilePath(env: NodeJS.ProcessEnv): string | null {
  const override = env['REDISCLI_HISTFILE'];
  if (override !== undefined && override !== '') return override === '/dev/null' ? null : override;
  const home = env['HOME'] ?? os.homedir();
  if (home === '') return null;
  return path.join(home, '.tredis_history');
}

/** isSensitiveCommand(): commands never written to the history. */
export function isSensitiveCommand(argv: readonly string[]): boolean {
  const a = argv.map((x) => x.toLowerCase());
  const argc = a.length;
  if (argc === 0) return false;
  if (a[0] === 'auth') return true;
  if (argc > 1 && a[0] === 'acl' && a[1] === 'setuser') return true;
  if (argc > 2 && a[0] === 'config' && a[1] === 'set' && (a[2] === 'masterauth' || a[2] === 'masteruser' || a[2] === 'requirepass')) {
    return true;
  }
  if (argc > 4 && a[0] === 'hello') {
    for (let j = 2; j < argc; j++) {
      const moreargs = argc - 1 - j;
      if (a[j] === 'auth' && moreargs >= 2) return true;
      if (a[j] === 'setname' && moreargs > 0) j++;
      else return false;
    }
  }
  if (argc > 7 && a[0] === 'migrate') {
    for (let j = 6; j < argc; j++) {
      const moreargs = argc - 1 - j;
      if (a[j] === 'auth' && moreargs > 0) return true;
      if (a[j] === 'auth2' && moreargs >= 2) return true;
      if (a[j] === 'keys' && moreargs > 0) return false;
    }
  }
  return false;
}

/**
 * strtol(argv[0]) as used for the "N command" repeat prefix: returns the
 * number when the whole word was consumed, 'invalid' when it was but the
 * value is unusable, or null when the word is not a number.
 */
function parseRepeatPrefix(word: string): number | 'invalid' | null {
  if (word === '') return 'invalid';
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)$/.exec(word);
  if (m === null) return null;
  const v = BigInt(m[1]);
  if (v <= 0n || v > 9223372036854775807n) return 'invalid';
  return Number(v);
}

/** Shared by the TTY and piped REPLs: state they both need. */
interface ReplContext {
  session: CliSession;
  out: Output;
  history: History | null;
}

/** Handle one input line. Returns true when the REPL must end (quit/exit). */
async function handleLine(ctx: ReplContext, line: Buffer): Promise<boolean> {
  const { session, out, history } = ctx;
  const lineText = line.toString('utf8');
  const argv = splitArgs(line.toString('latin1'))?.map((a) => Buffer.from(a, 'latin1')) ?? null;
  if (argv === null) {
    await out.write('Invalid argument(s)\n');
    if (history !== null) {
      history.add(lineText);
      history.save();
    }
    return false;
  }
  if (argv.length === 0) return false;
  const words = argv.map((a) => a.toString('utf8'));
  let repeat = 1;
  let skip = 0;
  if (argv.length > 1) {
    const r = parseRepeatPrefix(argv[0].toString('latin1'));
    if (r === 'invalid') {
      await out.write('Invalid redis-cli repeat command option value.\n');
      return false;
    }
    if (r !== null) {
      repeat = r;
      skip = 1;
    }
  }
  if (history !== null && !isSensitiveCommand(words.slice(skip))) {
    history.add(lineText);
    history.save();
  }
  const first = words[0].toLowerCase();
  if (first === 'quit' || first === 'exit') return true;
  if (words[0].startsWith(':')) {
    if (first === ':set' && words.length >= 2) {
      const pref = words[1].toLowerCase();
      if (pref === 'hints') session.hints = true;
      else if (pref === 'nohints') session.hints = false;
      else await out.write(`unknown redis-cli preference '${words[1]}'\n`);
    } else {
      await out.write(`unknown redis-cli internal command '${words[0]}'\n`);
    }
    return false;
  }
  if (argv.length === 3 && first === 'connect') {
    session.cfg.host = words[1];
    session.cfg.port = atoi(words[2]);
    session.cfg.socket = null;
    session.refreshPrompt();
    await session.connect(true, false);
    return false;
  }
  if (argv.length === 1 && first === 'clear') {
    await out.write('\x1b[H\x1b[2J');
    return false;
  }
  const start = Date.now();
  await session.issueCommandRepeat(argv.slice(skip), repeat);
  const elapsed = Date.now() - start;
  if (elapsed >= 500 && session.cfg.output === 'standard') await out.write(`(${(elapsed / 1000).toFixed(2)}s)\n`);
  return false;
}

/** Install redis-cli's interactive SIGINT behaviour; returns an uninstall function. */
function installSigint(session: CliSession): () => void {
  const onSigint = (): void => {
    if (session.monitorMode || session.pubsubMode) {
      session.abortBlocking();
    } else {
      session.interruptExit();
    }
  };
  process.on('SIGINT', onSigint);
  return () => {
    process.removeListener('SIGINT', onSigint);
  };
}

/** Read commands from a non-terminal stdin, one per line, until EOF. */
async function pipedRepl(ctx: ReplContext, input: NodeJS.ReadableStream): Promise<number> {
  const reader = new LineReader(input);
  try {
    for (;;) {
      const line = await reader.readLine();
      if (line === null) return 0;
      if (line.length === 0 || line[0] === 0) continue;
      if (await handleLine(ctx, line)) return 0;
    }
  } finally {
    await reader.close();
  }
}

/**
 * One readline interface for the whole session, so that several lines pasted
 * at once are all kept. Between prompts the terminal leaves raw mode (like
 * linenoise), so Ctrl-C raises SIGINT while a command runs.
 */
class TerminalInput {
  private readonly rl: readline.Interface;
  private readonly queue: Array<string | null> = [];
  private wake: (() => void) | null = null;
  private closed = false;

  constructor(history: History, completer: (line: string) => [string[], string], hint: (line: string) => string | null = () => null) {
    this.rl = readline.createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: true,
      history: [...history.entries].reverse(),
      historySize: HISTORY_MAX,
      removeHistoryDuplicates: false,
      completer,
      tabSize: 8,
    });
    this.rl.on('line', (l: string) => this.push(l));
    this.showHints(hint);
    this.rl.on('SIGINT', () => {
      process.stdout.write('\n');
      this.push(null);
    });
    this.rl.on('close', () => {
      if (!this.closed) process.stdout.write('\n');
      this.closed = true;
      this.push(null);
    });
  }

  /**
   * linenoise's hints: after each key, the hint for the line so far is drawn
   * in gray after it (only when the cursor is at the end of the line), and
   * wiped before Enter so the submitted line stays clean.
   */
  private showHints(hint: (line: string) => string | null): void {
    const rl = this.rl as readline.Interface & { line: string; cursor: number };
    const out = process.stdout;
    process.stdin.prependListener('keypress', (_s: string, key: { name?: string } | undefined) => {
      if ((key?.name === 'return' || key?.name === 'enter') && rl.cursor === rl.line.length) out.write('\x1b[0K');
    });
    process.stdin.on('keypress', (_s: string, key: { name?: string } | undefined) => {
      if (this.closed || key?.name === 'return' || key?.name === 'enter' || rl.cursor !== rl.line.length) return;
      let h = hint(rl.line);
      if (h === null || h === '') {
        out.write('\x1b[0K');
        return;
      }
      const room = (out.columns || 80) - rl.getPrompt().length - rl.line.length - 1;
      if (room <= 0) return;
      h = h.slice(0, room);
      out.write(`\x1b[0K\x1b[0;90;49m${h}\x1b[0m\x1b[${h.length}D`);
    });
  }

  private push(line: string | null): void {
    this.queue.push(line);
    const w = this.wake;
    this.wake = null;
    if (w !== null) w();
  }

  /** Show `prompt` and wait for a line; null on Ctrl-C / Ctrl-D. */
  async read(prompt: string): Promise<string | null> {
    if (this.queue.length === 0 && !this.closed) {
      if (process.stdin.isTTY === true) process.stdin.setRawMode(true);
      this.rl.setPrompt(prompt);
      this.rl.prompt();
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    const line = this.queue.shift();
    if (line === undefined || line === null) return null;
    // Leave raw mode while the command runs: Ctrl-C becomes a signal again.
    this.rl.pause();
    if (process.stdin.isTTY === true) process.stdin.setRawMode(false);
    return line;
  }

  /** Replace readline's history (newest first) with ours. */
  setHistory(history: History): void {
    const holder = this.rl as unknown as { history?: string[] };
    if (Array.isArray(holder.history)) holder.history.splice(0, holder.history.length, ...[...history.entries].reverse());
  }

  /** Restore the terminal. */
  close(): void {
    this.closed = true;
    this.rl.close();
  }
}

/** Tab completion over command names (and help topics after "help "). */
function makeCompleter(entries: readonly HelpEntry[]): (line: string) => [string[], string] {
  const groups = helpGroups(entries).map((g) => `@${g}`);
  return (line: string): [string[], string] => {
    let startpos = 0;
    let candidates = entries.map((e) => e.full);
    if (line.slice(0, 5).toLowerCase() === 'help ') {
      startpos = 5;
      while (startpos < line.length && /\s/.test(line[startpos])) startpos++;
      candidates = [...groups, ...candidates];
    }
    const typed = line.slice(startpos).toLowerCase();
    const head = line.slice(0, startpos);
    const hits = candidates.filter((c) => c.toLowerCase().startsWith(typed)).map((c) => head + c);
    return [hits, line];
  };
}

/** Interactive prompt on a terminal. */
async function ttyRepl(ctx: ReplContext): Promise<number> {
  const { session } = ctx;
  const history = ctx.history ?? new History(null);
  const entries = await session.loadHelp();
  const input = new TerminalInput(history, makeCompleter(entries), (line) => (session.hints ? cliHint(line, entries) : null));
  try {
    for (;;) {
      const line = await input.read(session.connected ? session.prompt : 'not connected> ');
      if (line === null) {
        if (session.pubsubMode) {
          session.pubsubMode = false;
          if (await session.connect(true, false)) continue;
        }
        return 0;
      }
      if (line === '') continue;
      const quit = await handleLine({ ...ctx, history }, Buffer.from(line, 'utf8'));
      input.setHistory(history);
      if (quit) return 0;
    }
  } finally {
    input.close();
  }
}

/**
 * Run the REPL (redis-cli repl()): interactive when stdin is a terminal,
 * otherwise one command per stdin line. Returns the exit code.
 */
export async function runRepl(session: CliSession, out: Output, env: NodeJS.ProcessEnv): Promise<number> {
  session.interactive = true;
  const stdinIsTTY = process.stdin.isTTY === true;
  let history: History | null = null;
  if (stdinIsTTY) {
    history = new History(historyFilePath(env));
    history.load();
  }
  const uninstall = installSigint(session);
  try {
    const ctx: ReplContext = { session, out, history };
    return stdinIsTTY ? await ttyRepl(ctx) : await pipedRepl(ctx, process.stdin);
  } catch (e) {
    if (e instanceof CliExit) return e.code;
    throw e;
  } finally {
    uninstall();
  }
}
