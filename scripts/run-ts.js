#!/usr/bin/env node
/**
 * Runs a TypeScript entry point without a build step: .ts files are compiled by @swc/core as they
 * load (decorators and their metadata included), and `nestjs-stomp` (and `nestjs-stomp/testing`…)
 * resolve to this checkout's lib/.
 * Usage: node scripts/run-ts.js path/to/main.ts [args…]
 * Or, from another script of this checkout: require('./run-ts.js').register(), then require .ts files.
 */
const Module = require('node:module');
const path = require('node:path');

const LIB = path.join(__dirname, '..', 'lib');
const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

let registered = false;

/** `nestjs-stomp` and its subpaths (`nestjs-stomp/testing`…) as this checkout's lib/ sources. */
function aliased(request) {
  if (request === 'nestjs-stomp') return path.join(LIB, 'index.ts');
  if (request.startsWith('nestjs-stomp/')) return path.join(LIB, request.slice('nestjs-stomp/'.length), 'index.ts');
  return request;
}

/** Installs the .ts loader and the `nestjs-stomp` alias in this process; calling it again does nothing. */
function register() {
  if (registered) return;
  registered = true;
  const { transformSync } = require('@swc/core');
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return resolve.call(this, aliased(request), ...rest);
  };
  require.extensions['.ts'] = function (module, filename) {
    const source = require('node:fs').readFileSync(filename, 'utf8');
    module._compile(transformSync(source, { ...options, filename }).code, filename);
  };
}

module.exports = { register };

if (require.main === module) {
  const entry = process.argv[2];
  if (!entry) {
    process.stderr.write('usage: node scripts/run-ts.js <file.ts> [args…]\n');
    process.exit(2);
  }
  register();
  process.argv.splice(1, 1);
  require(path.resolve(entry));
}
