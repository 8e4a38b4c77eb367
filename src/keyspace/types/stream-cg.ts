/** Consumer groups of a stream: pending entries (NACKs, the PEL), consumers and groups (streamCG). */
import { type StreamID } from './stream-id';

/** A pending entry (streamNACK). */
export class StreamNack {
  constructor(
    public readonly id: StreamID,
    /** idKey(id): byte order is id order */
    public readonly key: string,
    public deliveryTime: number,
    public deliveryCount: number,
    public consumer: StreamConsumer | null,
  ) {}
}

/** A PEL: nacks sorted by id key, with binary search. */
export class Pel {
  items: StreamNack[] = [];

  get size(): number {
    return this.items.length;
  }

  /** index of the first item with key >= k */
  lowerBound(k: string): number {
    const a = this.items;
    let lo = 0;
    let hi = a.length;
    // fast path: appends
    if (hi > 0 && a[hi - 1].key < k) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid].key < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(k: string): StreamNack | undefined {
    const i = this.lowerBound(k);
    const n = this.items[i];
    return n !== undefined && n.key === k ? n : undefined;
  }

  /** insert unless present; returns false when the key exists */
  insert(n: StreamNack): boolean {
    const i = this.lowerBound(n.key);
    const cur = this.items[i];
    if (cur !== undefined && cur.key === n.key) return false;
    if (i === this.items.length) this.items.push(n);
    else this.items.splice(i, 0, n);
    return true;
  }

  remove(k: string): StreamNack | undefined {
    const i = this.lowerBound(k);
    const cur = this.items[i];
    if (cur === undefined || cur.key !== k) return undefined;
    this.items.splice(i, 1);
    return cur;
  }
}

/** A consumer of a group. */
export class StreamConsumer {
  readonly pel = new Pel();
  constructor(
    public readonly name: string,
    public seenTime: number,
  ) {}
}

/** A consumer group (streamCG). */
export class StreamCG {
  readonly pel = new Pel();
  readonly consumers = new Map<string, StreamConsumer>();
  constructor(
    public lastId: StreamID,
    /** -1 = invalid (SCG_INVALID_ENTRIES_READ) */
    public entriesRead: number,
  ) {}

  /** consumers in name (byte) order, as Redis's rax iterates them */
  sortedConsumers(): StreamConsumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
