/**
 * Conversions between the in-memory values (DbValue: strings and the RList /
 * RHash / RSet / RZSet structures) and the codec's PlainValue, used by the
 * RDB writer (snapshots, full sync) and reader (loading), and the encoding
 * thresholds read from the config so loaded values get the encoding Redis
 * would give them.
 */
import type { DbValue } from '../keyspace/database';
import { strFromBytes } from '../keyspace/big-string';
import { RList, type ListLimits } from '../keyspace/types/list';
import { RHash, type HashLimits } from '../keyspace/types/hash';
import { RSet, type SetLimits } from '../keyspace/types/set';
import { RZSet, type ZSetLimits, type ZEntry } from '../keyspace/types/zset';
import { hashFromListpack, zsetFromListpack, type PlainValue } from './rdb/model';
import type { EncodingLimits } from './rdb/writer';
import type { Config } from '../config/schema';

/** A view of intset bytes that never converts. */
const NO_SET_LIMIT: SetLimits = { maxIntsetEntries: Infinity };

/** Encoding thresholds of the structures, from the config. */
export interface StructureLimits {
  hash: HashLimits;
  set: SetLimits;
  zset: ZSetLimits;
  list: ListLimits;
}

/** The structures' thresholds as configured (hash-max-listpack-entries & co). */
export function structureLimits(config: Config): StructureLimits {
  const s = config.settings;
  return {
    hash: { maxListpackEntries: s.hashMaxListpackEntries, maxListpackValue: s.hashMaxListpackValue },
    set: { maxIntsetEntries: s.setMaxIntsetEntries },
    list: { fill: s.listMaxListpackSize, compressDepth: s.listCompressDepth },
    zset: { maxListpackEntries: s.zsetMaxListpackEntries, maxListpackValue: s.zsetMaxListpackValue },
  };
}

/** The RDB writer's thresholds as configured, so saved encodings match Redis's. */
export function writerLimits(config: Config): EncodingLimits {
  const s = config.settings;
  return {
    listMaxListpackSize: s.listMaxListpackSize,
    setMaxIntsetEntries: s.setMaxIntsetEntries,
    hashMaxListpackEntries: s.hashMaxListpackEntries,
    hashMaxListpackValue: s.hashMaxListpackValue,
    zsetMaxListpackEntries: s.zsetMaxListpackEntries,
    zsetMaxListpackValue: s.zsetMaxListpackValue,
  };
}

/** A copy of a stored value in the codec's model (the structure itself is not kept). */
export function toPlainValue(v: DbValue): PlainValue {
  if (typeof v === 'string') return { type: 'string', value: v };
  switch (v.type) {
    case 'string':
      // a view: a caller keeping it past the next write of the key copies it (Snapshot.onKeyWrite)
      return { type: 'string', value: v.bytes };
    case 'list':
    {
      // the nodes are immutable strings (mutable end nodes are sealed into new ones): a copy of bytes
      const nodes = v.rdbNodes();
      return { type: 'list', value: RList.fromNodes(nodes, v.limits()), nodes };
    }
    case 'hash': {
      const lp = v.listpack();
      if (lp !== null) return hashFromListpack(lp);
      const m = new Map<string, string>();
      for (const [f, val] of v) m.set(f, val);
      return { type: 'hash', value: m, big: true };
    }
    case 'set': {
      const bytes = v.intsetBytes();
      // an intset is an immutable string: the copy is the same bytes
      if (bytes !== null) return { type: 'set', value: RSet.fromIntset(bytes, NO_SET_LIMIT), intset: bytes };
      const s = new Set<string>();
      for (const m of v) s.add(m);
      return { type: 'set', value: s, intset: null };
    }
    case 'zset': {
      const lp = v.listpack();
      if (lp !== null) return zsetFromListpack(lp);
      const arr: Array<[string, number]> = new Array(v.size);
      let i = 0;
      for (const e of v) arr[i++] = [e.member, e.score];
      return { type: 'zset', value: arr, big: true };
    }
    case 'stream':
      return { type: 'stream', value: v.clone() };
  }
}

/** A stored value built from a decoded one, with the encoding an RDB load gives. */
export function toDbValue(p: PlainValue, limits: StructureLimits): DbValue {
  switch (p.type) {
    case 'string':
      return typeof p.value === 'string' ? p.value : strFromBytes(p.value);
    case 'list':
      // listpack nodes load as they are (rdbLoadObject appends each node)
      if (p.nodes !== undefined) return RList.fromNodes(p.nodes, limits.list);
      return new RList(p.value, limits.list);
    case 'hash':
      return p.listpack !== undefined ? RHash.fromListpack(p.listpack, limits.hash) : RHash.from(p.value, limits.hash);
    case 'set':
      // intset bytes load as they are (rdbLoadObject converts only past set-max-intset-entries)
      if (typeof p.intset === 'string') return RSet.fromIntset(p.intset, limits.set);
      return RSet.from(p.value, limits.set);
    case 'zset':
      return p.listpack !== undefined
        ? RZSet.fromListpack(p.listpack, limits.zset)
        : RZSet.from(zsetEntries(p.value), limits.zset);
    case 'stream':
      return p.value;
  }
}

function* zsetEntries(pairs: Array<[string, number]>): Iterable<ZEntry> {
  for (const [member, score] of pairs) yield { member, score };
}
