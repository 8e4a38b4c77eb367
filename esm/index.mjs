// ESM entry of the package: `import { createServer, connect } from 'tredis'`.
// The implementation is the CommonJS build (dist/src/index.js); this re-exports it by name.
import cjs from '../dist/src/index.js';

export const { createServer, connect, ReplyError, Server, optionsToDirectives, tredisVersion } = cjs;
export default cjs;
