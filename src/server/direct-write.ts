/**
 * Replies written on a client socket's libuv handle directly
 * (`handle.writeLatin1String`, what net.Socket's Writable ends up calling),
 * without the Writable stream around it: per write that stream costs a
 * chain of JS calls (write, writeOrBuffer, _write, writeGeneric, the
 * after-write bookkeeping), about 0.05 us of CPU per request with
 * redis-benchmark -P 16 and more unpipelined (docs/benchmarks.md).
 *
 * Order is kept: a direct write is made only while the Writable holds
 * nothing (writableLength 0), and libuv queues every write of a handle, ours
 * and the Writable's, in the order they were made. A write the kernel does
 * not take at once stays queued in libuv (its bytes copied there); it is
 * counted in `queued` (the client's omem) until libuv reports it done.
 *
 * Relies on two long-standing Node internals, as the shared read buffer
 * (connection.ts) does: the handle's writeLatin1String/writeQueueSize and the
 * WriteWrap request class (process.binding('stream_wrap')). When either is
 * missing, `DirectWriter.for` gives null and replies go through socket.write.
 */
import type * as net from 'node:net';

/** The part of a libuv stream handle (TCPWrap, PipeWrap) used here. */
interface LibuvStream {
  writeLatin1String(req: WriteReq, s: string): number;
  readonly writeQueueSize: number;
}

/** A write request, as net.Socket's createWriteWrap fills it. */
interface WriteReq {
  handle: LibuvStream | null;
  oncomplete: (this: WriteReq, status: number) => void;
  async: boolean;
  bytes: number;
  buffer: null;
  /** the writer whose write this request carries while libuv holds it (null: free) */
  owner: DirectWriter | null;
}

const WriteWrap = loadWriteWrap();

function loadWriteWrap(): (new () => WriteReq) | null {
  try {
    const binding = (process as unknown as { binding(name: string): { WriteWrap?: new () => WriteReq } }).binding('stream_wrap');
    return typeof binding.WriteWrap === 'function' ? binding.WriteWrap : null;
  } catch {
    return null;
  }
}

/** A request the last write completed synchronously with (libuv does not hold it): reused by the next write. */
let spare: WriteReq | null = null;

/** A request libuv does not hold (any more): kept for the next write. */
function release(req: WriteReq): void {
  req.owner = null;
  req.handle = null;
  spare = req;
}

/** libuv finished a write it had queued (the request's receiver is the request). */
function onComplete(this: WriteReq, status: number): void {
  const w = this.owner;
  this.owner = null;
  this.handle = null;
  if (w === null) return;
  w.pending--;
  if (status < 0) w.onError();
  else if (w.pending === 0) w.onDrained();
}

/** Direct writes on one socket. */
export class DirectWriter {
  /** writes libuv still holds (the kernel did not take them at once) */
  pending = 0;

  private constructor(
    private readonly socket: net.Socket,
    private readonly handle: LibuvStream,
    /** a write failed: the connection is closed (as net.Socket destroys itself on a write error) */
    readonly onError: () => void,
    /** every held write is done (what the socket's 'drain' means for Writable writes) */
    readonly onDrained: () => void,
  ) {}

  /** A writer for a plain TCP or unix socket, null when the internals it needs are missing. */
  static for(socket: net.Socket, onError: () => void, onDrained: () => void): DirectWriter | null {
    const handle = (socket as unknown as { _handle: Partial<LibuvStream> | null })._handle;
    if (WriteWrap === null || handle === null || typeof handle.writeLatin1String !== 'function' || typeof handle.writeQueueSize !== 'number') return null;
    return new DirectWriter(socket, handle as LibuvStream, onError, onDrained);
  }

  /** Bytes written directly that the kernel has not taken yet (0 when no write is held). */
  get queued(): number {
    return this.pending > 0 ? this.handle.writeQueueSize : 0;
  }

  /**
   * Write s (latin1) now; false when the socket is not in a state for it
   * (something waits in its Writable, it is ending or gone): use socket.write.
   */
  write(s: string): boolean {
    const socket = this.socket;
    if (socket.writableLength !== 0 || socket.writableEnded || (socket as unknown as { _handle: unknown })._handle !== this.handle) return false;
    const req = spare ?? new WriteWrap!();
    spare = null;
    req.handle = this.handle;
    req.owner = this;
    req.oncomplete = onComplete;
    req.async = false;
    req.bytes = 0;
    req.buffer = null;
    const err = this.handle.writeLatin1String(req, s);
    if (err !== 0) {
      // failed at once: libuv holds nothing
      release(req);
      this.onError();
      return true;
    }
    // a queue left behind holds this write (partly written, or behind an earlier held one) until onComplete
    if (this.handle.writeQueueSize > 0) this.pending++;
    else release(req);
    return true;
  }
}
