/**
 * Measured prototypes of changes proposed for files this suite does not own (lib/engine/connection.ts,
 * lib/nest/**), applied by patching prototypes in a benchmark child only when BENCH_EXPERIMENT names
 * them (comma-separated). bench/RESULTS.md ("proposed") reports what each gained; the library is
 * unchanged by them.
 *   batch-writes   StompConnection.writeRaw: frames written in one tick are joined into one Buffer and
 *                  written once at the end of the tick, instead of cork() + one socket.write per frame
 *                  + uncork() in a nextTick.
 *   json-fast-path decodePayload (lib/nest/payload.ts): a content-type exactly 'application/json' is
 *                  parsed without splitting, trimming and lower-casing its parameters.
 */
import type { Socket } from 'node:net';
import { StompConnection } from '../../lib/engine/connection';

export const experiments = new Set((process.env.BENCH_EXPERIMENT ?? '').split(',').filter(Boolean));

interface Batching {
  socket: Socket | null;
  lastWrite: number;
  benchPending?: Buffer[];
  benchPendingBytes?: number;
  benchFlushing?: boolean;
  benchOwesDrain?: boolean;
}

if (experiments.has('batch-writes')) {
  (StompConnection.prototype as unknown as { writeRaw: (this: Batching, chunks: Buffer[]) => boolean }).writeRaw = function (chunks) {
    const socket = this.socket!;
    if (this.benchPending === undefined) {
      this.benchPending = [];
      this.benchPendingBytes = 0;
    }
    for (const chunk of chunks) {
      this.benchPending.push(chunk);
      this.benchPendingBytes! += chunk.length;
    }
    if (!this.benchFlushing) {
      this.benchFlushing = true;
      process.nextTick(() => {
        this.benchFlushing = false;
        const pending = this.benchPending!;
        const bytes = this.benchPendingBytes!;
        this.benchPending = [];
        this.benchPendingBytes = 0;
        if (socket.destroyed) return;
        const owed = this.benchOwesDrain;
        this.benchOwesDrain = false;
        const flowing = socket.write(pending.length === 1 ? pending[0] : Buffer.concat(pending, bytes));
        // a caller was told to wait for 'drain'; the socket only emits it when this write filled it
        if (owed && flowing) socket.emit('drain');
      });
    }
    this.lastWrite = performance.now();
    const flowing = socket.writableLength + this.benchPendingBytes! < socket.writableHighWaterMark;
    if (!flowing) this.benchOwesDrain = true;
    return flowing;
  };
}

if (experiments.has('json-fast-path')) {
  // Before lib/nest/server-stomp.ts loads (this module is imported ahead of it): its require('./payload')
  // then gets this object, whose decodePayload has the fast path.
  const file = require.resolve('../../lib/nest/payload');
  const original = require(file) as { decodePayload: (frame: import('../../lib/engine/frame').Frame) => unknown };
  const decodePayload = (frame: import('../../lib/engine/frame').Frame): unknown => {
    if (frame.header('content-type') !== 'application/json') return original.decodePayload(frame);
    const text = frame.body.toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  require.cache[file]!.exports = { ...original, decodePayload };
}
