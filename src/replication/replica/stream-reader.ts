/**
 * Awaitable reads on the master socket for the replica's handshake and RDB
 * transfer: the next reply line (Redis's connSyncReadLine) or the next chunk
 * of bytes. Data arriving while nobody waits is buffered. Every read takes
 * the attempt's AbortSignal and rejects with its reason as soon as it is
 * aborted; a read also fails (ReadError) once the socket closes.
 */
import type * as net from 'node:net';
import { strerror } from '../../util/strerror';

/** The master socket closed under a read: the text is what Redis's connGetLastError() would say. */
export class ReadError extends Error {}

/** Reads from a socket it owns until detach(). */
export class StreamReader {
  private chunks: Buffer[] = [];
  private len = 0;
  private failure: ReadError | null = null;
  private wake: (() => void) | null = null;
  private readonly onData = (d: Buffer): void => {
    this.chunks.push(d);
    this.len += d.length;
    this.onBytes?.(d.length);
    this.notify();
  };
  private readonly onClose = (): void => {
    if (this.failure === null) this.failure = new ReadError(this.lastError ?? 'connection lost');
    this.notify();
  };
  private readonly onError = (e: NodeJS.ErrnoException): void => {
    this.lastError = strerror(e);
  };
  private lastError: string | null = null;

  constructor(
    readonly socket: net.Socket,
    private readonly onBytes?: (n: number) => void,
  ) {
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    if (w) w();
  }

  /** Resolves when bytes arrive or the socket closes; rejects with the signal's reason on abort. */
  private waitData(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.wake = null;
        reject(signal.reason);
      };
      this.wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** One line without its "\r\n" ("" for a bare newline keepalive). */
  async readLine(signal: AbortSignal): Promise<string> {
    for (;;) {
      signal.throwIfAborted();
      const nl = this.indexOfNewline();
      if (nl >= 0) {
        const raw = this.take(nl + 1);
        let end = raw.length - 1;
        if (end > 0 && raw[end - 1] === 13) end--;
        return raw.toString('latin1', 0, end);
      }
      if (this.failure) throw this.failure;
      await this.waitData(signal);
    }
  }

  /** The next bytes available (everything buffered), waiting for data if none. */
  async readChunk(signal: AbortSignal): Promise<Buffer> {
    for (;;) {
      signal.throwIfAborted();
      if (this.len > 0) return this.take(this.len);
      if (this.failure) throw this.failure;
      await this.waitData(signal);
    }
  }

  /** Stop listening; returns the bytes received but not read. */
  detach(): Buffer {
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onClose);
    this.socket.off('error', this.onError);
    return this.len > 0 ? this.take(this.len) : Buffer.alloc(0);
  }

  private indexOfNewline(): number {
    let base = 0;
    for (const c of this.chunks) {
      const i = c.indexOf(10);
      if (i >= 0) return base + i;
      base += c.length;
    }
    return -1;
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    let out: Buffer;
    const first = this.chunks[0];
    if (first.length === n) {
      this.chunks.shift();
      out = first;
    } else if (first.length > n) {
      out = first.subarray(0, n);
      this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let p = 0;
      while (p < n) {
        const c = this.chunks[0];
        const k = Math.min(c.length, n - p);
        c.copy(out, p, 0, k);
        p += k;
        if (k === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      }
    }
    this.len -= n;
    return out;
  }
}

