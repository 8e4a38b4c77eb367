/**
 * A minimal RESP client connection (TCP or unix socket) for tredis-cli,
 * built on node:net only. Errors carry hiredis-compatible messages so that
 * the CLI can print exactly what redis-cli prints.
 */
import * as net from 'node:net';
import { ProtocolError } from '../protocol/parser';
import { RespParser, type Reply } from '../protocol/reply-parser';
import { encodeCommand } from '../protocol/reply';
import { strerror } from '../util/strerror';

/** Where to connect: a TCP host/port or a unix socket path. */
export type ConnectTarget = { host: string; port: number } | { path: string };

/** Kind of connection failure, mirroring hiredis' REDIS_ERR_* codes. */
export type ConnectionErrorKind = 'io' | 'eof' | 'protocol' | 'other';

/** A connection-level failure with a hiredis-style `errstr` as its message. */
export class ConnectionError extends Error {
  /** Failure class (hiredis REDIS_ERR_IO / REDIS_ERR_EOF / REDIS_ERR_PROTOCOL). */
  readonly kind: ConnectionErrorKind;
  /** Node error code (ECONNRESET...) when known. */
  readonly code: string | undefined;

  constructor(kind: ConnectionErrorKind, message: string, code?: string) {
    super(message);
    this.kind = kind;
    this.code = code;
  }
}

interface Waiter {
  resolve: (reply: Reply) => void;
  reject: (err: ConnectionError) => void;
}

/** One RESP connection with a FIFO of replies. */
export class RespConnection {
  private readonly socket: net.Socket;
  private readonly parser = new RespParser();
  private readonly replies: Reply[] = [];
  private readonly waiters: Waiter[] = [];
  private failure: ConnectionError | null = null;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 15000);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.fail(new ConnectionError('eof', 'Server closed the connection')));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const kind: ConnectionErrorKind = 'io';
      this.fail(new ConnectionError(kind, strerror(err), err.code));
    });
    socket.on('close', () => this.fail(new ConnectionError('eof', 'Server closed the connection')));
  }

  /** Open a connection; rejects with a {@link ConnectionError} carrying hiredis' errstr. */
  static connect(target: ConnectTarget): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket =
        'path' in target ? net.createConnection({ path: target.path }) : net.createConnection({ host: target.host, port: target.port });
      const onError = (err: NodeJS.ErrnoException): void => {
        socket.destroy();
        reject(new ConnectionError('io', strerror(err), err.code));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.removeListener('error', onError);
        resolve(new RespConnection(socket));
      });
    });
  }

  /** True once the connection failed or was closed. */
  get closed(): boolean {
    return this.failure !== null;
  }

  /** The failure that closed the connection, if any. */
  get error(): ConnectionError | null {
    return this.failure;
  }

  /** Queue a command for sending (silently dropped when the connection is gone). */
  send(args: readonly Buffer[]): void {
    if (this.failure !== null) return;
    this.socket.write(encodeCommand(args.map((a) => a.toString('latin1'))), 'latin1');
  }

  /** Write raw bytes (for --pipe); resolves when the socket can take more. */
  sendRaw(data: Buffer): Promise<void> {
    if (this.failure !== null) return Promise.resolve();
    if (this.socket.write(data)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.removeListener('drain', done);
        this.socket.removeListener('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  /** Resolve with the next reply (push messages included), or reject on connection failure. */
  readReply(): Promise<Reply> {
    const queued = this.replies.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Send one command and wait for its reply. */
  async call(args: readonly Buffer[]): Promise<Reply> {
    this.send(args);
    return this.readReply();
  }

  /** Close the socket immediately; pending reads fail with the given error. */
  close(reason?: ConnectionError): void {
    this.fail(reason ?? new ConnectionError('other', 'Connection closed'));
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.failure !== null) return;
    this.parser.feed(chunk);
    for (;;) {
      let reply: Reply | undefined;
      try {
        reply = this.parser.next();
      } catch (e) {
        const message = e instanceof ProtocolError ? e.message : String(e);
        this.fail(new ConnectionError('protocol', message));
        this.socket.destroy();
        return;
      }
      if (reply === undefined) return;
      const waiter = this.waiters.shift();
      if (waiter !== undefined) waiter.resolve(reply);
      else this.replies.push(reply);
    }
  }

  private fail(err: ConnectionError): void {
    if (this.failure !== null) return;
    this.failure = err;
    const waiters = this.waiters.splice(0);
    for (const w of waiters) w.reject(err);
  }
}
