import type { Socket } from 'node:net';

/**
 * Writes encoded frames to a socket: the first frame of a tick at once, and any later frames of the
 * same tick corked until its end, so a burst leaves in few segments while a lone request or reply
 * is not held behind the microtasks that follow it (corking it too cost each RPC hop 40–50 µs:
 * bench/RESULTS.md). Remembers when it last wrote, for heart-beats. Shared by the client connection
 * and the embedded broker's sessions.
 * @internal
 */
export class TickWriter {
  /** `performance.now()` of the last write. */
  lastWriteAt = performance.now();
  /** Whether a frame was written in the current tick. */
  private inTick = false;
  /** The socket corked for the rest of the tick, if any. */
  private corked: Socket | null = null;
  private readonly endTick = (): void => {
    this.inTick = false;
    const socket = this.corked;
    this.corked = null;
    socket?.uncork();
  };

  /** Writes `chunks` (one frame) in order; returns false when the socket asks to wait for 'drain'. */
  write(socket: Socket, chunks: readonly Buffer[]): boolean {
    if (!this.inTick) {
      this.inTick = true;
      process.nextTick(this.endTick);
    } else if (this.corked === null) {
      socket.cork();
      this.corked = socket;
    }
    // A frame in several buffers (a large body) still leaves in one writev.
    const single = chunks.length === 1;
    if (!single) socket.cork();
    let flowing = true;
    for (const chunk of chunks) flowing = socket.write(chunk);
    if (!single) socket.uncork();
    this.lastWriteAt = performance.now();
    return flowing;
  }
}
