import type { AckMode } from './connection';
import { StompErrorCode, StompUsageError } from './errors';

/**
 * The subscription a message came from, as it stood then; shared by all its messages, so tracking one
 * allocates nothing. A `client` subscription settles cumulatively: settling a message settles every
 * earlier one of the subscription.
 */
export interface AckingSubscription {
  readonly id: string;
  readonly ack: AckMode;
}

/**
 * Which received messages still await ACK or NACK, and which were settled inside each open
 * transaction: a stale or repeated ack is refused before it reaches the broker (which would close
 * the connection for it), and an ABORT makes what it settled unsettled again.
 */
export class SettlementTracker {
  /** By ack id, in arrival order (cumulative settling walks it). */
  private readonly unsettled = new Map<string, AckingSubscription>();
  private readonly transactions = new Map<string, Array<[string, AckingSubscription]>>();

  /** A MESSAGE of a client or client-individual subscription arrived. */
  track(ackId: string, subscription: AckingSubscription): void {
    this.unsettled.set(ackId, subscription);
  }

  /**
   * The subscription of an unsettled message.
   * @throws {StompUsageError} when the message is unknown or already settled.
   */
  ownerOf(ackId: string, command: string): string {
    const owner = this.unsettled.get(ackId);
    if (owner === undefined) {
      throw new StompUsageError(
        `${command}: message ${ackId} is unknown or already acknowledged (only messages of client and client-individual subscriptions, once each)`,
        StompErrorCode.InvalidState,
      );
    }
    return owner.id;
  }

  /** Settles `ackId` (and, cumulatively, the earlier messages of its subscription), inside `transaction` if given. */
  settle(ackId: string, transaction?: string): void {
    const owner = this.unsettled.get(ackId);
    if (owner === undefined) return;
    if (owner.ack !== 'client') {
      // The usual case, once per message: no list.
      this.unsettled.delete(ackId);
      if (transaction !== undefined) this.transactions.get(transaction)?.push([ackId, owner]);
      return;
    }
    const settled: Array<[string, AckingSubscription]> = [];
    for (const entry of this.unsettled) {
      if (entry[1].id !== owner.id) continue;
      settled.push(entry);
      if (entry[0] === ackId) break;
    }
    for (const [id] of settled) this.unsettled.delete(id);
    if (transaction !== undefined) this.transactions.get(transaction)?.push(...settled);
  }

  /** @throws {StompUsageError} when `id` is not an open transaction. */
  checkTransaction(id: string): void {
    if (!this.transactions.has(id)) throw new StompUsageError(`transaction ${JSON.stringify(id)} is not open on this connection`, StompErrorCode.InvalidState);
  }

  /** @throws {StompUsageError} when `id` is already open. */
  checkNewTransaction(id: string): void {
    if (this.transactions.has(id)) throw new StompUsageError(`transaction ${id} is already open`, StompErrorCode.InvalidState);
  }

  openTransaction(id: string): void {
    this.transactions.set(id, []);
  }

  /** Ends a transaction; on abort, what it settled never happened and can be settled again. */
  closeTransaction(id: string, aborted: boolean): void {
    if (aborted) for (const [ackId, owner] of this.transactions.get(id) ?? []) this.unsettled.set(ackId, owner);
    this.transactions.delete(id);
  }

  /** The session ended: the broker redelivers what was unsettled and forgets open transactions. */
  clear(): void {
    this.unsettled.clear();
    this.transactions.clear();
  }
}
