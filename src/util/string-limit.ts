/**
 * The largest string V8 can hold (buffer.constants.MAX_STRING_LENGTH:
 * 2^29-24 = 536,870,888 on 64-bit), shorter than Redis's 512 MB
 * proto-max-bulk-len. tredis keeps values as latin1 JS strings, so the 24
 * sizes above it that Redis accepts are refused with these errors (never a
 * crash or a silent drop).
 */
import { constants } from 'node:buffer';

/** V8's maximum string length, in bytes of a latin1 string. */
export const MAX_STRING_BYTES: number = constants.MAX_STRING_LENGTH;

/** The error of a command whose result would be longer (APPEND, SETRANGE, SETBIT, BITFIELD): Redis's checkStringLength wording. */
export const STRING_TOO_LONG_FOR_V8 = `ERR string exceeds maximum allowed size (tredis holds strings up to ${MAX_STRING_BYTES} bytes)`;

/** The error of a command that carried a longer argument. */
export const ARGUMENT_TOO_LONG_FOR_V8 = `ERR argument exceeds maximum allowed size (tredis holds strings up to ${MAX_STRING_BYTES} bytes)`;
