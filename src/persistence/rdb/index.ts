/** The RDB codec: public surface. */
export * from './constants';
export { Crc64, crc64 } from './crc64';
export { RdbError, type RdbErrorCode } from './errors';
export { decodeIntset, encodeIntset } from './intset';
export { ListpackBuilder, decodeListpack, encodeListpack } from './listpack';
export { lzfCompress, lzfCompressForRdb, lzfDecompress } from '../../util/lzf';
export type { KeyMeta, PlainValue, PlainValueType } from './model';
export { parseCanonicalInt, strtod } from './numbers';
export { RdbReader, type RdbHandlers, type RdbReaderOptions, type RdbSummary } from './reader';
export { parseRdbBuffer, readRdbFile, type ParsedRdb, type RdbKeyRecord } from './read-file';
export { decodeEncodedValue, sortZsetPairs } from './read-values';
export {
  RdbWriter,
  datasetFromRecords,
  rdbChunks,
  rdbToBuffer,
  writeRdb,
  type EncodingLimits,
  type RdbAuxInfo,
  type RdbDataset,
  type RdbDbSource,
  type RdbEntry,
  type RdbKeyExtras,
  type RdbSink,
  type RdbWriteStats,
  type RdbWriterOptions,
  type WriteRdbOptions,
} from './writer';
export { decodeDumpPayload, encodeDumpPayload, verifyDumpPayload } from './dump';
export { decodeZiplist } from './ziplist';
export { decodeZipmap } from './zipmap';
