import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StompError, StompErrorCode } from './errors';

/**
 * The version of the nestjs-stomp package, read at run time from its package.json, which is
 * published: it sits two levels above this module both in a checkout (lib/engine) and in the
 * installed package (dist/engine). `moduleDir` is for tests.
 * @internal
 * @throws {StompError} when package.json cannot be read or has no version (a broken install).
 */
export function packageVersion(moduleDir: string = __dirname): string {
  const file = join(moduleDir, '..', '..', 'package.json');
  let version: unknown;
  try {
    version = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
  } catch (error) {
    throw new StompError(`cannot read the version of nestjs-stomp from ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, StompErrorCode.InvalidState, { cause: error });
  }
  if (typeof version !== 'string') throw new StompError(`cannot read the version of nestjs-stomp from ${file}: it has none`, StompErrorCode.InvalidState);
  return version;
}
