/**
 * Small I/O helpers for tredis-cli: a back-pressure aware writer, a byte line
 * reader for piped stdin, and the CliExit control-flow exception.
 */
import { once } from 'node:events';

/** Thrown to stop the CLI with an exit code (redis-cli's exit()). */
export class CliExit extends Error {
  /** Process exit code. */
  readonly code: number;

  constructor(code: number) {
    super(`exit ${code}`);
    this.code = code;
  }
}

/** Writes to a stream, waiting for 'drain' when the stream is saturated. */
export class Output {
  private readonly stream: NodeJS.WritableStream;

  constructor(stream: NodeJS.WritableStream) {
    this.stream = stream;
  }

  /** Write bytes or a (latin1-free) string; resolves once it is safe to write more. */
  async write(data: Buffer | string): Promise<void> {
    if (data.length === 0) return;
    if (!this.stream.write(data)) await once(this.stream, 'drain');
  }
}

/** Reads a readable stream as raw byte lines split on '\n' (the '\n' is dropped). */
export class LineReader {
  private readonly iterator: AsyncIterator<Buffer | string>;
  /** Unconsumed input, as a list of chunks (joined lazily to avoid quadratic copying). */
  private chunks: Buffer[] = [];
  private eof = false;

  constructor(stream: NodeJS.ReadableStream) {
    this.iterator = (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  }

  private async fill(): Promise<Buffer | null> {
    if (this.eof) return null;
    const res = await this.iterator.next();
    if (res.done === true) {
      this.eof = true;
      return null;
    }
    const chunk = typeof res.value === 'string' ? Buffer.from(res.value, 'utf8') : res.value;
    this.chunks.push(chunk);
    return chunk;
  }

  private take(): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [];
    return all;
  }

  /** Next line without its '\n', or null at end of input (like linenoise's no-TTY mode). */
  async readLine(): Promise<Buffer | null> {
    // Only the newest chunk can contain the first newline: older ones were searched.
    let searched = 0;
    for (;;) {
      for (let i = searched; i < this.chunks.length; i++) {
        const nl = this.chunks[i].indexOf(0x0a);
        if (nl < 0) continue;
        const head = this.chunks.slice(0, i);
        const last = this.chunks[i];
        head.push(last.subarray(0, nl));
        const rest = last.subarray(nl + 1);
        this.chunks = rest.length > 0 ? [rest, ...this.chunks.slice(i + 1)] : this.chunks.slice(i + 1);
        return head.length === 1 ? head[0] : Buffer.concat(head);
      }
      searched = this.chunks.length;
      if ((await this.fill()) === null) {
        if (this.chunks.length === 0) return null;
        return this.take();
      }
    }
  }

  /** Everything left until end of input. */
  async readAll(): Promise<Buffer> {
    while ((await this.fill()) !== null) {
      // keep reading
    }
    return this.chunks.length === 0 ? Buffer.alloc(0) : this.take();
  }

  /** Stop reading (releases the underlying stream). */
  async close(): Promise<void> {
    if (this.iterator.return !== undefined) await this.iterator.return();
  }
}

/** Promise-based sleep. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
