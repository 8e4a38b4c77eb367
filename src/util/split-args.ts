/**
 * Redis's `sdssplitargs()` (sds.c), used for inline commands, redis.conf and
 * AOF manifest lines, and redis-cli input. Works on latin1 strings (one char
 * per byte), so it is binary safe. No project imports here.
 */

/** C isspace(): space, \t, \n, \v, \f, \r. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function hexValue(c: number): number {
  if (c <= 57) return c - 48;
  return (c | 32) - 87;
}

/**
 * Split `line` like sdssplitargs: blank-separated words, "double quotes" with
 * \xHH \n \r \t \b \a escapes (any other escaped char stands for itself),
 * 'single quotes' with \' only. Returns null on unbalanced quotes or a closing
 * quote not followed by a blank. As in C, a NUL byte ends the line, and an
 * unquoted word ends only at a space, \t, \n or \r (\v and \f belong to it).
 */
export function splitArgs(line: string): string[] | null {
  const nul = line.indexOf('\0');
  const n = nul >= 0 ? nul : line.length;
  // the char code at i, 0 past the end (C's terminating NUL)
  const at = (i: number): number => (i < n ? line.charCodeAt(i) : 0);
  const out: string[] = [];
  let p = 0;
  for (;;) {
    while (p < n && isSpace(line.charCodeAt(p))) p++;
    if (p >= n) return out;
    let inq = false;
    let insq = false;
    let done = false;
    let cur = '';
    while (!done) {
      const c = at(p);
      if (inq) {
        if (c === 92 /* \ */ && at(p + 1) === 120 /* x */ && isHexDigit(at(p + 2)) && isHexDigit(at(p + 3))) {
          cur += String.fromCharCode(hexValue(at(p + 2)) * 16 + hexValue(at(p + 3)));
          p += 3;
        } else if (c === 92 && at(p + 1) !== 0) {
          p++;
          const e = at(p);
          cur +=
            e === 110 /* n */ ? '\n' : e === 114 /* r */ ? '\r' : e === 116 /* t */ ? '\t' : e === 98 /* b */ ? '\b' : e === 97 /* a */ ? '\x07' : line[p];
        } else if (c === 34 /* " */) {
          // closing quote must be followed by a space or nothing at all
          if (at(p + 1) !== 0 && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (c === 0) {
          return null; // unterminated quotes
        } else {
          cur += line[p];
        }
      } else if (insq) {
        if (c === 92 && at(p + 1) === 39 /* ' */) {
          p++;
          cur += "'";
        } else if (c === 39) {
          if (at(p + 1) !== 0 && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (c === 0) {
          return null;
        } else {
          cur += line[p];
        }
      } else if (c === 32 || c === 10 || c === 13 || c === 9 || c === 0) {
        done = true;
      } else if (c === 34) {
        inq = true;
      } else if (c === 39) {
        insq = true;
      } else {
        cur += line[p];
      }
      if (p < n) p++;
    }
    out.push(cur);
  }
}
