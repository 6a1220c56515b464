/**
 * `nestjs-stomp/testing`: an in-process STOMP broker and helpers for development and tests.
 * Not for production.
 */
export * from './broker-errors';
export * from './embedded-broker';
export * from './stomp-testing.module';
export * from './wait-for-message';
