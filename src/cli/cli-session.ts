/**
 * Connection state and command execution of tredis-cli: a port of
 * redis-cli 7.0's cliConnect(), cliReadReply(), cliSendCommand() and
 * issueCommandRepeat(), plus --scan, --eval and --pipe modes.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { formatInvalidateTTY, formatReply, repr, UnknownReplyTypeError } from './format';
import { helpEntriesFromDocs, helpText, type HelpEntry } from './help';
import { CliExit, type Output, sleep } from './io';
import { cliVersion, type CliConfig } from './options';
import { ConnectionError, RespConnection, type ConnectTarget } from './resp-connection';
import type { Reply } from '../protocol/reply-parser';
import type { ModeContext } from './modes';
import { encodeCommand } from '../protocol/reply';
import { strerror } from '../util/strerror';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Bytes of a C string (up to the first NUL). */
function cstr(data: Buffer): Buffer {
  const nul = data.indexOf(0);
  return nul >= 0 ? data.subarray(0, nul) : data;
}

/** Format an address like anetFormatAddr(): IPv6 literals get brackets. */
function formatAddr(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Is this a RESP3 client-tracking "invalidate" push? */
function isInvalidateReply(r: Reply): boolean {
  if (r.type !== 'push' || r.elements.length !== 2) return false;
  const [kind, keys] = r.elements;
  return kind.type === 'string' && kind.str.toString('latin1') === 'invalidate' && keys.type === 'array';
}

/** Streams the CLI writes to. */
export interface CliStreams {
  stdout: Output;
  stderr: (text: string) => void;
}

/** One tredis-cli session: configuration plus the live connection state. */
export class CliSession {
  readonly cfg: CliConfig;
  private readonly out: Output;
  private readonly err: (text: string) => void;
  private conn: RespConnection | null = null;
  /** hiredis context->err: a connection failure observed by an operation. */
  private connError: ConnectionError | null = null;
  /** Database currently selected on the connection (redis-cli config.dbnum). */
  dbnum = 0;
  private inMulti = false;
  private preMultiDbnum = 0;
  /** The connection and outputs for the long-running modes (src/cli/modes.ts); null when not connected. */
  modeContext(): ModeContext | null {
    return this.conn === null ? null : { cfg: this.cfg, conn: this.conn, out: this.out, err: this.err };
  }

  /** redis-cli's pref.hints (`:set hints` / `:set nohints`): hints after the prompt's input. */
  hints = true;
  /** True in REPL / piped-stdin mode (redis-cli config.interactive). */
  interactive = false;
  monitorMode = false;
  pubsubMode = false;
  private shutdown = false;
  private blockingAborted = false;
  private interrupted = false;
  private lastReplyType: Reply['type'] | null = null;
  private helpEntries: HelpEntry[] | null = null;
  /** Current prompt text (redis-cli config.prompt). */
  prompt = '';

  constructor(cfg: CliConfig, streams: CliStreams) {
    this.cfg = cfg;
    this.out = streams.stdout;
    this.err = streams.stderr;
    this.refreshPrompt();
  }

  /** Whether a connection object exists (the REPL shows "not connected> " otherwise). */
  get connected(): boolean {
    return this.conn !== null;
  }

  /** cliRefreshPrompt(). */
  refreshPrompt(): void {
    let p = this.cfg.socket !== null ? `redis ${this.cfg.socket}` : formatAddr(this.cfg.host, this.cfg.port);
    if (this.dbnum !== 0) p += `[${this.dbnum}]`;
    if (this.inMulti) p += '(TX)';
    this.prompt = `${p}> `;
  }

  private target(): ConnectTarget {
    return this.cfg.socket !== null ? { path: this.cfg.socket } : { host: this.cfg.host, port: this.cfg.port };
  }

  /** Run a command during connection setup (hiredis redisCommand()); null means I/O error. */
  private async setupCall(args: Buffer[]): Promise<Reply | null> {
    const conn = this.conn;
    if (conn === null) return null;
    try {
      return await conn.call(args);
    } catch (e) {
      if (e instanceof ConnectionError) this.connError = e;
      this.err('\nI/O error\n');
      return null;
    }
  }

  /** cliConnect(): returns false on failure (after printing the reason). */
  async connect(force: boolean, quiet: boolean): Promise<boolean> {
    if (this.conn !== null && !force) return true;
    if (this.conn !== null) {
      this.conn.close();
      this.conn = null;
      this.inMulti = false;
    }
    // A fresh connection always starts on db 0.
    this.dbnum = 0;
    this.refreshPrompt();
    this.connError = null;
    try {
      this.conn = await RespConnection.connect(this.target());
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (!quiet) {
        const where = this.cfg.socket !== null ? this.cfg.socket : `${this.cfg.host}:${this.cfg.port}`;
        this.err(`Could not connect to Redis at ${where}: ${msg}\n`);
      }
      this.conn = null;
      return false;
    }
    if (!(await this.auth())) return false;
    if (!(await this.select())) return false;
    if (!(await this.switchProto())) return false;
    return true;
  }

  /** cliAuth(). */
  private async auth(): Promise<boolean> {
    if (this.cfg.auth === null) return true;
    const args = this.cfg.user === null ? [b('AUTH'), this.cfg.auth] : [b('AUTH'), this.cfg.user, this.cfg.auth];
    const reply = await this.setupCall(args.map(cstr));
    if (reply === null) return false;
    if (reply.type === 'error') {
      this.err(`AUTH failed: ${cstr(reply.str).toString('latin1')}\n`);
      return false;
    }
    return true;
  }

  /** cliSelect(): select the requested database when it differs from the current one. */
  async select(): Promise<boolean> {
    if (this.cfg.dbnum === this.dbnum) return true;
    const reply = await this.setupCall([b('SELECT'), b(String(this.cfg.dbnum))]);
    if (reply === null) return false;
    if (reply.type === 'error') {
      this.err(`SELECT ${this.cfg.dbnum} failed: ${cstr(reply.str).toString('latin1')}\n`);
      return false;
    }
    this.dbnum = this.cfg.dbnum;
    this.refreshPrompt();
    return true;
  }

  /** cliSwitchProto(): HELLO 3 for -3 / --json. */
  private async switchProto(): Promise<boolean> {
    if (this.cfg.resp3 === 0 || this.cfg.resp2) return true;
    const reply = await this.setupCall([b('HELLO'), b('3')]);
    if (reply === null) return false;
    if (reply.type === 'error') {
      this.err(`HELLO 3 failed: ${cstr(reply.str).toString('latin1')}\n`);
      if (this.cfg.resp3 === 1) return false;
    }
    return true;
  }

  /** cliPrintContextError(). */
  private printContextError(): void {
    if (this.conn === null || this.connError === null) return;
    this.err(`Error: ${this.connError.message}\n`);
  }

  /** Drop the connection (redisFree(context); context = NULL). */
  dropConnection(): void {
    if (this.conn !== null) this.conn.close();
    this.conn = null;
    this.connError = null;
  }

  /** Called from the SIGINT handler while streaming MONITOR/SUBSCRIBE output. */
  abortBlocking(): void {
    this.blockingAborted = true;
    if (this.conn !== null) this.conn.close(new ConnectionError('io', 'Interrupted'));
  }

  /** Ctrl-C outside MONITOR/SUBSCRIBE: abort whatever is running and exit with status 1. */
  interruptExit(): void {
    this.interrupted = true;
    if (this.conn !== null) this.conn.close(new ConnectionError('io', 'Interrupted'));
    setTimeout(() => process.exit(1), 300).unref();
  }

  private async writeReply(reply: Reply, verbatim: boolean): Promise<void> {
    let data: Buffer;
    try {
      data = formatReply(reply, this.cfg.output, verbatim, this.cfg.mbDelim, this.cfg.cmdDelim);
    } catch (e) {
      if (e instanceof UnknownReplyTypeError) {
        this.err(`${e.message}\n`);
        throw new CliExit(1);
      }
      throw e;
    }
    await this.out.write(data);
  }

  /** cliPushHandler(): print RESP3 push messages that arrive while waiting for replies. */
  private async handlePush(reply: Reply): Promise<void> {
    if (!this.cfg.pushOutput) return;
    if (this.cfg.output === 'standard' && isInvalidateReply(reply)) {
      await this.out.write(formatInvalidateTTY(reply));
    } else {
      await this.writeReply(reply, false);
    }
  }

  /** cliReadReply(): read and print one reply. False means the connection was lost (REPL only). */
  private async readReply(outputRaw: boolean): Promise<boolean> {
    const conn = this.conn;
    if (conn === null) return false;
    let reply: Reply;
    for (;;) {
      try {
        reply = await conn.readReply();
      } catch (e) {
        if (!(e instanceof ConnectionError)) throw e;
        if (this.interrupted) throw new CliExit(1);
        this.connError = e;
        if (this.blockingAborted) {
          this.blockingAborted = false;
          this.monitorMode = false;
          this.pubsubMode = false;
          return this.connect(true, false);
        }
        if (this.shutdown) return true;
        if (this.interactive && ((e.kind === 'io' && e.code === 'ECONNRESET') || e.kind === 'eof')) return false;
        this.err(`Error: ${e.message}\n`);
        throw new CliExit(1);
      }
      if (reply.type === 'push' && !this.pubsubMode) {
        await this.handlePush(reply);
        continue;
      }
      break;
    }
    this.lastReplyType = reply.type;
    if (this.cfg.setErrcode && !this.interactive && reply.type === 'error') {
      this.err(`${cstr(reply.str).toString('latin1')}\n`);
      throw new CliExit(1);
    }
    await this.writeReply(reply, outputRaw);
    return true;
  }

  /** cliSendCommand(): send `argv` `repeat` times (negative: forever) and print replies. */
  private async sendCommand(argv: Buffer[], repeat: number): Promise<boolean> {
    const conn = this.conn;
    if (conn === null) return false;
    const lower = argv.map((a) => a.toString('latin1').toLowerCase());
    const command = lower[0];
    const argc = argv.length;
    const a1 = argc >= 2 ? lower[1] : '';
    const outputRaw =
      command === 'info' ||
      command === 'lolwut' ||
      (argc >= 2 && command === 'debug' && (a1 === 'htstats' || a1 === 'htstats-key' || a1 === 'client-eviction')) ||
      (argc >= 2 && command === 'memory' && (a1 === 'malloc-stats' || a1 === 'doctor')) ||
      (argc === 2 && command === 'cluster' && (a1 === 'nodes' || a1 === 'info')) ||
      (argc >= 2 && command === 'client' && (a1 === 'list' || a1 === 'info')) ||
      (argc === 3 && command === 'latency' && a1 === 'graph') ||
      (argc === 2 && command === 'latency' && a1 === 'doctor') ||
      (argc >= 2 && command === 'proxy' && a1 === 'info');

    if (command === 'shutdown') this.shutdown = true;
    if (command === 'monitor') this.monitorMode = true;
    if (command === 'subscribe' || command === 'psubscribe' || command === 'ssubscribe') this.pubsubMode = true;

    while (repeat < 0 || repeat-- > 0) {
      conn.send(argv);

      if (this.monitorMode) {
        do {
          if (!(await this.readReply(outputRaw))) {
            this.printContextError();
            throw new CliExit(1);
          }
          if (this.lastReplyType === 'error') this.monitorMode = false;
        } while (this.monitorMode);
        return true;
      }

      if (this.pubsubMode) {
        if (this.cfg.output !== 'raw') await this.out.write('Reading messages... (press Ctrl-C to quit)\n');
        while (this.pubsubMode) {
          if (!(await this.readReply(outputRaw))) {
            this.printContextError();
            throw new CliExit(1);
          }
          if (this.lastReplyType === 'error') this.pubsubMode = false;
        }
        continue;
      }

      if (!(await this.readReply(outputRaw))) return false;

      const ok = this.lastReplyType !== 'error';
      if (command === 'select' && argc === 2 && ok) {
        this.cfg.dbnum = this.dbnum = atoiBuf(argv[1]);
        this.refreshPrompt();
      } else if (command === 'auth' && (argc === 2 || argc === 3)) {
        await this.select();
      } else if (command === 'multi' && argc === 1 && ok) {
        this.inMulti = true;
        this.preMultiDbnum = this.dbnum;
        this.refreshPrompt();
      } else if (command === 'exec' && argc === 1 && this.inMulti) {
        this.inMulti = false;
        if (this.lastReplyType === 'error' || this.lastReplyType === 'nil') {
          this.cfg.dbnum = this.dbnum = this.preMultiDbnum;
        }
        this.refreshPrompt();
      } else if (command === 'discard' && argc === 1 && ok) {
        this.inMulti = false;
        this.cfg.dbnum = this.dbnum = this.preMultiDbnum;
        this.refreshPrompt();
      } else if (command === 'reset' && argc === 1 && ok) {
        this.inMulti = false;
        this.cfg.dbnum = this.dbnum = 0;
        this.refreshPrompt();
      }
      if (this.cfg.intervalUs > 0) await sleep(this.cfg.intervalUs / 1000);
      if (this.interrupted) throw new CliExit(1);
    }
    return true;
  }

  /** Fetch (once) the help table from COMMAND DOCS. */
  async loadHelp(): Promise<HelpEntry[]> {
    if (this.helpEntries !== null) return this.helpEntries;
    if (this.conn === null || this.connError !== null) return [];
    try {
      const reply = await this.conn.call([b('COMMAND'), b('DOCS')]);
      this.helpEntries = reply.type === 'error' ? [] : helpEntriesFromDocs(reply);
    } catch (e) {
      if (e instanceof ConnectionError) this.connError = e;
      this.helpEntries = [];
    }
    return this.helpEntries;
  }

  /** issueCommandRepeat(). Returns false on failure. */
  async issueCommandRepeat(argv: Buffer[], repeat: number): Promise<boolean> {
    const command = argv[0].toString('latin1').toLowerCase();
    if (command === 'help' || command === '?') {
      const entries = argv.length > 1 ? await this.loadHelp() : [];
      await this.out.write(
        helpText(
          argv.slice(1).map((a) => a.toString('utf8')),
          entries,
          cliVersion(),
        ),
      );
      return true;
    }
    if (this.conn === null || this.connError !== null) {
      if (!(await this.connect(true, false))) {
        this.printContextError();
        return false;
      }
    }
    if (!(await this.sendCommand(argv, repeat))) {
      this.printContextError();
      this.dropConnection();
      return false;
    }
    return true;
  }

  /** --scan mode: iterate SCAN and print every key. */
  async scanMode(): Promise<number> {
    if (!(await this.connect(false, false))) return 1;
    const conn = this.conn;
    if (conn === null) return 1;
    let cursor = b('0');
    do {
      const args = [b('SCAN'), cursor];
      if (this.cfg.pattern !== null) args.push(b('MATCH'), this.cfg.pattern);
      if (this.cfg.count !== null) args.push(b('COUNT'), b(String(this.cfg.count)));
      let reply: Reply;
      try {
        reply = await conn.call(args);
      } catch {
        this.err('\nI/O error\n');
        return 1;
      }
      if (reply.type === 'error') {
        this.err(`SCAN error: ${cstr(reply.str).toString('latin1')}\n`);
        return 1;
      }
      if (reply.type !== 'array') {
        this.err('Non ARRAY response from SCAN!\n');
        return 1;
      }
      if (reply.elements.length !== 2) {
        this.err('Invalid element count from SCAN!\n');
        return 1;
      }
      const [cur, keys] = reply.elements;
      if (cur.type !== 'string' || (keys.type !== 'array' && keys.type !== 'set')) {
        this.err('Invalid element types from SCAN!\n');
        return 1;
      }
      cursor = cur.str;
      const parts: Buffer[] = [];
      for (const k of keys.elements) {
        const key = k.type === 'string' || k.type === 'status' ? k.str : b('');
        if (this.cfg.output === 'standard') parts.push(b(repr(key) + '\n'));
        else parts.push(cstr(key), b('\n'));
      }
      await this.out.write(Buffer.concat(parts));
      if (this.cfg.intervalUs > 0) await sleep(this.cfg.intervalUs / 1000);
    } while (!isZeroCursor(cursor));
    return 0;
  }

  /** --eval mode: EVAL the script file with KEYS/ARGV split on ",". */
  async evalMode(args: readonly string[]): Promise<number> {
    const file = this.cfg.eval ?? '';
    let script: Buffer;
    try {
      script = fs.readFileSync(file);
    } catch (e) {
      this.err(`Can't open file '${file}': ${strerror(e)}\n`);
      return 1;
    }
    let gotComma = false;
    let keys = 0;
    const rest: Buffer[] = [];
    for (const a of args) {
      if (!gotComma && a === ',') {
        gotComma = true;
        continue;
      }
      rest.push(b(a));
      if (!gotComma) keys++;
    }
    const ok = await this.issueCommandRepeat([b('EVAL'), script, b(String(keys)), ...rest], this.cfg.repeat);
    return ok ? 0 : 1;
  }

  /** --pipe mode: stream raw protocol from stdin, then wait for every reply. */
  async pipeMode(input: AsyncIterable<Buffer | string>): Promise<number> {
    if (!(await this.connect(false, false))) return 1;
    const conn = this.conn;
    if (conn === null) return 1;
    let errors = 0;
    let replies = 0;
    const magic = crypto.randomBytes(10).toString('hex');
    // Send stdin through as-is, then an ECHO with a random marker: its reply
    // tells us every earlier reply has arrived (like redis-cli --pipe).
    for await (const chunk of input) {
      const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      await conn.sendRaw(data);
    }
    await conn.sendRaw(Buffer.from(encodeCommand(['ECHO', magic]), 'latin1'));
    await this.out.write('All data transferred. Waiting for the last reply...\n');
    const timeoutMs = this.cfg.pipeTimeout * 1000;
    for (;;) {
      let reply: Reply;
      let timer: NodeJS.Timeout | undefined;
      try {
        reply =
          timeoutMs > 0
            ? await Promise.race([
                conn.readReply(),
                new Promise<never>((_, reject) => {
                  timer = setTimeout(() => reject(new PipeTimeout()), timeoutMs);
                }),
              ])
            : await conn.readReply();
        clearTimeout(timer);
      } catch (e) {
        clearTimeout(timer);
        if (e instanceof PipeTimeout) {
          this.err(`No replies for ${this.cfg.pipeTimeout} seconds: exiting.\n`);
          errors++;
          break;
        }
        const msg = e instanceof Error ? e.message : String(e);
        this.err(`Error reading from the server: ${msg}\n`);
        return 1;
      }
      if (reply.type === 'error') {
        this.err(`${cstr(reply.str).toString('latin1')}\n`);
        errors++;
      } else if (reply.type === 'string' && reply.str.toString('latin1') === magic) {
        await this.out.write('Last reply received from server.\n');
        break;
      }
      replies++;
    }
    await this.out.write(`errors: ${errors}, replies: ${replies}\n`);
    return errors > 0 ? 1 : 0;
  }

  /** Close everything (end of the program). */
  close(): void {
    this.dropConnection();
  }
}

class PipeTimeout extends Error {}

/** strtoull(cursor) == 0. */
function isZeroCursor(cursor: Buffer): boolean {
  const m = /^[ \t\n\v\f\r]*\+?([0-9]+)/.exec(cursor.toString('latin1'));
  return m === null || BigInt(m[1]) === 0n;
}

/** atoi() on bytes. */
function atoiBuf(data: Buffer): number {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(data.toString('latin1'));
  return m === null ? 0 : parseInt(m[1], 10) | 0;
}
