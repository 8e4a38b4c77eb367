/**
 * Pub/Sub commands: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE,
 * PUBLISH, SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH, PUBSUB. The hub itself lives
 * in src/server/pubsub.ts; RESP2 clients enter subscribed mode (the executor
 * restricts their commands), RESP3 clients get push messages and keep
 * running any command.
 */
import { cmd, type CommandSpec } from './spec';
import { RedisError, cstr } from '../protocol/errors';
import type { SubscriptionKind } from '../server/pubsub';
import { stringMatch } from '../util/glob';
import type { Client } from '../server/client';

/** `*3 / >3 kind name count`, the confirmation of each (un)subscription. */
function confirm(c: Client, kind: SubscriptionKind, name: string | null, count: number): void {
  const r = c.reply;
  // a push: written even when CLIENT REPLY OFF/SKIP muted the replies
  r.asPush(() => {
    r.pushLen(3);
    r.bulk(kind);
    if (name === null) r.nullBulk();
    else r.bulk(name);
    r.int(count);
  });
}

/** Channels + patterns: the count SUBSCRIBE/UNSUBSCRIBE/PSUBSCRIBE/PUNSUBSCRIBE report. */
function subscriptionCount(c: Client): number {
  return c.channels.size + c.patterns.size;
}

/** PUBSUB subcommand with a wrong number of arguments (addReplySubcommandSyntaxError). */
function subcommandSyntaxError(argv: string[]): RedisError {
  return new RedisError(`ERR unknown subcommand or wrong number of arguments for '${cstr(argv[1]).slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`);
}

const PUBSUB_HELP = [
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

/** PUBSUB CHANNELS / SHARDCHANNELS [pattern] */
function listChannels(c: Client, argv: string[], index: Map<string, Set<Client>>): void {
  if (argv.length > 3) throw subcommandSyntaxError(argv);
  const pat = argv.length === 3 ? argv[2] : null;
  const out: string[] = [];
  for (const [name, subs] of index) {
    if (subs.size > 0 && (pat === null || stringMatch(pat, name))) out.push(name);
  }
  c.reply.bulks(out);
}

/** PUBSUB NUMSUB / SHARDNUMSUB [channel ...]: flat name, count pairs (RESP3 too, as Redis 7.0). */
function numSub(c: Client, argv: string[], index: Map<string, Set<Client>>): void {
  const r = c.reply;
  r.arrayLen((argv.length - 2) * 2);
  for (let i = 2; i < argv.length; i++) {
    r.bulk(argv[i]);
    r.int(index.get(argv[i])?.size ?? 0);
  }
}

/** Pub/Sub command specs. */
export const pubsubCommands: CommandSpec[] = [
  /** Format: SUBSCRIBE channel [channel ...] */
  cmd('subscribe', -2, 'pubsub noscript loading stale', 0, 0, 0, (c, argv) => {
    const hub = c.server.pubsub;
    for (let i = 1; i < argv.length; i++) {
      hub.subscribe(c, argv[i]);
      confirm(c, 'subscribe', argv[i], subscriptionCount(c));
    }
  }),
  /** Format: UNSUBSCRIBE [channel [channel ...]] */
  cmd('unsubscribe', -1, 'pubsub noscript loading stale', 0, 0, 0, (c, argv) => {
    const hub = c.server.pubsub;
    if (argv.length === 1) {
      const all = [...c.channels];
      for (const ch of all) {
        hub.unsubscribe(c, ch);
        confirm(c, 'unsubscribe', ch, subscriptionCount(c));
      }
      if (all.length === 0) confirm(c, 'unsubscribe', null, subscriptionCount(c));
      return;
    }
    for (let i = 1; i < argv.length; i++) {
      hub.unsubscribe(c, argv[i]);
      confirm(c, 'unsubscribe', argv[i], subscriptionCount(c));
    }
  }),
  /** Format: PSUBSCRIBE pattern [pattern ...] */
  cmd('psubscribe', -2, 'pubsub noscript loading stale', 0, 0, 0, (c, argv) => {
    const hub = c.server.pubsub;
    for (let i = 1; i < argv.length; i++) {
      hub.psubscribe(c, argv[i]);
      confirm(c, 'psubscribe', argv[i], subscriptionCount(c));
    }
  }),
  /** Format: PUNSUBSCRIBE [pattern [pattern ...]] */
  cmd('punsubscribe', -1, 'pubsub noscript loading stale', 0, 0, 0, (c, argv) => {
    const hub = c.server.pubsub;
    if (argv.length === 1) {
      const all = [...c.patterns];
      for (const p of all) {
        hub.punsubscribe(c, p);
        confirm(c, 'punsubscribe', p, subscriptionCount(c));
      }
      if (all.length === 0) confirm(c, 'punsubscribe', null, subscriptionCount(c));
      return;
    }
    for (let i = 1; i < argv.length; i++) {
      hub.punsubscribe(c, argv[i]);
      confirm(c, 'punsubscribe', argv[i], subscriptionCount(c));
    }
  }),
  /**
   * Format: PUBLISH channel message. Replies with the number of receivers.
   * Like Redis (forceCommandPropagation with PROPAGATE_REPL) it is sent to
   * replicas, never to the AOF, so subscribers of replicas get it too.
   */
  cmd('publish', 3, 'pubsub loading stale fast', 0, 0, 0, (c, argv) => {
    const n = c.server.pubsub.publish(argv[1], argv[2]);
    c.server.propagation.also(c.db.id, argv, true);
    c.reply.int(n);
  }),
  /** Format: SSUBSCRIBE shardchannel [shardchannel ...] */
  cmd(
    'ssubscribe',
    -2,
    'pubsub noscript loading stale',
    1,
    -1,
    1,
    (c, argv) => {
      const hub = c.server.pubsub;
      for (let i = 1; i < argv.length; i++) {
        hub.ssubscribe(c, argv[i]);
        confirm(c, 'ssubscribe', argv[i], c.shardChannels.size);
      }
    },
  ),
  /** Format: SUNSUBSCRIBE [shardchannel [shardchannel ...]] */
  cmd('sunsubscribe', -1, 'pubsub noscript loading stale', 1, -1, 1, (c, argv) => {
    const hub = c.server.pubsub;
    if (argv.length === 1) {
      const all = [...c.shardChannels];
      for (const ch of all) {
        hub.sunsubscribe(c, ch);
        confirm(c, 'sunsubscribe', ch, c.shardChannels.size);
      }
      if (all.length === 0) confirm(c, 'sunsubscribe', null, c.shardChannels.size);
      return;
    }
    for (let i = 1; i < argv.length; i++) {
      hub.sunsubscribe(c, argv[i]);
      confirm(c, 'sunsubscribe', argv[i], c.shardChannels.size);
    }
  }),
  /** Format: SPUBLISH shardchannel message (propagated to replicas like PUBLISH). */
  cmd('spublish', 3, 'pubsub loading stale fast', 1, 1, 1, (c, argv) => {
    const n = c.server.pubsub.publish(argv[1], argv[2], true);
    c.server.propagation.also(c.db.id, argv, true);
    c.reply.int(n);
  }),
  {
    name: 'pubsub',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    subcommands: [
      /** Format: PUBSUB CHANNELS [pattern] */
      cmd('channels', -2, 'pubsub loading stale', 0, 0, 0, (c, argv) => listChannels(c, argv, c.server.pubsub.channels)),
      /** Format: PUBSUB NUMSUB [channel ...] */
      cmd('numsub', -2, 'pubsub loading stale', 0, 0, 0, (c, argv) => numSub(c, argv, c.server.pubsub.channels)),
      /** Format: PUBSUB NUMPAT */
      cmd('numpat', 2, 'pubsub loading stale', 0, 0, 0, (c) => c.reply.int(c.server.pubsub.patternCount())),
      /** Format: PUBSUB SHARDCHANNELS [pattern] */
      cmd('shardchannels', -2, 'pubsub loading stale', 0, 0, 0, (c, argv) => listChannels(c, argv, c.server.pubsub.shardChannels)),
      /** Format: PUBSUB SHARDNUMSUB [shardchannel ...] */
      cmd('shardnumsub', -2, 'pubsub loading stale', 0, 0, 0, (c, argv) => numSub(c, argv, c.server.pubsub.shardChannels)),
      /** Format: PUBSUB HELP */
      cmd('help', 2, 'loading stale', 0, 0, 0, (c, argv) => {
        const r = c.reply;
        r.arrayLen(PUBSUB_HELP.length + 1);
        r.simple(`${argv[0].toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
        for (const line of PUBSUB_HELP) r.simple(line);
      }),
    ],
  },
];
