/**
 * The Pub/Sub hub (Redis's pubsub.c): channel, pattern and shard-channel
 * subscriptions, and message delivery. Subscribers are kept in insertion
 * order, so each channel delivers to its clients in the order they
 * subscribed, channel subscribers before pattern subscribers, as Redis does.
 */
import type { Client } from './client';
import type { Server } from './server';
import { stringMatch } from '../util/glob';

/** The kinds of (un)subscription confirmations. */
export type SubscriptionKind = 'subscribe' | 'unsubscribe' | 'psubscribe' | 'punsubscribe' | 'ssubscribe' | 'sunsubscribe';

/** The server's Pub/Sub state. */
export class PubSub {
  /** channel -> subscribers (insertion order) */
  readonly channels = new Map<string, Set<Client>>();
  /** pattern -> subscribers */
  readonly patterns = new Map<string, Set<Client>>();
  /** shard channel -> subscribers */
  readonly shardChannels = new Map<string, Set<Client>>();

  constructor(private readonly server: Server) {}

  /** SUBSCRIBE one channel; false when the client already had it. */
  subscribe(c: Client, channel: string): boolean {
    return add(this.channels, c.channels, c, channel);
  }

  /** UNSUBSCRIBE one channel; false when the client did not have it. */
  unsubscribe(c: Client, channel: string): boolean {
    return remove(this.channels, c.channels, c, channel);
  }

  /** PSUBSCRIBE one pattern. */
  psubscribe(c: Client, pattern: string): boolean {
    return add(this.patterns, c.patterns, c, pattern);
  }

  /** PUNSUBSCRIBE one pattern. */
  punsubscribe(c: Client, pattern: string): boolean {
    return remove(this.patterns, c.patterns, c, pattern);
  }

  /** SSUBSCRIBE one shard channel. */
  ssubscribe(c: Client, channel: string): boolean {
    return add(this.shardChannels, c.shardChannels, c, channel);
  }

  /** SUNSUBSCRIBE one shard channel. */
  sunsubscribe(c: Client, channel: string): boolean {
    return remove(this.shardChannels, c.shardChannels, c, channel);
  }

  /**
   * PUBLISH / SPUBLISH / keyspace notifications: deliver to channel
   * subscribers, then (not for shard channels) to matching pattern
   * subscribers; returns the number of deliveries.
   */
  publish(channel: string, message: string, shard = false): number {
    let receivers = 0;
    const subs = (shard ? this.shardChannels : this.channels).get(channel);
    if (subs !== undefined && subs.size > 0) {
      const tail = '$' + channel.length + '\r\n' + channel + '\r\n$' + message.length + '\r\n' + message + '\r\n';
      const kind = shard ? '$8\r\nsmessage\r\n' : '$7\r\nmessage\r\n';
      const resp2 = '*3\r\n' + kind + tail;
      const resp3 = '>3\r\n' + kind + tail;
      for (const c of subs) {
        receivers++;
        this.deliver(c, c.reply.proto === 3 ? resp3 : resp2);
      }
    }
    if (!shard && this.patterns.size > 0) {
      const tail = '$' + channel.length + '\r\n' + channel + '\r\n$' + message.length + '\r\n' + message + '\r\n';
      for (const [pattern, clients] of this.patterns) {
        if (clients.size === 0 || !stringMatch(pattern, channel)) continue;
        const head = '$8\r\npmessage\r\n$' + pattern.length + '\r\n' + pattern + '\r\n';
        for (const c of clients) {
          receivers++;
          this.deliver(c, (c.reply.proto === 3 ? '>4\r\n' : '*4\r\n') + head + tail);
        }
      }
    }
    return receivers;
  }

  /** Write a message to a subscriber (Connections.push: the running client's goes out with its reply). */
  private deliver(c: Client, bytes: string): void {
    this.server.connections.push(c, bytes);
  }

  /** Drop every subscription of a client silently (disconnect, RESET). */
  unsubscribeAll(c: Client): void {
    for (const ch of [...c.channels]) this.unsubscribe(c, ch);
    for (const p of [...c.patterns]) this.punsubscribe(c, p);
    for (const ch of [...c.shardChannels]) this.sunsubscribe(c, ch);
  }

  /** Number of channels with subscribers (INFO pubsub_channels). */
  channelCount(): number {
    return this.channels.size;
  }

  /** Number of patterns with subscribers (INFO pubsub_patterns, PUBSUB NUMPAT). */
  patternCount(): number {
    return this.patterns.size;
  }

  /** Number of shard channels with subscribers (INFO pubsubshard_channels). */
  shardChannelCount(): number {
    return this.shardChannels.size;
  }
}

function add(index: Map<string, Set<Client>>, own: Set<string>, c: Client, name: string): boolean {
  if (own.has(name)) return false;
  own.add(name);
  let set = index.get(name);
  if (set === undefined) index.set(name, (set = new Set()));
  set.add(c);
  return true;
}

function remove(index: Map<string, Set<Client>>, own: Set<string>, c: Client, name: string): boolean {
  if (!own.delete(name)) return false;
  const set = index.get(name);
  if (set !== undefined) {
    set.delete(c);
    if (set.size === 0) index.delete(name);
  }
  return true;
}
