/**
 * Redis's glob matcher (util.c stringmatchlen), byte for byte: `*`, `?`,
 * `[abc]`, `[^abc]`, `[a-z]` (ends swapped when reversed), `\x` escapes,
 * optional case folding (C locale: only A-Z). Used by KEYS, SCAN MATCH,
 * CONFIG GET and PUBSUB patterns.
 *
 * Quirks kept on purpose because clients see them: bytes are compared as C
 * `char` (signed on x86-64), so a range such as `[a-\xff]` really spans
 * -1..97; a `[` set without its `]` runs to the end of the pattern; a
 * trailing `-` right before `]` (`[a-]`) is a range ending at `]`; a lone
 * trailing `\` matches a backslash. Nesting of `*` backtracking is capped at
 * 1000 like Redis, and the "skip longer matches" pruning keeps patterns such
 * as `*a*a*a*a*b` linear instead of exponential.
 */

const STAR = 42; // *
const QMARK = 63; // ?
const LBRACKET = 91; // [
const RBRACKET = 93; // ]
const BACKSLASH = 92; // \
const CARET = 94; // ^
const DASH = 45; // -

/** C `tolower` in the C locale on a (possibly negative, signed-char) value. */
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** A byte read as C `char` on x86-64 (signed). */
function signedByte(c: number): number {
  return c >= 128 ? c - 256 : c;
}

/** Set when a `*` found no match for the rest of the pattern anywhere: earlier stars cannot do better. */
let skipLongerMatches = false;

function matchFrom(p: string, pi: number, s: string, si: number, nocase: boolean, nesting: number): boolean {
  if (nesting > 1000) return false;
  const pend = p.length;
  const send = s.length;
  while (pi < pend && si < send) {
    const pc = p.charCodeAt(pi);
    switch (pc) {
      case STAR: {
        while (pi + 1 < pend && p.charCodeAt(pi + 1) === STAR) pi++;
        if (pend - pi === 1) return true;
        while (si < send) {
          if (matchFrom(p, pi + 1, s, si, nocase, nesting + 1)) return true;
          if (skipLongerMatches) return false;
          si++;
        }
        skipLongerMatches = true;
        return false;
      }
      case QMARK:
        si++;
        break;
      case LBRACKET: {
        pi++;
        const not = pi < pend && p.charCodeAt(pi) === CARET;
        if (not) pi++;
        let match = false;
        const sc = s.charCodeAt(si);
        for (;;) {
          const left = pend - pi;
          const c0 = left > 0 ? p.charCodeAt(pi) : 0;
          if (c0 === BACKSLASH && left >= 2) {
            pi++;
            if (p.charCodeAt(pi) === sc) match = true;
          } else if (c0 === RBRACKET) {
            break;
          } else if (left === 0) {
            // unterminated set: step back so the common `pi++` below lands on the end
            pi--;
            break;
          } else if (left >= 3 && p.charCodeAt(pi + 1) === DASH) {
            let start = signedByte(c0);
            let end = signedByte(p.charCodeAt(pi + 2));
            let c = signedByte(sc);
            if (start > end) {
              const t = start;
              start = end;
              end = t;
            }
            if (nocase) {
              start = lower(start);
              end = lower(end);
              c = lower(c);
            }
            pi += 2;
            if (c >= start && c <= end) match = true;
          } else if (!nocase) {
            if (c0 === sc) match = true;
          } else if (lower(c0) === lower(sc)) {
            match = true;
          }
          pi++;
        }
        if (not) match = !match;
        if (!match) return false;
        si++;
        break;
      }
      default: {
        // `\x` compares the escaped byte literally (a trailing lone `\` is a literal backslash)
        if (pc === BACKSLASH && pend - pi >= 2) pi++;
        const lit = p.charCodeAt(pi);
        const sc = s.charCodeAt(si);
        if (nocase ? lower(lit) !== lower(sc) : lit !== sc) return false;
        si++;
        break;
      }
    }
    pi++;
    if (si === send) {
      while (pi < pend && p.charCodeAt(pi) === STAR) pi++;
      break;
    }
  }
  return pi === pend && si === send;
}

/**
 * Whether `str` matches the glob `pattern` exactly as Redis's
 * stringmatchlen() decides (both latin1 strings, i.e. bytes).
 */
export function stringMatch(pattern: string, str: string, nocase = false): boolean {
  skipLongerMatches = false;
  return matchFrom(pattern, 0, str, 0, nocase, 0);
}

/** True for the pattern Redis treats as "match everything" without running the matcher (`*`). */
export function isMatchAll(pattern: string): boolean {
  return pattern.length === 1 && pattern.charCodeAt(0) === STAR;
}
