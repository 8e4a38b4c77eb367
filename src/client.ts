/**
 * A tiny promise-based RESP client, exported by the package so that an
 * embedding example or a test suite needs no other dependency:
 *
 *   const client = await connect(server.port);
 *   await client.call('SET', 'k', 'v');
 *   client.close();
 *
 * It is the connection tredis-cli uses (src/cli/resp-connection.ts) with
 * replies turned into plain JS values. For real applications use any Redis
 * client (ioredis, node-redis): tredis speaks RESP2 and RESP3.
 */
import { RespConnection } from './cli/resp-connection';
import type { Reply } from './protocol/reply-parser';

/** A reply as JS: strings (utf8), numbers (bigint beyond 2^53), null, booleans, arrays (maps as [k, v, k, v ...]). */
export type ReplyValue = string | number | bigint | boolean | null | ReplyValue[];

/** An error reply (`-ERR ...`), with Redis's text as its message. */
export class ReplyError extends Error {
  override readonly name = 'ReplyError';
}

/** One connection to a tredis (or Redis) server. */
export interface TredisClient {
  /** Send one command and resolve with its reply; an error reply rejects with a {@link ReplyError}. */
  call(...args: Array<string | number | bigint | Buffer>): Promise<ReplyValue>;
  /** Close the connection. */
  close(): void;
}

function toValue(r: Reply): ReplyValue {
  switch (r.type) {
    case 'status':
    case 'string':
    case 'verb':
    case 'bignum':
      return r.str.toString('utf8');
    case 'double':
      return Number(r.str.toString('latin1'));
    case 'integer':
      return r.int >= BigInt(Number.MIN_SAFE_INTEGER) && r.int <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(r.int) : r.int;
    case 'nil':
      return null;
    case 'bool':
      return r.bool;
    case 'error':
      throw new ReplyError(r.str.toString('utf8'));
    default:
      return r.elements.map(toValue);
  }
}

/** Connect to 127.0.0.1:port (or host:port). */
export async function connect(port: number, host = '127.0.0.1'): Promise<TredisClient> {
  const conn = await RespConnection.connect({ host, port });
  return {
    call(...args) {
      // replies and waiting readers are both FIFO: concurrent calls pipeline
      conn.send(args.map((a) => (Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'utf8'))));
      return conn.readReply().then(toValue);
    },
    close() {
      conn.close();
    },
  };
}
