/**
 * DEBUG DIGEST and DEBUG DIGEST-VALUE, byte-identical to Redis 7.0 (debug.c):
 *
 * - xorDigest(d, s):  d ^= SHA1(s)             (order-independent "add")
 * - mixDigest(d, s):  d = SHA1(d ^ SHA1(s))    (order-dependent)
 * - per key: d = 0; mix(key); mix(htonl(type)); then the value:
 *   string: mix(value); list: mix(each element, head to tail);
 *   set: xor(each member); zset: xor(mix(mix(0, member), "%.17g" score)) per element;
 *   hash: xor(mix(mix(0, field), value)) per field; then xor("!!expire!!") if the key has a TTL.
 *   (xor of a 20-byte digest hashes it too: d ^= SHA1(digest).)
 * - dataset: for each non-empty db in id order: final = mix(final, htonl(db)),
 *   then xor(final, key digest) per key. An empty dataset gives 40 zeros.
 */
import * as nodeCrypto from 'node:crypto';
import type { PlainValue } from '../persistence/rdb/model';
import { formatG17 } from '../util/number-format';
import { ID_ZERO, ID_MAX } from './types/stream';

const TYPE_ID: Record<PlainValue['type'], number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4, stream: 6 };
const EXPIRE_MARK = Buffer.from('!!expire!!', 'latin1');

/** One-shot SHA1: crypto.hash (Node >= 20.12, faster) or createHash. */
const sha1Raw: (b: Buffer) => Buffer =
  typeof nodeCrypto.hash === 'function'
    ? (b) => nodeCrypto.hash('sha1', b, 'buffer')
    : (b) => nodeCrypto.createHash('sha1').update(b).digest();

function sha1(data: Buffer | string): Buffer {
  return sha1Raw(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
}

function xorInto(d: Buffer, h: Buffer): void {
  for (let i = 0; i < 20; i++) d[i] ^= h[i];
}

/** d ^= SHA1(data) (Redis's xorDigest). Strings are latin1 bytes. */
export function xorDigest(d: Buffer, data: Buffer | string): void {
  xorInto(d, sha1(data));
}

/** d = SHA1(d ^ SHA1(data)) (Redis's mixDigest). Strings are latin1 bytes. */
export function mixDigest(d: Buffer, data: Buffer | string): void {
  xorInto(d, sha1(data));
  sha1Raw(d).copy(d, 0);
}

/** mixDigest with SHA1(data) already known. */
function mixHashed(d: Buffer, h: Buffer): void {
  xorInto(d, h);
  sha1Raw(d).copy(d, 0);
}

function u32be(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

/** SHA1(htonl(type)) for each type: constant, so hashed once. */
const TYPE_HASH: Record<PlainValue['type'], Buffer> = {
  string: sha1Raw(u32be(0)),
  list: sha1Raw(u32be(1)),
  set: sha1Raw(u32be(2)),
  zset: sha1Raw(u32be(3)),
  hash: sha1Raw(u32be(4)),
  stream: sha1Raw(u32be(6)),
};
const EXPIRE_HASH = sha1Raw(EXPIRE_MARK);

/** Mix the type and value of one key into d, then the expire marker (xorObjectDigest). */
export function xorObjectDigest(d: Buffer, value: PlainValue, hasExpire: boolean): void {
  mixHashed(d, TYPE_HASH[value.type]);
  switch (value.type) {
    case 'string':
      mixDigest(d, value.value);
      break;
    case 'list':
      for (const e of value.value) mixDigest(d, e);
      break;
    case 'set':
      for (const m of value.value) xorDigest(d, m);
      break;
    case 'zset': {
      const e = Buffer.alloc(20);
      for (const [member, score] of value.value) {
        e.fill(0);
        mixDigest(e, member);
        mixDigest(e, formatG17(score));
        xorDigest(d, e);
      }
      break;
    }
    case 'stream':
      // entries only (ids as "ms.seq", then each field and value), as debug.c
      value.value.range(ID_ZERO, ID_MAX, false, (en) => {
        mixDigest(d, en.id.ms + '.' + en.id.seq);
        for (const s of en.fv) mixDigest(d, s);
        return true;
      });
      break;
    case 'hash': {
      const e = Buffer.alloc(20);
      for (const [f, v] of value.value) {
        e.fill(0);
        mixDigest(e, f);
        mixDigest(e, v);
        xorDigest(d, e);
      }
      break;
    }
  }
  if (hasExpire) xorInto(d, EXPIRE_HASH);
}

/** The 20-byte digest of one key-value pair as computeDatasetDigest builds it. */
export function keyDigest(key: string, value: PlainValue, expireAt: number): Buffer {
  const d = Buffer.alloc(20);
  mixDigest(d, key);
  xorObjectDigest(d, value, expireAt !== -1);
  return d;
}

/**
 * Format: DEBUG DIGEST-VALUE key -> this hex for an existing key (40 zeros is
 * the reply for a missing key). The key name is not part of it; the type and
 * whether the key has a TTL are.
 */
export function digestValue(value: PlainValue, expireAt = -1): string {
  const d = Buffer.alloc(20);
  xorObjectDigest(d, value, expireAt !== -1);
  return d.toString('hex');
}

/** Incremental DEBUG DIGEST: add keys in any order (dbs included), then read hex(). */
export class DatasetDigest {
  private readonly perDb = new Map<number, Buffer>();

  /** Add one key of db `db`; expireAt is -1 when the key has no TTL. */
  add(db: number, key: string, value: PlainValue, expireAt: number): void {
    let acc = this.perDb.get(db);
    if (!acc) this.perDb.set(db, (acc = Buffer.alloc(20)));
    // Redis: xorDigest(final, digest, 20), i.e. final ^= SHA1(key digest)
    xorDigest(acc, keyDigest(key, value, expireAt));
  }

  /** The 40-hex-digit DEBUG DIGEST reply. */
  hex(): string {
    const final = Buffer.alloc(20);
    const ids = [...this.perDb.keys()].sort((a, b) => a - b);
    for (const id of ids) {
      mixDigest(final, u32be(id));
      const acc = this.perDb.get(id) as Buffer;
      for (let i = 0; i < 20; i++) final[i] ^= acc[i];
    }
    return final.toString('hex');
  }
}

/**
 * Format: DEBUG DIGEST -> 40 hex digits. `iterate` must call back once per
 * key of every db (in any order); an empty dataset yields 40 zeros.
 */
export function digestDataset(
  iterate: (cb: (db: number, key: string, value: PlainValue, expireAt: number) => void) => void,
): string {
  const dd = new DatasetDigest();
  iterate((db, key, value, expireAt) => dd.add(db, key, value, expireAt));
  return dd.hex();
}

/** Type id used in the digest (OBJ_STRING..OBJ_HASH). */
export function digestTypeId(type: PlainValue['type']): number {
  return TYPE_ID[type];
}
