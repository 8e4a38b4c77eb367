/**
 * Small file-system helpers shared by the RDB and AOF code: directory fsync
 * (Redis's fsyncFileDir) and the log lines Redis's background child prints
 * with role `C`. strerror(3) texts are src/util/strerror.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Server } from '../server/server';

/** fsync the directory holding `file`, so a rename into it survives a crash (fsyncFileDir). */
export function fsyncFileDir(file: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(path.dirname(file), 'r');
    fs.fsyncSync(fd);
  } catch (e) {
    // some file systems refuse fsync on a directory; Redis ignores EBADF/EINVAL there too
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EBADF' && code !== 'EINVAL' && code !== 'EISDIR') throw e;
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** Log a line as Redis's background child would (role `C`). */
export function logAsChild(server: Server, level: 'notice' | 'warning', msg: string): void {
  const lg = server.logger;
  const role = lg.role;
  lg.role = () => 'C';
  try {
    lg[level](msg);
  } finally {
    lg.role = role;
  }
}

/** Remove a file, ignoring a missing one. */
export function unlinkQuiet(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    /* already gone */
  }
}

/** Close an fd, ignoring errors (the file may already be gone). */
export function closeQuiet(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    /* nothing to do */
  }
}

/** Write a whole buffer with write(2) retries on short writes (aofWrite). */
export function writeFully(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
}

/** Open `file` for writing; the error instead of a throw (a background save reports it when its job ends). */
export function openForWrite(file: string): { fd: number; error: unknown } {
  try {
    return { fd: fs.openSync(file, 'w'), error: null };
  } catch (e) {
    return { fd: -1, error: e };
  }
}
