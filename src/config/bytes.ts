/**
 * Config values are byte strings (one char per byte, latin1), as everything
 * that arrives over RESP: CONFIG GET answers exactly the bytes that were set.
 * Where a value leaves the server as a name for the OS (a file path, a host)
 * or as text in a message, its bytes are decoded as UTF-8, as redis-server
 * passes them through unchanged to a UTF-8 system.
 */

/** Byte string -> JS text (UTF-8 decoded): for file paths, host names, messages. */
export function bytesToText(s: string): string {
  // pure ASCII is the same either way (the usual case): no copy
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, 'latin1').toString('utf8');
  return s;
}

/** JS text (command-line arguments, paths from the OS) -> byte string (its UTF-8 bytes). */
export function textToBytes(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, 'utf8').toString('latin1');
  return s;
}
