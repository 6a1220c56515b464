import { StompErrorCode, StompUsageError, type AckMode, type Frame, type StompConnection } from '../engine';

/**
 * What the transport should do with a message once its handler finished: ACK or NACK it, nothing
 * (`settled` by the handler), or nothing because it is `left` unacknowledged for redelivery.
 */
export type Outcome = 'ack' | 'nack' | 'settled' | 'left';

/** How one subscription is consumed. */
export interface WorkerSettings {
  ack: AckMode;
  /** The handler settles every message itself; the transport never does. */
  manualAck: boolean;
  /** Handlers running at once. */
  concurrency: number;
}

/** A MESSAGE and the session (its CONNECTED frame) it arrived in. */
interface Delivery {
  frame: Frame;
  session: Frame | null;
}

interface InFlight extends Delivery {
  outcome?: Outcome;
}

/**
 * Runs a subscription's handler on its messages, at most `concurrency` at a time, and settles each
 * one when its handler finished. With cumulative `client` ack, settlement follows arrival order, so
 * an ACK never covers a message whose handler is still running.
 */
export class SubscriptionWorker {
  private running = 0;
  private readonly backlog: Delivery[] = [];
  /** Arrival order of unsettled messages, for cumulative ack. */
  private readonly inOrder: InFlight[] = [];
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  /**
   * With cumulative ack, the session (its CONNECTED frame) in which a message was left unacknowledged:
   * any later ACK would cover it too, so none is sent until that session ends and the broker
   * redelivers the lot.
   */
  private leftIn: Frame | null = null;
  /** The cumulative settling pass under way: passes run one at a time (see {@link settleFinished}). */
  private settling: Promise<void> = Promise.resolve();

  constructor(
    private readonly connection: StompConnection,
    private readonly settings: WorkerSettings,
    private readonly run: (frame: Frame) => Promise<Outcome>,
    private readonly onSettleError: (error: unknown, frame: Frame) => void,
  ) {}

  /** Takes a MESSAGE of this subscription. */
  deliver(frame: Frame): void {
    if (this.stopped && this.settings.ack !== 'auto') return;
    const delivery: Delivery = { frame, session: this.connection.connected };
    if (this.running < this.settings.concurrency) void this.start(delivery);
    else this.backlog.push(delivery);
  }

  /**
   * Stops starting handlers on client-ack messages, which stay unacknowledged for the broker to
   * redeliver. With ack `auto` the broker counts a message as consumed once sent: those already
   * here, and any that arrive until the UNSUBSCRIBE, are still handled, or they would be lost.
   */
  stop(): void {
    this.stopped = true;
    if (this.settings.ack !== 'auto') this.backlog.length = 0;
  }

  /** Drops the messages still waiting for a handler (at close, once the wait ran out); returns how many. */
  abandon(): number {
    return this.backlog.splice(0).length;
  }

  /** Resolves once no handler runs and none waits to. */
  /** No handler runs now. */
  get isIdle(): boolean {
    return this.running === 0;
  }

  idle(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get ackMode(): AckMode {
    return this.settings.ack;
  }

  private async start(delivery: Delivery): Promise<void> {
    this.running += 1;
    // A client-ack message that waited here across a reconnect is the broker's again (it redelivers
    // it): handled here as well, it would be handled twice.
    if (this.settings.ack === 'auto' || delivery.session === this.connection.connected) await this.handle(delivery);
    this.running -= 1;
    const next = this.backlog.shift();
    if (next !== undefined) void this.start(next);
    else if (this.running === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
  }

  private async handle(delivery: Delivery): Promise<void> {
    const entry: InFlight = { ...delivery };
    const { ack, manualAck } = this.settings;
    if (ack === 'client' && !manualAck) this.inOrder.push(entry);
    try {
      entry.outcome = await this.run(entry.frame);
    } catch {
      entry.outcome = 'nack';
    }
    // Nothing to settle for auto and manual acks: no extra turn of the microtask queue per message.
    if (ack === 'auto' || manualAck) return;
    if (ack === 'client-individual') return this.send(entry.outcome, entry.frame);
    // Passes interleaving at their awaits would let one's ACK cover a message another is about to NACK or leave.
    this.settling = this.settling.then(() => this.settleFinished());
    await this.settling;
  }

  /**
   * Cumulative ack: settles the finished prefix of arrival order. An ACK of the last success covers
   * the run before it; a failure is NACKed on its own once everything before it is acknowledged.
   */
  private async settleFinished(): Promise<void> {
    const session = this.connection.connected;
    if (this.leftIn !== session) this.leftIn = null;
    let lastSuccess: Frame | undefined;
    while (this.inOrder.length > 0 && this.inOrder[0].outcome !== undefined) {
      const head = this.inOrder.shift()!;
      // A message of an earlier session is redelivered by the broker whatever happens here, and a
      // barrier of this session holds back every ACK.
      if (head.session !== session || this.leftIn !== null) continue;
      if (head.outcome === 'ack') {
        lastSuccess = head.frame;
      } else if (head.outcome === 'left' || (head.outcome === 'nack' && this.connection.version === '1.0')) {
        if (lastSuccess) await this.send('ack', lastSuccess);
        lastSuccess = undefined;
        this.leftIn = session;
        this.onSettleError(new StompUsageError(LEFT_UNDER_CUMULATIVE_ACK, StompErrorCode.InvalidState), head.frame);
      } else if (head.outcome === 'nack') {
        if (lastSuccess) await this.send('ack', lastSuccess);
        lastSuccess = undefined;
        await this.send('nack', head.frame);
      }
    }
    if (lastSuccess) await this.send('ack', lastSuccess);
  }

  private async send(outcome: Outcome, frame: Frame): Promise<void> {
    if (outcome === 'settled' || outcome === 'left') return;
    try {
      if (outcome === 'ack') await this.connection.ack(frame);
      else if (this.connection.version === '1.0') return; // no NACK in 1.0: left unacked, the broker redelivers after reconnect
      else await this.connection.nack(frame);
    } catch (error) {
      this.onSettleError(error, frame);
    }
  }
}

const LEFT_UNDER_CUMULATIVE_ACK =
  'it is left unacknowledged (no NACK on STOMP 1.0, or onFailure: leave) under cumulative client ack, where any later ACK would ' +
  'acknowledge it too: no later message of this subscription is acknowledged until the connection ends and the broker redelivers them';
