/** How {@link sendMany} confirms what it sent. */
export interface SendManyOptions {
  /** Messages to send. */
  readonly count: number;
  /** Ask a receipt for every message (`true`) or only for every {@link RECEIPT_EVERY}-th and the last. */
  readonly receiptEach: boolean;
  /** Called as the broker confirms messages, with how many it has confirmed so far. */
  readonly onConfirmed?: (confirmed: number) => void;
}

/** Without `receiptEach`, one message in this many carries a receipt. */
export const RECEIPT_EVERY = 500;
/**
 * Messages sent but not yet confirmed before sending waits: the broker, not the socket buffer,
 * sets the pace, and a failure stops the run early.
 */
const UNCONFIRMED_MAX = 5000;
/** With a receipt on every message, receipts awaited at once. */
const RECEIPTS_IN_FLIGHT = 100;

/**
 * Sends `count` messages through `send(index, receipt)`, pipelined: a message without a receipt is
 * awaited only until the socket takes it (back-pressure); receipts are awaited a window at a time.
 * The last message always carries a receipt and a broker handles a connection's frames in order,
 * so when this resolves the broker has every message: the count reported is true.
 * @throws the first failure of any send.
 */
export async function sendMany(options: SendManyOptions, send: (index: number, receipt: boolean) => Promise<void>): Promise<void> {
  const window = options.receiptEach ? RECEIPTS_IN_FLIGHT : Math.ceil(UNCONFIRMED_MAX / RECEIPT_EVERY);
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let confirmed = 0;
  for (let index = 0; index < options.count; index++) {
    const receipt = options.receiptEach || index === options.count - 1 || (index + 1) % RECEIPT_EVERY === 0;
    const sent = send(index, receipt);
    if (!receipt) {
      await sent;
      continue;
    }
    const tracked: Promise<void> = sent.then(
      () => {
        inFlight.delete(tracked);
        // Receipts come back in order, but a callback may run late: never report going backwards.
        confirmed = Math.max(confirmed, index + 1);
        options.onConfirmed?.(confirmed);
      },
      (error: unknown) => {
        inFlight.delete(tracked);
        failure ??= { error };
      },
    );
    inFlight.add(tracked);
    if (inFlight.size >= window) await Promise.race(inFlight);
    if (failure) throw failure.error;
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
}
