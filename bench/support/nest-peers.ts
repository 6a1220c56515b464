/**
 * Lets @nestjs/microservices (root node_modules) find the peers only bench/node_modules has
 * (amqplib, amqp-connection-manager for the RMQ transport): a CommonJS resolution patch for its
 * require() and an ESM resolve hook for its import(). Call before the transport is created.
 */
import Module, { register } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR } from './child';

const PEERS = new Set(['amqplib', 'amqp-connection-manager']);

export function resolvePeersFromBench(): void {
  const mod = Module as unknown as { _resolveFilename: (request: string, parent: unknown, isMain: boolean, options?: object) => string };
  const original = mod._resolveFilename;
  mod._resolveFilename = function (request: string, parent: unknown, isMain: boolean, options?: object): string {
    if (PEERS.has(request)) return original.call(this, request, parent, isMain, { paths: [BENCH_DIR] });
    return original.call(this, request, parent, isMain, options);
  };
  register(pathToFileURL(path.join(__dirname, 'peer-resolve.mjs')).href, { data: { benchUrl: pathToFileURL(path.join(BENCH_DIR, 'package.json')).href } });
}
