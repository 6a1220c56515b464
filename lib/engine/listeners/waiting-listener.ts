import { StompTimeoutError } from '../errors';
import type { Frame } from '../frame';
import type { ConnectionListener } from '../listener';

/** Waits for one receipt and for the disconnect, as stomp.py's `WaitingListener`, with deadlines. */
export class WaitingListener implements ConnectionListener {
  private receiptArrived = false;
  private disconnected = false;
  private readonly waiters: Array<() => void> = [];

  constructor(
    /** The receipt id to wait for. */
    readonly receipt: string,
  ) {}

  onReceipt(frame: Frame): void {
    if (frame.header('receipt-id') === this.receipt) this.wake(() => (this.receiptArrived = true));
  }

  onDisconnected(): void {
    this.wake(() => (this.disconnected = true));
  }

  /** Resolves once the receipt arrived. @throws {StompTimeoutError} after `timeoutMs`. */
  waitOnReceipt(timeoutMs = 10_000): Promise<void> {
    return this.until(() => this.receiptArrived, `RECEIPT ${this.receipt}`, timeoutMs);
  }

  /** Resolves once the connection is closed. @throws {StompTimeoutError} after `timeoutMs`. */
  waitOnDisconnected(timeoutMs = 10_000): Promise<void> {
    return this.until(() => this.disconnected, 'disconnect', timeoutMs);
  }

  private wake(update: () => void): void {
    update();
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private until(done: () => boolean, what: string, timeoutMs: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new StompTimeoutError(what, timeoutMs)), timeoutMs);
      const check = (): void => {
        if (!done()) return void this.waiters.push(check);
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(check);
    });
  }
}
