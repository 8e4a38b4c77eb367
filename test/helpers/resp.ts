/**
 * A small RESP2/RESP3 client for tests: sends argv (or raw bytes), reads typed
 * replies, and can return the exact reply bytes for byte-for-byte comparisons.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';

/** A parsed reply. Errors are ReplyError values (not thrown). */
export type Reply = string | number | bigint | null | boolean | ReplyError | Reply[] | Map<Reply, Reply> | Set<Reply> | PushReply;

/** An error reply (-ERR ...). */
export class ReplyError {
  constructor(public readonly message: string) {}
  toString(): string {
    return this.message;
  }
}

/** A RESP3 push (>) message. */
export class PushReply {
  constructor(public readonly items: Reply[]) {}
}

/** Parse one reply from buf at pos; returns [reply, nextPos] or null if incomplete. */
export function parseReply(buf: Buffer, pos: number): [Reply, number] | null {
  if (pos >= buf.length) return null;
  const nl = buf.indexOf('\r\n', pos);
  if (nl < 0) return null;
  const t = String.fromCharCode(buf[pos]);
  const line = buf.toString('latin1', pos + 1, nl);
  const next = nl + 2;
  switch (t) {
    case '+':
      return [line, next];
    case '-':
      return [new ReplyError(line), next];
    case ':':
      return [Number.isSafeInteger(Number(line)) ? Number(line) : BigInt(line), next];
    case '(':
      return [BigInt(line), next];
    case ',':
      return [line === 'inf' ? Infinity : line === '-inf' ? -Infinity : Number(line), next];
    case '#':
      return [line === 't', next];
    case '_':
      return [null, next];
    case '$':
    case '=':
    case '!': {
      const len = Number(line);
      if (len < 0) return [null, next];
      if (buf.length < next + len + 2) return null;
      const s = buf.toString('latin1', next, next + len);
      if (t === '!') return [new ReplyError(s), next + len + 2];
      return [t === '=' ? s.slice(4) : s, next + len + 2];
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      const n = Number(line);
      if (n < 0) return [null, next];
      const count = t === '%' ? n * 2 : n;
      const items: Reply[] = [];
      let p = next;
      for (let i = 0; i < count; i++) {
        const r = parseReply(buf, p);
        if (r === null) return null;
        items.push(r[0]);
        p = r[1];
      }
      if (t === '%') {
        const m = new Map<Reply, Reply>();
        for (let i = 0; i < items.length; i += 2) m.set(items[i], items[i + 1]);
        return [m, p];
      }
      if (t === '~') return [new Set(items), p];
      if (t === '>') return [new PushReply(items), p];
      return [items, p];
    }
    default:
      throw new Error(`bad reply type ${JSON.stringify(t)} in ${JSON.stringify(buf.toString('latin1', pos, Math.min(buf.length, pos + 50)))}`);
  }
}

/** Encode argv as RESP. */
export function encode(argv: Array<string | number | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'latin1');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** A connection to a server. */
export class TestClient {
  private buf: Buffer = Buffer.alloc(0);
  private waiters: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void; raw: boolean; start: number }> = [];
  readonly pushes: Reply[] = [];
  closed = false;
  private closeWaiters: Array<() => void> = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => this.onData(d));
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w.reject(new Error('connection closed'));
      for (const f of this.closeWaiters.splice(0)) f();
    });
    socket.on('error', () => {});
  }

  /** Connect to host:port. */
  static connect(port: number, host = '127.0.0.1'): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection({ port, host }, () => resolve(new TestClient(s)));
      s.once('error', reject);
    });
  }

  /** Connect over TLS (options as tls.connect takes them: ca, cert, key...). */
  static connectTls(port: number, opts: tls.ConnectionOptions = {}, host = '127.0.0.1'): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ port, host, ...opts }, () => resolve(new TestClient(s)));
      s.once('error', reject);
    });
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    for (;;) {
      const r = parseReply(this.buf, 0);
      if (r === null) return;
      const bytes = this.buf.subarray(0, r[1]);
      this.buf = this.buf.subarray(r[1]);
      if (r[0] instanceof PushReply && this.waiters.length === 0) {
        this.pushes.push(r[0]);
        continue;
      }
      const w = this.waiters.shift();
      if (w) w.resolve(w.raw ? bytes.toString('latin1') : r[0]);
      else this.pushes.push(r[0]);
    }
  }

  /** Send a command and await its parsed reply. */
  call(...argv: Array<string | number | Buffer>): Promise<Reply> {
    return this.send(encode(argv), false);
  }

  /** Send a command and await its reply's exact bytes (latin1). */
  callRaw(...argv: Array<string | number | Buffer>): Promise<string> {
    return this.send(encode(argv), true) as Promise<string>;
  }

  /** Write raw bytes and await one reply. */
  send(bytes: Buffer | string, raw = false): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject, raw, start: 0 });
      this.socket.write(bytes);
    });
  }

  /** Write raw bytes without waiting. */
  write(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  /** Await the next unsolicited reply (pub/sub, MONITOR), with a timeout (generous: a loaded machine delivers late, the wait ends as soon as it arrives). */
  async nextPush(timeoutMs = 10000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    while (this.pushes.length === 0) {
      if (Date.now() > deadline || this.closed) throw new Error('no push message');
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.pushes.shift()!;
  }

  /** Read n replies for pipelined writes. */
  readReplies(n: number, raw = false): Promise<Reply[]> {
    const ps: Promise<Reply>[] = [];
    for (let i = 0; i < n; i++) ps.push(new Promise((resolve, reject) => this.waiters.push({ resolve, reject, raw, start: 0 })));
    return Promise.all(ps);
  }

  /** Wait for the server to close the connection (false after timeoutMs; generous, it ends at the close). */
  waitClose(timeoutMs = 10000): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.closeWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  /** Close the connection. */
  close(): void {
    this.socket.destroy();
  }
}
