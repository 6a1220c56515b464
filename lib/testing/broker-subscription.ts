import type { AckMode } from '../engine';
import type { SubscriptionSource } from './destinations';
import type { MessageQueue, QueueConsumer, StoredMessage } from './message-queue';

/** What a subscription needs from the connection it belongs to. */
export interface SubscriptionOwner {
  /** Whether the connection takes more frames now (connected, socket not backed up). */
  readonly accepting: boolean;
  /** Writes the MESSAGE frame; returns its ack id. */
  deliver(subscription: BrokerSubscription, message: StoredMessage): string;
}

/**
 * One SUBSCRIBE on the embedded broker: a consumer of its queue with an ack mode and a prefetch
 * window (most unsettled messages at once; 0 for no limit). Messages of `auto` subscriptions count
 * as acknowledged once written; the others stay unsettled until ACK or NACK.
 */
export class BrokerSubscription implements QueueConsumer {
  /** Delivered and not settled yet, by ack id, in delivery order (a cumulative ACK walks it). */
  private readonly unsettled = new Map<string, StoredMessage>();

  constructor(
    readonly id: string,
    readonly destination: string,
    readonly ack: AckMode,
    readonly prefetch: number,
    private readonly source: SubscriptionSource,
    private readonly owner: SubscriptionOwner,
  ) {}

  /** The queue it consumes: shared for a queue, its own for a topic. */
  get queue(): MessageQueue {
    return this.source.queue;
  }

  /** Room for one more: the connection takes frames, and the prefetch window is not full. */
  canTake(): boolean {
    if (!this.owner.accepting) return false;
    return this.ack === 'auto' || this.prefetch === 0 || this.unsettled.size < this.prefetch;
  }

  /** Delivers one message; client-acked ones stay unsettled until ACK or NACK. */
  take(message: StoredMessage): void {
    const ackId = this.owner.deliver(this, message);
    if (this.ack !== 'auto') this.unsettled.set(ackId, message);
  }

  /** Whether `ackId` is a message of this subscription still waiting for ACK or NACK. */
  has(ackId: string): boolean {
    return this.unsettled.has(ackId);
  }

  /**
   * Settles `ackId` and, in `client` mode, every message delivered before it (STOMP's cumulative
   * ack). Returns the settled messages by ack id; the queue may hand out more now.
   */
  settle(ackId: string): Map<string, StoredMessage> {
    const settled = new Map<string, StoredMessage>();
    if (this.ack === 'client') {
      for (const [id, message] of this.unsettled) {
        settled.set(id, message);
        this.unsettled.delete(id);
        if (id === ackId) break;
      }
    } else {
      const message = this.unsettled.get(ackId);
      if (message !== undefined) settled.set(ackId, message);
      this.unsettled.delete(ackId);
    }
    this.queue.schedule();
    return settled;
  }

  /** Ends the subscription: unsettled messages go back to the queue, redelivered. Returns their ack ids. */
  close(): string[] {
    this.queue.removeConsumer(this);
    const ids = [...this.unsettled.keys()];
    this.queue.requeue(this.unsettled.values());
    this.unsettled.clear();
    this.source.release();
    return ids;
  }
}
