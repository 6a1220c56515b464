import type { HeaderEntry } from '../engine';

/** A message held by the embedded broker: what a SEND carried, stamped with its arrival order. */
export interface StoredMessage {
  /** Broker-wide arrival order; a requeued message goes back to its place by it. */
  readonly seq: number;
  /** The destination a receiver sees in its MESSAGE frame. */
  readonly destination: string;
  /** The sender's own headers (content-type, reply-to, custom…), in wire order. */
  readonly headers: readonly HeaderEntry[];
  readonly body: Buffer;
  /** Whether it was delivered before and came back (NACK, UNSUBSCRIBE, disconnect). */
  readonly redelivered: boolean;
}

/** A subscription as a queue sees it. */
export interface QueueConsumer {
  /** Whether it may take one more message now (prefetch window, socket back-pressure). */
  canTake(): boolean;
  /** Hands it one message. */
  take(message: StoredMessage): void;
}

/**
 * Messages waiting for consumers, in arrival order, handed out round-robin among the consumers that
 * have room. Dispatch runs in a microtask rather than inside the frame that made room: frames that
 * arrived in one socket chunk (an ACK followed by UNSUBSCRIBE, say) are all applied before anything
 * is handed out, so a consumer that is leaving is not sent one more message.
 */
export class MessageQueue {
  private messages: StoredMessage[] = [];
  /** Index of the first waiting message: shifting a long array each time would be quadratic. */
  private head = 0;
  private readonly consumers: QueueConsumer[] = [];
  private cursor = 0;
  private scheduled = false;

  /** Messages waiting for a consumer. */
  get size(): number {
    return this.messages.length - this.head;
  }

  /** Whether any consumer is attached. */
  get hasConsumers(): boolean {
    return this.consumers.length > 0;
  }

  /** Adds a message at the end. */
  enqueue(message: StoredMessage): void {
    this.messages.push(message);
    this.schedule();
  }

  /**
   * Puts messages back where they arrived, marked redelivered, in one pass over the backlog: placing
   * them one by one walked the whole backlog for each (seconds for a disconnect that gave back
   * thousands of messages in front of a long queue).
   */
  requeue(messages: Iterable<StoredMessage>): void {
    const back = Array.from(messages, (m) => (m.redelivered ? m : { ...m, redelivered: true })).sort((a, b) => a.seq - b.seq);
    if (back.length === 0) return;
    const first = this.messages[this.head] as StoredMessage | undefined;
    if (first !== undefined && back[back.length - 1].seq > first.seq) {
      this.messages = merge(back, this.messages.slice(this.head));
      this.head = 0;
    } else if (this.head >= back.length) {
      // Usually they were all delivered before anything still waiting arrived: into the slots in front.
      this.head -= back.length;
      for (let i = 0; i < back.length; i++) this.messages[this.head + i] = back[i];
    } else {
      this.messages = back.concat(this.messages.slice(this.head));
      this.head = 0;
    }
    this.schedule();
  }

  /** Attaches a subscription; it takes its turn in the round-robin. */
  addConsumer(consumer: QueueConsumer): void {
    this.consumers.push(consumer);
    this.schedule();
  }

  /** Detaches a subscription; what it holds unsettled is its own to give back ({@link MessageQueue.requeue}). */
  removeConsumer(consumer: QueueConsumer): void {
    const index = this.consumers.indexOf(consumer);
    if (index < 0) return;
    this.consumers.splice(index, 1);
    if (this.cursor > index) this.cursor -= 1;
  }

  /** Dispatches in a microtask; any number of calls before it runs cost one pass. */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.head < this.messages.length) {
      const consumer = this.nextConsumer();
      if (consumer === undefined) break;
      const message = this.messages[this.head];
      this.head += 1;
      consumer.take(message);
    }
    if (this.head > 1024 && this.head * 2 > this.messages.length) this.compact();
  }

  /** The next consumer with room, round-robin from the one after the last served. */
  private nextConsumer(): QueueConsumer | undefined {
    const count = this.consumers.length;
    for (let i = 0; i < count; i++) {
      const index = (this.cursor + i) % count;
      const consumer = this.consumers[index];
      if (consumer.canTake()) {
        this.cursor = (index + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }

  private compact(): void {
    if (this.head === 0) return;
    this.messages = this.messages.slice(this.head);
    this.head = 0;
  }
}

/** Two lists in arrival order as one. */
function merge(a: readonly StoredMessage[], b: readonly StoredMessage[]): StoredMessage[] {
  const out: StoredMessage[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(a[i].seq < b[j].seq ? a[i++] : b[j++]);
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}
