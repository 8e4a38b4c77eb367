/**
 * Port of hiredis/Redis `sdssplitargs()`: splits a command line into
 * arguments with redis-cli's quoting rules (double quotes with \xHH, \n, \r,
 * \t, \b, \a escapes; single quotes with \' only). Works on raw bytes.
 */

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return c - 0x41 + 10;
}

/** C isspace(): space, \t, \n, \v, \f, \r. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * Split `line` into arguments. Returns null on unbalanced quotes or a closing
 * quote not followed by a space (redis-cli prints "Invalid argument(s)").
 * Like the C version, a NUL byte ends the line.
 */
export function splitArgs(line: Buffer): Buffer[] | null {
  const nul = line.indexOf(0);
  const input = nul >= 0 ? line.subarray(0, nul) : line;
  const n = input.length;
  const at = (i: number): number => (i < n ? input[i] : 0);
  const out: Buffer[] = [];
  let p = 0;
  for (;;) {
    while (p < n && isSpace(input[p])) p++;
    if (p >= n) return out;
    let inq = false;
    let insq = false;
    let done = false;
    const cur: number[] = [];
    while (!done) {
      const c = at(p);
      if (inq) {
        if (c === 0x5c && at(p + 1) === 0x78 && isHexDigit(at(p + 2)) && isHexDigit(at(p + 3))) {
          cur.push(hexValue(at(p + 2)) * 16 + hexValue(at(p + 3)));
          p += 3;
        } else if (c === 0x5c && at(p + 1) !== 0) {
          p++;
          const e = at(p);
          switch (e) {
            case 0x6e:
              cur.push(0x0a);
              break;
            case 0x72:
              cur.push(0x0d);
              break;
            case 0x74:
              cur.push(0x09);
              break;
            case 0x62:
              cur.push(0x08);
              break;
            case 0x61:
              cur.push(0x07);
              break;
            default:
              cur.push(e);
              break;
          }
        } else if (c === 0x22) {
          if (at(p + 1) !== 0 && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (c === 0) {
          return null;
        } else {
          cur.push(c);
        }
      } else if (insq) {
        if (c === 0x5c && at(p + 1) === 0x27) {
          p++;
          cur.push(0x27);
        } else if (c === 0x27) {
          if (at(p + 1) !== 0 && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (c === 0) {
          return null;
        } else {
          cur.push(c);
        }
      } else {
        switch (c) {
          case 0x20:
          case 0x0a:
          case 0x0d:
          case 0x09:
          case 0x00:
            done = true;
            break;
          case 0x22:
            inq = true;
            break;
          case 0x27:
            insq = true;
            break;
          default:
            cur.push(c);
            break;
        }
      }
      if (p < n) p++;
    }
    out.push(Buffer.from(cur));
  }
}
