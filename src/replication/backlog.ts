/**
 * The replication backlog: the last `repl-backlog-size` bytes of the
 * replication stream, addressed by absolute replication offsets, so a replica
 * that lost its link can ask for "everything from offset O" (PSYNC).
 *
 * Offsets follow Redis: the first byte ever fed after the backlog was created
 * has offset master_repl_offset + 1; `offset` is the offset of the oldest
 * byte still held (repl_backlog_first_byte_offset) and `histlen` how many
 * bytes are held (repl_backlog_histlen).
 *
 * Memory grows with the data (doubling) up to the configured size, then the
 * buffer is used as a ring: a 1gb backlog costs nothing until it fills.
 */

const INITIAL = 64 * 1024;

/** A ring buffer of replication stream bytes with absolute offsets. */
export class Backlog {
  private buf: Buffer;
  /** index in buf of the oldest byte */
  private head = 0;
  /** bytes held */
  private len = 0;
  /** offset of the last byte written (master_repl_offset as seen by the backlog) */
  private end: number;

  /**
   * @param size repl-backlog-size
   * @param lastOffset master_repl_offset now: the next byte fed gets lastOffset + 1
   */
  constructor(
    private size: number,
    lastOffset: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(Math.max(size, 1), INITIAL));
    this.end = lastOffset;
  }

  /** repl_backlog_first_byte_offset: offset of the oldest byte held (end + 1 when empty). */
  get offset(): number {
    return this.end - this.len + 1;
  }

  /** repl_backlog_histlen */
  get histlen(): number {
    return this.len;
  }

  /** Offset of the last byte fed. */
  get endOffset(): number {
    return this.end;
  }

  /** repl-backlog-size */
  get capacity(): number {
    return this.size;
  }

  /** Append stream bytes (a latin1 string or a Buffer). */
  append(data: string | Buffer): void {
    const n = typeof data === 'string' ? data.length : data.length;
    if (n === 0) return;
    this.end += n;
    if (n >= this.size) {
      // only the tail fits: keep the last `size` bytes
      this.ensureCapacity(this.size);
      const src = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
      src.copy(this.buf, 0, n - this.size, n);
      this.head = 0;
      this.len = this.size;
      return;
    }
    this.ensureCapacity(Math.min(this.size, this.len + n));
    const cap = this.buf.length;
    let tail = (this.head + this.len) % cap;
    let done = 0;
    while (done < n) {
      const room = Math.min(cap - tail, n - done);
      if (typeof data === 'string') this.buf.write(data.slice(done, done + room), tail, room, 'latin1');
      else data.copy(this.buf, tail, done, done + room);
      done += room;
      tail = (tail + room) % cap;
    }
    const over = this.len + n - cap;
    if (over > 0) {
      this.head = (this.head + over) % cap;
      this.len = cap;
    } else this.len += n;
  }

  /** Grow the buffer (keeping content in order) so it can hold `want` bytes, never beyond `size`. */
  private ensureCapacity(want: number): void {
    if (this.buf.length >= want) return;
    let cap = this.buf.length;
    while (cap < want) cap *= 2;
    cap = Math.min(cap, this.size);
    const nb = Buffer.allocUnsafe(cap);
    this.copyOut(nb, 0, 0, this.len);
    this.buf = nb;
    this.head = 0;
  }

  /** Copy `n` held bytes starting `skip` bytes after the oldest into dst at dstPos. */
  private copyOut(dst: Buffer, dstPos: number, skip: number, n: number): void {
    const cap = this.buf.length;
    let p = (this.head + skip) % cap;
    let left = n;
    while (left > 0) {
      const run = Math.min(cap - p, left);
      this.buf.copy(dst, dstPos, p, p + run);
      dstPos += run;
      left -= run;
      p = (p + run) % cap;
    }
  }

  /** Whether PSYNC from `offset` can be served (Redis: offset in [first byte, first byte + histlen]). */
  canServe(offset: number): boolean {
    return offset >= this.offset && offset <= this.offset + this.len;
  }

  /** A copy of the bytes from `offset` to the end (empty when offset is past the end). */
  readFrom(offset: number): Buffer {
    const skip = offset - this.offset;
    if (skip < 0 || skip >= this.len) return Buffer.alloc(0);
    const out = Buffer.allocUnsafe(this.len - skip);
    this.copyOut(out, 0, skip, out.length);
    return out;
  }

  /** Change repl-backlog-size, keeping the most recent bytes that still fit. */
  resize(newSize: number): void {
    if (newSize === this.size) return;
    const keep = Math.min(this.len, newSize);
    const nb = Buffer.allocUnsafe(Math.max(Math.min(newSize, Math.max(keep, INITIAL)), 1));
    this.copyOut(nb, 0, this.len - keep, keep);
    this.buf = nb;
    this.head = 0;
    this.len = keep;
    this.size = newSize;
  }

  /** Shift every offset by delta (a master restarted from its RDB continues its old offsets). */
  rebase(delta: number): void {
    this.end += delta;
  }
}
