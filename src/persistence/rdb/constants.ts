/** RDB format constants, with Redis 7.0's names and values (rdb.h). */

/** The RDB version Redis 7.0 writes (and the highest it reads). */
export const RDB_VERSION = 10;

/** Value types. */
export const RDB_TYPE_STRING = 0;
export const RDB_TYPE_LIST = 1;
export const RDB_TYPE_SET = 2;
export const RDB_TYPE_ZSET = 3;
export const RDB_TYPE_HASH = 4;
export const RDB_TYPE_ZSET_2 = 5;
export const RDB_TYPE_MODULE = 6;
export const RDB_TYPE_MODULE_2 = 7;
export const RDB_TYPE_HASH_ZIPMAP = 9;
export const RDB_TYPE_LIST_ZIPLIST = 10;
export const RDB_TYPE_SET_INTSET = 11;
export const RDB_TYPE_ZSET_ZIPLIST = 12;
export const RDB_TYPE_HASH_ZIPLIST = 13;
export const RDB_TYPE_LIST_QUICKLIST = 14;
export const RDB_TYPE_STREAM_LISTPACKS = 15;
export const RDB_TYPE_HASH_LISTPACK = 16;
export const RDB_TYPE_ZSET_LISTPACK = 17;
export const RDB_TYPE_LIST_QUICKLIST_2 = 18;
export const RDB_TYPE_STREAM_LISTPACKS_2 = 19;

/** Opcodes (bytes that take the place of a type byte). */
export const RDB_OPCODE_FUNCTION2 = 0xf5;
export const RDB_OPCODE_FUNCTION_PRE_GA = 0xf6;
export const RDB_OPCODE_MODULE_AUX = 0xf7;
export const RDB_OPCODE_IDLE = 0xf8;
export const RDB_OPCODE_FREQ = 0xf9;
export const RDB_OPCODE_AUX = 0xfa;
export const RDB_OPCODE_RESIZEDB = 0xfb;
export const RDB_OPCODE_EXPIRETIME_MS = 0xfc;
export const RDB_OPCODE_EXPIRETIME = 0xfd;
export const RDB_OPCODE_SELECTDB = 0xfe;
export const RDB_OPCODE_EOF = 0xff;

/** Length encodings: the two top bits of the first byte. */
export const RDB_6BITLEN = 0;
export const RDB_14BITLEN = 1;
export const RDB_32BITLEN = 0x80;
export const RDB_64BITLEN = 0x81;
export const RDB_ENCVAL = 3;

/** Special string encodings (first byte 11xxxxxx). */
export const RDB_ENC_INT8 = 0;
export const RDB_ENC_INT16 = 1;
export const RDB_ENC_INT32 = 2;
export const RDB_ENC_LZF = 3;

/** Quicklist node containers in RDB_TYPE_LIST_QUICKLIST_2. */
export const QUICKLIST_NODE_CONTAINER_PLAIN = 1;
export const QUICKLIST_NODE_CONTAINER_PACKED = 2;

/** Redis 7.0 defaults for the compact encodings (redis.conf). */
export const DEFAULT_ENCODING_LIMITS = Object.freeze({
  /** list-max-listpack-size: negative = node byte limit 4/8/16/32/64 KB */
  listMaxListpackSize: -2,
  setMaxIntsetEntries: 512,
  hashMaxListpackEntries: 512,
  hashMaxListpackValue: 64,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
});

/** Human name of a type byte, for messages. */
export function rdbTypeName(t: number): string {
  switch (t) {
    case RDB_TYPE_STRING: return 'string';
    case RDB_TYPE_LIST: return 'list';
    case RDB_TYPE_SET: return 'set';
    case RDB_TYPE_ZSET: return 'zset';
    case RDB_TYPE_HASH: return 'hash';
    case RDB_TYPE_ZSET_2: return 'zset (ZSET_2)';
    case RDB_TYPE_MODULE: return 'module';
    case RDB_TYPE_MODULE_2: return 'module (MODULE_2)';
    case RDB_TYPE_HASH_ZIPMAP: return 'hash (zipmap)';
    case RDB_TYPE_LIST_ZIPLIST: return 'list (ziplist)';
    case RDB_TYPE_SET_INTSET: return 'set (intset)';
    case RDB_TYPE_ZSET_ZIPLIST: return 'zset (ziplist)';
    case RDB_TYPE_HASH_ZIPLIST: return 'hash (ziplist)';
    case RDB_TYPE_LIST_QUICKLIST: return 'list (quicklist)';
    case RDB_TYPE_STREAM_LISTPACKS: return 'stream';
    case RDB_TYPE_HASH_LISTPACK: return 'hash (listpack)';
    case RDB_TYPE_ZSET_LISTPACK: return 'zset (listpack)';
    case RDB_TYPE_LIST_QUICKLIST_2: return 'list (quicklist 2)';
    case RDB_TYPE_STREAM_LISTPACKS_2: return 'stream (STREAM_LISTPACKS_2)';
    default: return `type ${t}`;
  }
}
