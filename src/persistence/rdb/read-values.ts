/**
 * Decoding of the RDB value types that arrive as one encoded blob (Redis's
 * rdbLoadObject for ziplist, zipmap, intset and listpack encodings), and the
 * zset ordering the reader applies to every zset it builds. Pure functions:
 * the streaming RdbReader (reader.ts) reads the blob and calls them.
 */
import * as C from './constants';
import { RdbError } from './errors';
import { loadIntset } from './intset';
import { RSet } from '../../keyspace/types/set';
import { validateListpack } from './listpack';
import { lpFirst, lpGet, lpNext, lpToArray } from '../../keyspace/listpack';
import { hashFromListpack, zsetFromListpack, type PlainValue } from './model';
import { zzlStrtod } from '../../keyspace/types/zset-listpack';
import { decodeZiplist } from './ziplist';
import { decodeZipmap } from './zipmap';

function zsetCmp(a: [string, number], b: [string, number]): number {
  const d = a[1] - b[1];
  if (d < 0) return -1;
  if (d > 0) return 1;
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** Sort a zset by (score, member); cheap when it is already ascending or descending. */
export function sortZsetPairs(arr: Array<[string, number]>): void {
  const n = arr.length;
  let asc = true;
  for (let i = 1; i < n; i++) {
    if (zsetCmp(arr[i - 1], arr[i]) > 0) {
      asc = false;
      break;
    }
  }
  if (asc) return;
  let desc = true;
  for (let i = 1; i < n; i++) {
    if (zsetCmp(arr[i - 1], arr[i]) < 0) {
      desc = false;
      break;
    }
  }
  if (desc) arr.reverse();
  else arr.sort(zsetCmp);
}

/** An intset view that never converts (the loader applies set-max-intset-entries). */
const NO_LIMIT = { maxIntsetEntries: Infinity };

/** A RDB CORRUPT error at an absolute offset. */
function corrupt(detail: string, at: number): never {
  throw new RdbError('CORRUPT', detail, at);
}

/**
 * A value stored as one encoded blob (type t: zipmap, ziplist, intset,
 * listpack encodings), or null when it holds no element (the key is
 * skipped, as Redis does). keyInfo is appended to error texts (" (key k)",
 * empty for a DUMP payload); at is the blob's absolute offset. Throws
 * RdbError CORRUPT.
 */
export function decodeEncodedValue(t: number, blob: Buffer, keyInfo: string, at: number): PlainValue | null {
  let label = '';
  try {
    switch (t) {
      case C.RDB_TYPE_HASH_ZIPMAP:
        label = 'Zipmap';
        return pairsToHash(decodeZipmap(blob), 'Hash zipmap with dup elements', at, keyInfo);
      case C.RDB_TYPE_LIST_ZIPLIST: {
        label = 'List ziplist';
        const items = decodeZiplist(blob);
        return items.length ? { type: 'list', value: items } : null;
      }
      case C.RDB_TYPE_SET_INTSET:
        label = 'Intset';
        {
          // kept as the bytes they are (validated); the value iterates them in place
          const bytes = loadIntset(blob);
          return { type: 'set', value: RSet.fromIntset(bytes, NO_LIMIT), intset: bytes };
        }
      case C.RDB_TYPE_ZSET_ZIPLIST:
        label = 'Zset ziplist';
        return pairsToZset(decodeZiplist(blob), at, keyInfo);
      case C.RDB_TYPE_HASH_ZIPLIST:
        label = 'Hash ziplist';
        return pairsToHash(decodeZiplist(blob), 'Hash ziplist with dup elements', at, keyInfo);
      case C.RDB_TYPE_HASH_LISTPACK:
        label = 'Hash listpack';
        return hashListpack(blob, at, keyInfo);
      case C.RDB_TYPE_ZSET_LISTPACK:
        label = 'Zset listpack';
        return zsetListpack(blob, at, keyInfo);
      default:
        return corrupt(`Unknown RDB encoding type ${t}`, at);
    }
  } catch (e) {
    // the codecs throw without an offset: this blob's
    if (e instanceof RdbError && e.offset < 0) {
      throw new RdbError('CORRUPT', `${label} integrity check failed: ${e.detail}${keyInfo}`, at);
    }
    throw e;
  }
}

/** field, value, field, value... -> a hash; null when empty. */
function pairsToHash(flat: string[], dupMsg: string, at: number, keyInfo: string): PlainValue | null {
  if (flat.length & 1) corrupt(`Odd number of elements in an encoded hash${keyInfo}`, at);
  if (flat.length === 0) return null;
  const m = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) m.set(flat[i], flat[i + 1]);
  if (m.size * 2 !== flat.length) corrupt(`${dupMsg}${keyInfo}`, at);
  return { type: 'hash', value: m };
}

/** member, score, member, score... -> a sorted zset; null when empty. */
function pairsToZset(flat: string[], at: number, keyInfo: string): PlainValue | null {
  if (flat.length & 1) corrupt(`Odd number of elements in an encoded zset${keyInfo}`, at);
  if (flat.length === 0) return null;
  const arr: Array<[string, number]> = new Array(flat.length / 2);
  const seen = new Set<string>();
  for (let i = 0, j = 0; i < flat.length; i += 2, j++) {
    const score = zzlStrtod(flat[i + 1]);
    if (score !== score) corrupt(`Zset with NAN score detected${keyInfo}`, at);
    arr[j] = [flat[i], score];
    seen.add(flat[i]);
  }
  if (seen.size !== arr.length) corrupt(`Duplicate zset fields detected${keyInfo}`, at);
  sortZsetPairs(arr);
  return { type: 'zset', value: arr };
}

/**
 * RDB_TYPE_HASH_LISTPACK: validated deeply (lpPairsValidateIntegrityAndDups:
 * entries, even count, no duplicate field) and kept as the same bytes; null
 * when empty.
 */
function hashListpack(blob: Buffer, at: number, keyInfo: string): PlainValue | null {
  const n = validateListpack(blob);
  if (n & 1) corrupt(`Odd number of elements in an encoded hash${keyInfo}`, at);
  if (n === 0) return null;
  const lp = blob.latin1Slice(0, blob.length);
  if (n > 2) {
    const seen = new Set<string>();
    for (let p = lpFirst(lp); p >= 0; p = lpNext(lp, lpNext(lp, p))) seen.add(lpGet(lp, p));
    if (seen.size * 2 !== n) corrupt(`Hash listpack with dup elements${keyInfo}`, at);
  }
  return hashFromListpack(lp);
}

/**
 * RDB_TYPE_ZSET_LISTPACK: validated like a hash listpack, every score a
 * number; kept as the same bytes when sorted by (score, member) as Redis
 * keeps it, else (a foreign writer's bug) sorted into a new zset.
 */
function zsetListpack(blob: Buffer, at: number, keyInfo: string): PlainValue | null {
  const n = validateListpack(blob);
  if (n & 1) corrupt(`Odd number of elements in an encoded zset${keyInfo}`, at);
  if (n === 0) return null;
  const lp = blob.latin1Slice(0, blob.length);
  const a = lpToArray(lp);
  const seen = new Set<string>();
  let sorted = true;
  let prevScore = -Infinity;
  let prevMember = '';
  for (let i = 0; i < a.length; i += 2) {
    const score = zzlStrtod(a[i + 1]);
    // Redis keeps a "nan" score text as is; tredis refuses a NaN score (its order is undefined)
    if (score !== score) corrupt(`Zset with NAN score detected${keyInfo}`, at);
    seen.add(a[i]);
    if (i > 0 && (score < prevScore || (score === prevScore && a[i] <= prevMember))) sorted = false;
    prevScore = score;
    prevMember = a[i];
  }
  if (seen.size * 2 !== n) corrupt(`Duplicate zset fields detected${keyInfo}`, at);
  return sorted ? zsetFromListpack(lp) : pairsToZset(a, at, keyInfo);
}
