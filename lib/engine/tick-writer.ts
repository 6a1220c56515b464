import type { Socket } from 'node:net';

/**
 * Writes encoded frames to a socket: the first frame of a tick at once, and any later frames of the
 * same tick corked until its end, so a burst leaves in few segments while a lone request or reply
 * is not held behind the microtasks that follow it (corking it too cost each RPC hop 40–50 µs:
 * bench/RESULTS.md). A sender that met back-pressure is streaming, so after it the first frame of a
 * tick is corked as well. Remembers when it last wrote, for heart-beats. Shared by the client
 * connection and the embedded broker's sessions.
 * @internal
 */
export class TickWriter {
  /** `performance.now()` of the first write of the last tick that wrote. */
  lastWriteAt = performance.now();
  /** Whether a frame was written in the current tick. */
  private inTick = false;
  /** Whether the last write met back-pressure (the socket asked to wait for 'drain'). */
  private pressed = false;
  /** The socket corked for the rest of the tick, if any. */
  private corked: Socket | null = null;
  private readonly endTick = (): void => {
    this.inTick = false;
    const socket = this.corked;
    this.corked = null;
    socket?.uncork();
  };

  /**
   * Runs `dispatch` (the handling of one read) with `socket` corked, so the frames it writes (say,
   * an ACK per message of the read) leave together: a read of six 10 KB messages used to cost two
   * writes of ACKs, now one.
   */
  batch(socket: Socket, dispatch: () => void): void {
    socket.cork();
    try {
      dispatch();
    } finally {
      socket.uncork();
    }
  }

  /** Writes `chunks` (one frame) in order; returns false when the socket asks to wait for 'drain'. */
  write(socket: Socket, chunks: readonly Buffer[]): boolean {
    const first = !this.inTick;
    if (first) {
      this.inTick = true;
      // One clock read a tick, not a frame (~60 ns of every message of a burst): a heart-beat needs
      // no finer time, and a long tick only makes the next heart-beat come early, which is harmless.
      this.lastWriteAt = performance.now();
      process.nextTick(this.endTick);
    }
    if (this.corked === null && (!first || this.pressed)) {
      socket.cork();
      this.corked = socket;
    }
    // A frame in several buffers (a large body) still leaves in one writev.
    const single = chunks.length === 1;
    if (!single) socket.cork();
    let flowing = true;
    for (const chunk of chunks) flowing = socket.write(chunk);
    if (!single) socket.uncork();
    this.pressed = !flowing;
    return flowing;
  }
}
