import type { Socket } from 'node:net';

/**
 * Writes encoded frames to a socket corked until the end of the tick, so frames written together
 * leave in one segment (fewer syscalls, no Nagle-sized gaps), and remembers when it last wrote, for
 * heart-beats. Shared by the client connection and the embedded broker's sessions.
 * @internal
 */
export class TickWriter {
  /** `performance.now()` of the last write. */
  lastWriteAt = performance.now();
  private corked = false;

  /** Writes `chunks` in order; returns false when the socket asks to wait for 'drain'. */
  write(socket: Socket, chunks: readonly Buffer[]): boolean {
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    let flowing = true;
    for (const chunk of chunks) flowing = socket.write(chunk);
    this.lastWriteAt = performance.now();
    return flowing;
  }
}
