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
 * Marks a message settled inside a transaction still open: it keeps its place in arrival order, so
 * an ABORT puts it back where it was and cumulative settling finds it before later messages again.
 */
const HELD: AckingSubscription = { id: '', ack: 'client' };

/**
 * Which received messages still await ACK or NACK, and which were settled inside each open
 * transaction: a stale or repeated ack is refused before it reaches the broker (which would close
 * the connection for it), and an ABORT makes what it settled unsettled again.
 */
export class SettlementTracker {
  /**
   * By ack id, in arrival order (cumulative settling walks it), every unsettled message but the
   * newest, and as {@link HELD} those settled inside a transaction still open. A handler that
   * settles each message before the next one arrives (the usual case) never touches the map: an
   * entry added and deleted per message made V8 shrink, grow and rehash the table every few
   * messages (~10 % of receiving with client-individual acks, bench/RESULTS.md).
   */
  private readonly unsettled = new Map<string, AckingSubscription>();
  /** The newest unsettled message, if any: its ack id and subscription, newer than all of the map. */
  private newestId: string | undefined;
  private newest: AckingSubscription | undefined;
  private readonly transactions = new Map<string, Array<[string, AckingSubscription]>>();

  /** A MESSAGE of a client or client-individual subscription arrived. */
  track(ackId: string, subscription: AckingSubscription): void {
    // Delivered again while still unsettled (after an ABORT, say): it stays one entry, where it was.
    if (ackId === this.newestId) {
      this.newest = subscription;
      return;
    }
    if (this.unsettled.size > 0 && this.unsettled.has(ackId)) {
      this.unsettled.set(ackId, subscription);
      return;
    }
    if (this.newest !== undefined) this.unsettled.set(this.newestId!, this.newest);
    this.newestId = ackId;
    this.newest = subscription;
  }

  /**
   * The subscription of an unsettled message.
   * @throws {StompUsageError} when the message is unknown or already settled.
   */
  ownerOf(ackId: string, command: string): AckingSubscription {
    const owner = this.find(ackId);
    if (owner === undefined) {
      throw new StompUsageError(
        `${command}: message ${ackId} is unknown or already acknowledged (only messages of client and client-individual subscriptions, once each)`,
        StompErrorCode.InvalidState,
      );
    }
    return owner;
  }

  /**
   * The unsettled messages that settling `ackId` (of a `client` subscription) settles, in arrival
   * order: the earlier ones of its subscription, then itself.
   */
  cumulative(ackId: string): Array<[string, AckingSubscription]> {
    const owner = this.find(ackId);
    if (owner === undefined) return [];
    const settled: Array<[string, AckingSubscription]> = [];
    const throughNewest = ackId === this.newestId;
    for (const entry of this.unsettled) {
      if (entry[1] === HELD || entry[1].id !== owner.id) continue;
      settled.push(entry);
      if (entry[0] === ackId) break;
    }
    if (throughNewest) settled.push([ackId, owner]);
    return settled;
  }

  /** Settles `ackId` (and, cumulatively, the earlier messages of its subscription), inside `transaction` if given. */
  settle(ackId: string, transaction?: string): void {
    const owner = this.find(ackId);
    if (owner === undefined) return;
    const held = transaction === undefined ? undefined : this.transactions.get(transaction);
    if (owner.ack !== 'client') {
      // The usual case, once per message: no list.
      if (held === undefined) this.forget(ackId);
      else this.hold(ackId, owner, held);
      return;
    }
    for (const [id, subscription] of this.cumulative(ackId)) {
      if (held === undefined) this.forget(id);
      else this.hold(id, subscription, held);
    }
  }

  private find(ackId: string): AckingSubscription | undefined {
    const owner = ackId === this.newestId ? this.newest : this.unsettled.get(ackId);
    return owner === HELD ? undefined : owner;
  }

  /** Settles `ackId` inside a transaction: it stays in the map, in its place, until the transaction ends. */
  private hold(ackId: string, owner: AckingSubscription, transaction: Array<[string, AckingSubscription]>): void {
    if (ackId === this.newestId) {
      // Newer than all of the map: appended, it keeps its place.
      this.newestId = undefined;
      this.newest = undefined;
    }
    this.unsettled.set(ackId, HELD);
    transaction.push([ackId, owner]);
  }

  private forget(ackId: string): void {
    if (ackId === this.newestId) {
      this.newestId = undefined;
      this.newest = undefined;
    } else {
      this.unsettled.delete(ackId);
    }
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

  /** Ends a transaction; on abort, what it settled never happened and can be settled again, in its place. */
  closeTransaction(id: string, aborted: boolean): void {
    for (const [ackId, owner] of this.transactions.get(id) ?? []) {
      // Setting a key the map holds keeps its position: arrival order stays intact.
      if (aborted) this.unsettled.set(ackId, owner);
      else this.unsettled.delete(ackId);
    }
    this.transactions.delete(id);
  }

  /** The session ended: the broker redelivers what was unsettled and forgets open transactions. */
  clear(): void {
    this.unsettled.clear();
    this.newestId = undefined;
    this.newest = undefined;
    this.transactions.clear();
  }
}
