#!/usr/bin/env node
'use strict';
/**
 * The `nestjs-stomp` command. The published package runs its build, dist/cli/main.js. A checkout
 * of the repository (it has lib/ and scripts/, which are not published) runs the TypeScript source
 * through scripts/run-ts.js instead, so development and the tests never run a stale build.
 */
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const source = path.join(root, 'lib', 'cli', 'main.ts');
const runTs = path.join(root, 'scripts', 'run-ts.js');
const built = path.join(root, 'dist', 'cli', 'main.js');

function load() {
  if (existsSync(source) && existsSync(runTs)) {
    require(runTs).register();
    return require(source);
  }
  if (existsSync(built)) return require(built);
  process.stderr.write('nestjs-stomp: dist/cli/main.js is missing; run `npm run build` first\n');
  process.exit(1);
}

load().run(process.argv.slice(2));
