/**
 * DUMP / RESTORE payloads: one RDB value (type byte + value) followed by the
 * 2-byte little-endian RDB version and the 8-byte little-endian CRC-64 of
 * everything before it (Redis's createDumpPayload / verifyDumpPayload).
 */
import { RDB_VERSION } from './constants';
import { Crc64 } from './crc64';
import { RdbError } from './errors';
import type { PlainValue } from './model';
import { RdbReader } from './reader';
import { RdbWriter, type RdbWriterOptions } from './writer';

/** Format: DUMP key -> the serialized value, as Redis 7.0 produces it. */
export function encodeDumpPayload(value: PlainValue, options?: Pick<RdbWriterOptions, 'compression' | 'limits'>): Buffer {
  const w = new RdbWriter({ compression: options?.compression ?? true, limits: options?.limits, checksum: false });
  w.writeObject(value);
  const body = w.toBuffer();
  const out = Buffer.allocUnsafe(body.length + 10);
  body.copy(out, 0);
  out[body.length] = RDB_VERSION & 0xff;
  out[body.length + 1] = (RDB_VERSION >> 8) & 0xff;
  new Crc64().update(out, 0, body.length + 2).writeLE(out, body.length + 2);
  return out;
}

/**
 * Check a DUMP payload's footer (verifyDumpPayload). Throws
 * RdbError('DUMP_PAYLOAD', 'DUMP payload version or checksum are wrong').
 * `skipChecksum` mirrors Redis's skip-checksum-validation (version still checked).
 */
export function verifyDumpPayload(payload: Buffer, skipChecksum = false): number {
  const n = payload.length;
  const fail = (): never => {
    throw new RdbError('DUMP_PAYLOAD', 'DUMP payload version or checksum are wrong');
  };
  if (n < 10) fail();
  const ver = payload[n - 10] | (payload[n - 9] << 8);
  if (ver > RDB_VERSION) fail();
  if (!skipChecksum && !new Crc64().update(payload, 0, n - 8).equalsLE(payload, n - 8)) fail();
  return ver;
}

/**
 * Format: RESTORE key ttl payload -> the value. Verifies the footer first
 * (RdbError code DUMP_PAYLOAD: reply "ERR DUMP payload version or checksum are
 * wrong"), then decodes; any other RdbError means Redis's "ERR Bad data format".
 * Like Redis, bytes between the value and the footer are ignored, and the
 * value is read from the whole payload (Redis's rio covers the footer too, so
 * a value that runs into the version/CRC bytes loads there as well).
 */
export function decodeDumpPayload(payload: Buffer, options?: { skipChecksum?: boolean }): PlainValue {
  verifyDumpPayload(payload, options?.skipChecksum ?? false);
  const r = new RdbReader({ onKey: () => undefined }, {}, true);
  r.push(payload);
  r.end();
  if (!r.dumpValue) throw new RdbError('CORRUPT', 'Bad data format');
  return r.dumpValue;
}
