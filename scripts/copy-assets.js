#!/usr/bin/env node
// tsc copies no non-TS files: put the Lua VM build (lua51.js, wasm embedded) next to its loader in dist/
// so a packed or installed tredis has it (a repo checkout also finds it in src/ when only tsc ran).
const fs = require('node:fs');
const path = require('node:path');
const root = path.join(__dirname, '..');
const from = path.join(root, 'src', 'scripting', 'lua', 'lua51.js');
const to = path.join(root, 'dist', 'src', 'scripting', 'lua', 'lua51.js');
fs.mkdirSync(path.dirname(to), { recursive: true });
fs.copyFileSync(from, to);
