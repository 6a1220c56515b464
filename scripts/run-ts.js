const { transformFileSync } = require('@swc/core');
const Module = require('module');
require.extensions['.ts'] = function (module, filename) {
  const { code } = transformFileSync(filename, { jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' }, module: { type: 'commonjs' } });
  module._compile(code, filename);
};
require(require('path').resolve(process.argv[2]));
