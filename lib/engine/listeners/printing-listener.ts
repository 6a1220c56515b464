import type { StompError } from '../errors';
import type { Frame } from '../frame';
import type { ConnectionListener } from '../listener';

/**
 * Prints every event, as stomp.py's `PrintingListener`. Frames are shown by {@link Frame.toString},
 * which masks the passcode, so the output is safe for logs.
 */
export class PrintingListener implements ConnectionListener {
  constructor(
    /** Where lines go. @default console.log */
    private readonly print: (line: string) => void = console.log,
    /** Also print message bodies (first 200 bytes). @default false */
    private readonly printBodies = false,
  ) {}

  onConnecting(hostAndPort: readonly [string, number]): void {
    this.print(`on_connecting ${hostAndPort[0]} ${hostAndPort[1]}`);
  }
  onConnected(frame: Frame): void {
    this.print(`on_connected ${this.show(frame)}`);
  }
  onDisconnecting(): void {
    this.print('on_disconnecting');
  }
  onDisconnected(): void {
    this.print('on_disconnected');
  }
  onHeartbeatTimeout(): void {
    this.print('on_heartbeat_timeout');
  }
  onBeforeMessage(frame: Frame): void {
    this.print(`on_before_message ${this.show(frame)}`);
  }
  onMessage(frame: Frame): void {
    this.print(`on_message ${this.show(frame)}`);
  }
  onReceipt(frame: Frame): void {
    this.print(`on_receipt ${this.show(frame)}`);
  }
  onError(frame: Frame): void {
    this.print(`on_error ${this.show(frame)}`);
  }
  onDeliveryAfterUnsubscribe(subscriptionId: string, frame: Frame): void {
    this.print(`on_delivery_after_unsubscribe ${subscriptionId} ${this.show(frame)}`);
  }
  onSend(frame: Frame): void {
    this.print(`on_send ${this.show(frame)}`);
  }
  onHeartbeat(): void {
    this.print('on_heartbeat');
  }
  onReceiverLoopCompleted(): void {
    this.print('on_receiver_loop_completed');
  }
  onConnectionError(error: StompError): void {
    this.print(`on_connection_error ${error.code} ${error.message}`);
  }

  private show(frame: Frame): string {
    const text = frame.toString();
    return this.printBodies && frame.body.length > 0 ? `${text} ${JSON.stringify(frame.body.toString('utf8', 0, 200))}` : text;
  }
}
