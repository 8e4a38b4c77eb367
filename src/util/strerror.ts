/**
 * C's strerror(3) (glibc, Linux) and getaddrinfo's gai_strerror(3) texts for
 * Node's error codes: Redis and hiredis print these in logs, replies and
 * redis-cli messages ("Connection refused", "No such file or directory").
 * No project imports here.
 */

const STRERROR: Readonly<Record<string, string>> = {
  // file system
  ENOSPC: 'No space left on device',
  EIO: 'Input/output error',
  EBADF: 'Bad file descriptor',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EROFS: 'Read-only file system',
  EDQUOT: 'Disk quota exceeded',
  EFBIG: 'File too large',
  EEXIST: 'File exists',
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
  EINVAL: 'Invalid argument',
  ENOTEMPTY: 'Directory not empty',
  EXDEV: 'Invalid cross-device link',
  ENAMETOOLONG: 'File name too long',
  // sockets
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  EPIPE: 'Broken pipe',
  ENOTSOCK: 'Socket operation on non-socket',
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  // name resolution (gai_strerror; Node reports EAI_NONAME as ENOTFOUND)
  ENOTFOUND: 'Name or service not known',
  EAI_NONAME: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
  EAI_FAIL: 'Non-recoverable failure in name resolution',
  EAI_NODATA: 'No address associated with hostname',
};

/** The strerror(3) / gai_strerror(3) text of a Node error by its `code`; Node's own message for codes not listed. */
export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && Object.hasOwn(STRERROR, code)) return STRERROR[code];
  return e instanceof Error ? e.message : String(e);
}
