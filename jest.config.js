/**
 * One jest config for both Nest majors: .ts and the ESM-only Nest 12 packages go through @swc/jest,
 * so a CommonJS test run loads them. NEST_MAJOR=11 maps @nestjs/* to the second install in
 * test/nest11 (rxjs and reflect-metadata stay the root's, so both sides share one copy).
 */
const path = require('node:path');

const nest11 = process.env.NEST_MAJOR === '11';
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!@nestjs/)'],
  moduleNameMapper: {
    '^nestjs-stomp$': '<rootDir>/lib/index.ts',
    '^nestjs-stomp/(.*)$': '<rootDir>/lib/$1/index.ts',
    ...(nest11 ? { '^@nestjs/(common|core|microservices)(.*)$': path.join(__dirname, 'test/nest11/node_modules/@nestjs/$1$2') } : {}),
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  testTimeout: 30000,
};
