/**
 * Reply formatters reproducing redis-cli 7.0 output byte for byte:
 * TTY ("standard"), raw, CSV and JSON modes.
 */
import { HIREDIS_TYPE_CODE, type Reply } from '../protocol/reply-parser';

/** redis-cli output modes (OUTPUT_STANDARD, OUTPUT_RAW, ...). */
export type OutputMode = 'standard' | 'raw' | 'csv' | 'json' | 'quoted-json';

/** Thrown for reply types redis-cli cannot print ("Unknown reply type: N", exit 1). */
export class UnknownReplyTypeError extends Error {
  constructor(reply: Reply) {
    super(`Unknown reply type: ${HIREDIS_TYPE_CODE[reply.type]}`);
  }
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Port of sdscatrepr(): a double-quoted, escaped representation of bytes. */
export function repr(data: Buffer): string {
  let out = '"';
  for (const c of data) {
    switch (c) {
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      default:
        if (c >= 0x20 && c <= 0x7e) out += String.fromCharCode(c);
        else out += `\\x${c.toString(16).padStart(2, '0')}`;
    }
  }
  return out + '"';
}

/** Bytes of a C string: everything up to the first NUL (for "%s" formats). */
function cstr(data: Buffer): Buffer {
  const nul = data.indexOf(0);
  return nul >= 0 ? data.subarray(0, nul) : data;
}

/** Port of cliFormatReplyTTY(). `prefix` is the indentation for nested lines. */
export function formatTTY(r: Reply, prefix = ''): Buffer {
  switch (r.type) {
    case 'error':
      return Buffer.concat([latin1('(error) '), cstr(r.str), latin1('\n')]);
    case 'status':
      return Buffer.concat([cstr(r.str), latin1('\n')]);
    case 'integer':
      return latin1(`(integer) ${r.int}\n`);
    case 'double':
      return Buffer.concat([latin1('(double) '), cstr(r.str), latin1('\n')]);
    case 'string':
      return latin1(repr(r.str) + '\n');
    case 'verb':
      return Buffer.concat([r.str, latin1('\n')]);
    case 'nil':
      return latin1('(nil)\n');
    case 'bool':
      return latin1(r.bool ? '(true)\n' : '(false)\n');
    case 'array':
    case 'set':
    case 'map':
    case 'push': {
      const els = r.elements;
      if (els.length === 0) {
        const name = r.type === 'array' ? 'array' : r.type === 'map' ? 'hash' : r.type === 'set' ? 'set' : 'push';
        return latin1(`(empty ${name})\n`);
      }
      const count = r.type === 'map' ? Math.floor(els.length / 2) : els.length;
      const idxlen = String(count).length;
      const childPrefix = prefix + ' '.repeat(idxlen + 2);
      const sep = r.type === 'set' ? '~' : r.type === 'map' ? '#' : ')';
      const parts: Buffer[] = [];
      for (let i = 0; i < els.length; i++) {
        const humanIdx = (r.type === 'map' ? Math.floor(i / 2) : i) + 1;
        parts.push(latin1(`${i === 0 ? '' : prefix}${String(humanIdx).padStart(idxlen, ' ')}${sep} `));
        parts.push(formatTTY(els[i], childPrefix));
        if (r.type === 'map') {
          i++;
          // sdsrange(out,0,-2): drop the key's trailing newline.
          const joined = Buffer.concat(parts);
          parts.length = 0;
          parts.push(joined.subarray(0, Math.max(0, joined.length - 1)), latin1(' => '));
          const value = els[i];
          if (value !== undefined) {
            const formatted = formatTTY(value, childPrefix);
            // A value spanning several lines starts on its own line.
            const nl = formatted.indexOf(0x0a);
            if (nl >= 0 && nl < formatted.length - 1) parts.push(latin1('\n' + childPrefix));
            parts.push(formatted);
          }
        }
      }
      return Buffer.concat(parts);
    }
    default:
      throw new UnknownReplyTypeError(r);
  }
}

/** Port of cliFormatReplyRaw(); `mbDelim` separates aggregate elements (-d). */
export function formatRaw(r: Reply, mbDelim: Buffer): Buffer {
  switch (r.type) {
    case 'nil':
      return Buffer.alloc(0);
    case 'error':
      return Buffer.concat([r.str, latin1('\n')]);
    case 'status':
    case 'string':
    case 'verb':
      return r.str;
    case 'bool':
      return latin1(r.bool ? '(true)' : '(false)');
    case 'integer':
      return latin1(String(r.int));
    case 'double':
      return cstr(r.str);
    case 'array':
    case 'set':
    case 'push': {
      const parts: Buffer[] = [];
      r.elements.forEach((el, i) => {
        if (i > 0) parts.push(mbDelim);
        parts.push(formatRaw(el, mbDelim));
      });
      return Buffer.concat(parts);
    }
    case 'map': {
      const parts: Buffer[] = [];
      for (let i = 0; i < r.elements.length; i += 2) {
        if (i > 0) parts.push(mbDelim);
        parts.push(formatRaw(r.elements[i], mbDelim), latin1(' '));
        const value = r.elements[i + 1];
        if (value !== undefined) parts.push(formatRaw(value, mbDelim));
      }
      return Buffer.concat(parts);
    }
    default:
      throw new UnknownReplyTypeError(r);
  }
}

/** Port of cliFormatReplyCSV(). */
export function formatCSV(r: Reply): Buffer {
  switch (r.type) {
    case 'error':
      return latin1('ERROR,' + repr(cstr(r.str)));
    case 'status':
    case 'string':
    case 'verb':
      return latin1(repr(r.str));
    case 'integer':
      return latin1(String(r.int));
    case 'double':
      return cstr(r.str);
    case 'nil':
      return latin1('NULL');
    case 'bool':
      return latin1(r.bool ? 'true' : 'false');
    case 'array':
    case 'set':
    case 'push':
    case 'map': {
      const parts: Buffer[] = [];
      r.elements.forEach((el, i) => {
        parts.push(formatCSV(el));
        if (i !== r.elements.length - 1) parts.push(latin1(','));
      });
      return Buffer.concat(parts);
    }
    default:
      throw new UnknownReplyTypeError(r);
  }
}

/** Port of escapeJsonString(): bytes >= 0x80 are copied through unchanged. */
function escapeJson(data: Buffer): Buffer {
  const out: number[] = [0x22];
  const push = (s: string): void => {
    for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
  };
  for (const c of data) {
    switch (c) {
      case 0x5c:
        push('\\\\');
        break;
      case 0x22:
        push('\\"');
        break;
      case 0x0a:
        push('\\n');
        break;
      case 0x0c:
        push('\\f');
        break;
      case 0x0d:
        push('\\r');
        break;
      case 0x09:
        push('\\t');
        break;
      case 0x08:
        push('\\b');
        break;
      default:
        if (c <= 0x1f) push(`\\u${c.toString(16).padStart(4, '0')}`);
        else out.push(c);
    }
  }
  out.push(0x22);
  return Buffer.from(out);
}

function jsonString(data: Buffer, mode: OutputMode): Buffer {
  if (mode === 'json') return escapeJson(data);
  return latin1(repr(data).replace(/\\/g, '\\\\'));
}

/** Port of cliFormatReplyJson() for --json / --quoted-json. */
export function formatJSON(r: Reply, mode: OutputMode): Buffer {
  switch (r.type) {
    case 'error':
      return Buffer.concat([latin1('error:'), jsonString(cstr(r.str), mode)]);
    case 'status':
    case 'string':
    case 'verb':
      return jsonString(r.str, mode);
    case 'integer':
      return latin1(String(r.int));
    case 'double':
      return cstr(r.str);
    case 'nil':
      return latin1('null');
    case 'bool':
      return latin1(r.bool ? 'true' : 'false');
    case 'array':
    case 'set':
    case 'push': {
      const parts: Buffer[] = [latin1('[')];
      r.elements.forEach((el, i) => {
        parts.push(formatJSON(el, mode));
        if (i !== r.elements.length - 1) parts.push(latin1(','));
      });
      parts.push(latin1(']'));
      return Buffer.concat(parts);
    }
    case 'map': {
      const parts: Buffer[] = [latin1('{')];
      for (let i = 0; i < r.elements.length; i += 2) {
        const key = r.elements[i];
        if (key.type === 'error' || key.type === 'status' || key.type === 'string' || key.type === 'verb') {
          parts.push(formatJSON(key, mode));
        } else {
          const keystr = formatJSON(key, mode);
          parts.push(keystr[0] === 0x22 ? keystr : jsonString(keystr, mode));
        }
        parts.push(latin1(':'));
        const value = r.elements[i + 1];
        if (value !== undefined) parts.push(formatJSON(value, mode));
        if (i !== r.elements.length - 2) parts.push(latin1(','));
      }
      parts.push(latin1('}'));
      return Buffer.concat(parts);
    }
    default:
      throw new UnknownReplyTypeError(r);
  }
}

/**
 * Port of cliFormatReply(): pick the formatter for `mode`; `verbatim` forces
 * raw output without the trailing command delimiter (INFO and friends).
 */
export function formatReply(r: Reply, mode: OutputMode, verbatim: boolean, mbDelim: Buffer, cmdDelim: Buffer): Buffer {
  if (verbatim) return formatRaw(r, mbDelim);
  switch (mode) {
    case 'standard':
      return formatTTY(r, '');
    case 'raw':
      return Buffer.concat([formatRaw(r, mbDelim), cmdDelim]);
    case 'csv':
      return Buffer.concat([formatCSV(r), latin1('\n')]);
    default:
      return Buffer.concat([formatJSON(r, mode), latin1('\n')]);
  }
}

/** Port of cliFormatInvalidateTTY() for RESP3 client-tracking pushes. */
export function formatInvalidateTTY(r: Reply): Buffer {
  const parts: Buffer[] = [latin1('-> invalidate: ')];
  if (r.type === 'push') {
    const keys = r.elements[1];
    if (keys !== undefined && (keys.type === 'array' || keys.type === 'set')) {
      keys.elements.forEach((k, i) => {
        if (k.type === 'string') parts.push(latin1("'"), cstr(k.str), latin1("'"));
        if (i < keys.elements.length - 1) parts.push(latin1(', '));
      });
    }
  }
  parts.push(latin1('\n'));
  return Buffer.concat(parts);
}
