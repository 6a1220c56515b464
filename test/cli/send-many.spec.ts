import { RECEIPT_EVERY, sendMany } from '../../lib/cli/send-many';

/** A fake `send`: records which messages asked for a receipt; receipts resolve when the test says. */
function fakeBroker() {
  const receipts: Array<{ index: number; settle: (error?: Error) => void }> = [];
  const asked: number[] = [];
  const send = (index: number, receipt: boolean): Promise<void> => {
    if (!receipt) return Promise.resolve();
    asked.push(index);
    return new Promise<void>((resolve, reject) => receipts.push({ index, settle: (error) => (error ? reject(error) : resolve()) }));
  };
  return { receipts, asked, send };
}

/** Lets pending promise callbacks run. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('sendMany', () => {
  it('asks a receipt for every RECEIPT_EVERY-th and the last message, and resolves only once all are confirmed', async () => {
    const broker = fakeBroker();
    const confirmed: number[] = [];
    let done = false;
    const run = sendMany({ count: RECEIPT_EVERY * 2 + 3, receiptEach: false, onConfirmed: (n) => confirmed.push(n) }, broker.send).then(() => (done = true));
    await tick();
    expect(broker.asked).toEqual([RECEIPT_EVERY - 1, RECEIPT_EVERY * 2 - 1, RECEIPT_EVERY * 2 + 2]);
    broker.receipts[0]!.settle();
    broker.receipts[1]!.settle();
    await tick();
    expect(done).toBe(false);
    broker.receipts[2]!.settle();
    await run;
    expect(confirmed).toEqual([RECEIPT_EVERY, RECEIPT_EVERY * 2, RECEIPT_EVERY * 2 + 3]);
  });

  it('with receiptEach, waits when 100 receipts are outstanding', async () => {
    const broker = fakeBroker();
    let finished = false;
    const run = sendMany({ count: 150, receiptEach: true }, broker.send).then(() => (finished = true));
    await tick();
    expect(broker.asked).toHaveLength(100);
    broker.receipts[0]!.settle();
    await tick();
    expect(broker.asked).toHaveLength(101);
    // From here on the broker confirms whatever it has.
    while (!finished) {
      for (const receipt of broker.receipts) receipt.settle();
      await tick();
    }
    expect(broker.asked).toHaveLength(150);
    await run;
  });

  it('stops at the first failed receipt and rejects with it', async () => {
    const broker = fakeBroker();
    const run = sendMany({ count: 10, receiptEach: true }, broker.send);
    await tick();
    broker.receipts[3]!.settle(new Error('RECEIPT rcpt-4 for SEND timed out after 10 ms'));
    for (const receipt of broker.receipts) receipt.settle();
    await expect(run).rejects.toThrow('rcpt-4');
  });
});
