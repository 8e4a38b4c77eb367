/**
 * Awaitable reads on a socket for the replica's handshake and RDB transfer:
 * read a reply line (with a timeout, like Redis's connSyncReadLine), or the
 * next chunk of bytes. Data arriving while nobody waits is buffered. Any
 * pending or later read fails once the socket closes or abort() is called.
 */
import type * as net from 'node:net';
import { strerror } from '../util/strerror';

/** Why a read failed. */
export class ReadError extends Error {
  constructor(
    message: string,
    readonly kind: 'closed' | 'timeout' | 'aborted',
  ) {
    super(message);
  }
}

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
  private readonly onClose = (): void => this.fail(new ReadError(this.lastError ?? 'connection lost', 'closed'));
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

  /** Bytes buffered and not read yet. */
  get buffered(): number {
    return this.len;
  }

  /** Fail pending and future reads (timeouts, SLAVEOF while syncing). */
  abort(err: ReadError): void {
    this.fail(err);
  }

  private fail(err: ReadError): void {
    if (this.failure === null) this.failure = err;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    if (w) w();
  }

  private waitData(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      this.wake = () => {
        if (timer) clearTimeout(timer);
        if (this.failure) reject(this.failure);
        else resolve();
      };
      if (this.failure) {
        this.wake();
        return;
      }
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          this.wake = null;
          reject(new ReadError('Resource temporarily unavailable', 'timeout'));
        }, timeoutMs);
      }
    });
  }

  /** One line without its "\r\n" ("" for a bare newline keepalive). Rejects on timeout/close. */
  async readLine(timeoutMs: number): Promise<string> {
    for (;;) {
      const nl = this.indexOfNewline();
      if (nl >= 0) {
        const raw = this.take(nl + 1);
        let end = raw.length - 1;
        if (end > 0 && raw[end - 1] === 13) end--;
        return raw.toString('latin1', 0, end);
      }
      if (this.failure) throw this.failure;
      await this.waitData(timeoutMs);
    }
  }

  /** The next bytes available (everything buffered), waiting for data if none. */
  async readChunk(): Promise<Buffer> {
    for (;;) {
      if (this.len > 0) return this.take(this.len);
      if (this.failure) throw this.failure;
      await this.waitData(0);
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

