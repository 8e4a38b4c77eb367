/**
 * tredis-cli entry point: a redis-cli 7.0 compatible command line client.
 *
 * Usage: tredis-cli [OPTIONS] [cmd [arg [arg ...]]]  (see `tredis-cli --help`).
 */
import { CliSession } from './cli-session';
import { CliExit, LineReader, Output } from './io';
import { latencyMode, bigKeysMode, statMode } from './modes';
import { parseOptions, unquote, type CliConfig } from './options';
import { runRepl } from './repl';

function writeStderr(text: string): void {
  process.stderr.write(text);
}

/** Wait until everything queued on a stream has been handed to the OS. */
function flush(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    stream.write('', () => resolve());
  });
}

/** askPassword(): read a password from the terminal, echoing '*'. */
async function askPassword(prompt: string): Promise<Buffer> {
  const stdin = process.stdin;
  process.stdout.write(prompt);
  if (stdin.isTTY !== true) {
    const reader = new LineReader(stdin);
    const line = await reader.readLine();
    await reader.close();
    return line ?? Buffer.alloc(0);
  }
  stdin.setRawMode(true);
  stdin.resume();
  const bytes: number[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        for (const c of chunk) {
          if (c === 0x0d || c === 0x0a) {
            stdin.removeListener('data', onData);
            resolve();
            return;
          }
          if (c === 0x03) {
            stdin.removeListener('data', onData);
            reject(new CliExit(1));
            return;
          }
          if (c === 0x7f || c === 0x08) {
            if (bytes.length > 0) {
              bytes.pop();
              process.stdout.write('\b \b');
            }
            continue;
          }
          bytes.push(c);
          process.stdout.write('*');
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stdout.write('\n');
  }
  return Buffer.from(bytes);
}

/** noninteractive(): run the command given on the command line. */
async function noninteractive(session: CliSession, cfg: CliConfig): Promise<number> {
  let args: Buffer[];
  if (cfg.quotedInput) {
    const parsed = cfg.args.map(unquote);
    if (parsed.some((a) => a === null)) {
      process.stdout.write('Invalid quoted string\n');
      return 1;
    }
    args = parsed.filter((a): a is Buffer => a !== null);
  } else {
    args = cfg.args.map((a) => Buffer.from(a, 'utf8'));
  }
  if (cfg.stdinLastArg) {
    const reader = new LineReader(process.stdin);
    args.push(await reader.readAll());
    await reader.close();
  } else if (cfg.stdinTagName !== null) {
    const tag = cfg.stdinTagName;
    const idx = args.findIndex((a) => a.equals(tag));
    if (idx < 0) {
      writeStderr('Using -X option but stdin tag not match.\n');
      return 1;
    }
    const reader = new LineReader(process.stdin);
    args[idx] = await reader.readAll();
    await reader.close();
  }
  const ok = await session.issueCommandRepeat(args, cfg.repeat);
  return ok ? 0 : 1;
}

/**
 * Run tredis-cli with the given arguments (without the node/script prefix)
 * and resolve with the process exit code.
 */
export async function main(argv: string[]): Promise<number> {
  const parsed = parseOptions(argv, { stdoutIsTTY: process.stdout.isTTY === true }, process.env);
  if (parsed.kind === 'exit') {
    if (parsed.stdout !== undefined) process.stdout.write(parsed.stdout);
    if (parsed.stderr !== undefined) writeStderr(parsed.stderr);
    return parsed.code;
  }
  for (const w of parsed.warnings) writeStderr(w);
  const cfg = parsed.config;
  const out = new Output(process.stdout);
  const session = new CliSession(cfg, { stdout: out, stderr: writeStderr });
  try {
    if (cfg.askpass) cfg.auth = await askPassword('Please input password: ');
    // redis-cli's order: latency, pipe, bigkeys, memkeys, stat, scan
    if (cfg.latencyMode || cfg.bigkeys || cfg.memkeys || cfg.statMode) {
      if (!cfg.pipeMode || cfg.latencyMode) {
        if (!(await session.connect(false, false))) return 1;
        const ctx = session.modeContext()!;
        if (cfg.latencyMode) return await latencyMode(ctx, cfg.latencyHistory);
        if (cfg.bigkeys) return await bigKeysMode(ctx, false, 0);
        if (cfg.memkeys) return await bigKeysMode(ctx, true, cfg.memkeysSamples);
        return await statMode(ctx);
      }
    }
    if (cfg.pipeMode) {
      return await session.pipeMode(process.stdin as AsyncIterable<Buffer | string>);
    }
    if (cfg.scanMode) return await session.scanMode();
    if (cfg.args.length === 0 && cfg.eval === null) {
      // Like redis-cli, a failed first connection is not fatal in the REPL.
      await session.connect(false, false);
      return await runRepl(session, out, process.env);
    }
    if (cfg.eval !== null) {
      if (!(await session.connect(false, false))) return 1;
      return await session.evalMode(cfg.args);
    }
    await session.connect(false, true);
    return await noninteractive(session, cfg);
  } catch (e) {
    if (e instanceof CliExit) return e.code;
    throw e;
  } finally {
    session.close();
    await flush(process.stdout);
  }
}

/** Launcher entry: run main() on process.argv and set process.exitCode. */
export function run(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    // Like redis-cli killed by SIGPIPE (status 128+13): stop quietly when the reader went away.
    if (err.code === 'EPIPE') process.exit(141);
    throw err;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      writeStderr(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
