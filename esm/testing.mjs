// ESM entry of `tredis/testing` (the CommonJS build is dist/src/testing.js).
import cjs from '../dist/src/testing.js';

export const { tredisPerSuite } = cjs;
export default cjs;
