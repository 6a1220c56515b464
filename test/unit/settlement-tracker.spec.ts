import { SettlementTracker, type AckingSubscription } from '../../lib/engine/settlement-tracker';

const sIndividual: AckingSubscription = { id: 's', ack: 'client-individual' };
const aClient: AckingSubscription = { id: 'a', ack: 'client' };
const bClient: AckingSubscription = { id: 'b', ack: 'client' };

describe('SettlementTracker', () => {
  it('settles one message of a client-individual subscription, and refuses it a second time', () => {
    const tracker = new SettlementTracker();
    tracker.track('m1', sIndividual);
    tracker.track('m2', sIndividual);
    expect(tracker.ownerOf('m2', 'ACK').id).toBe('s');
    tracker.settle('m2');
    expect(() => tracker.ownerOf('m2', 'ACK')).toThrow(expect.objectContaining({ code: 'STOMP_ERR_INVALID_STATE' }));
    expect(tracker.ownerOf('m1', 'ACK').id).toBe('s');
  });

  it('settles cumulatively for client subscriptions, only within the subscription', () => {
    const tracker = new SettlementTracker();
    tracker.track('a1', aClient);
    tracker.track('b1', bClient);
    tracker.track('a2', aClient);
    tracker.track('a3', aClient);
    tracker.settle('a2');
    expect(() => tracker.ownerOf('a1', 'ACK')).toThrow();
    expect(tracker.ownerOf('b1', 'ACK').id).toBe('b');
    expect(tracker.ownerOf('a3', 'ACK').id).toBe('a');
  });

  it('settles the newest message apart from the older ones, and cumulatively through it', () => {
    const tracker = new SettlementTracker();
    tracker.track('m1', sIndividual);
    tracker.track('m2', sIndividual);
    tracker.settle('m2');
    tracker.track('m3', sIndividual);
    expect(tracker.ownerOf('m1', 'ACK').id).toBe('s');
    expect(tracker.ownerOf('m3', 'ACK').id).toBe('s');
    expect(() => tracker.ownerOf('m2', 'ACK')).toThrow();

    tracker.track('a1', aClient);
    tracker.track('b1', bClient);
    tracker.track('a2', aClient);
    tracker.settle('a2');
    expect(() => tracker.ownerOf('a1', 'ACK')).toThrow();
    expect(() => tracker.ownerOf('a2', 'ACK')).toThrow();
    expect(tracker.ownerOf('b1', 'ACK').id).toBe('b');
    expect(tracker.ownerOf('m1', 'ACK').id).toBe('s');
  });

  it('makes the newest message unsettled again when the transaction that settled it aborts', () => {
    const tracker = new SettlementTracker();
    tracker.openTransaction('t');
    tracker.track('m1', sIndividual);
    tracker.settle('m1', 't');
    tracker.track('m2', sIndividual);
    tracker.closeTransaction('t', true);
    expect(tracker.ownerOf('m1', 'ACK').id).toBe('s');
    expect(tracker.ownerOf('m2', 'ACK').id).toBe('s');
  });

  it('puts what an aborted transaction settled back in arrival order, so cumulative settling covers it again', () => {
    const tracker = new SettlementTracker();
    tracker.track('a1', aClient);
    tracker.track('a2', aClient);
    tracker.track('a3', aClient);
    tracker.openTransaction('t');
    tracker.settle('a1', 't');
    expect(() => tracker.ownerOf('a1', 'ACK')).toThrow();
    tracker.closeTransaction('t', true);
    tracker.settle('a2');
    expect(() => tracker.ownerOf('a1', 'ACK')).toThrow(expect.objectContaining({ code: 'STOMP_ERR_INVALID_STATE' }));
    expect(tracker.ownerOf('a3', 'ACK').id).toBe('a');
  });

  it('keeps the place of the newest message settled in a transaction while later ones arrive', () => {
    const tracker = new SettlementTracker();
    tracker.openTransaction('t');
    tracker.track('a1', aClient);
    tracker.settle('a1', 't');
    tracker.track('a2', aClient);
    tracker.track('a3', aClient);
    tracker.closeTransaction('t', true);
    tracker.settle('a2');
    expect(() => tracker.ownerOf('a1', 'ACK')).toThrow();
    expect(tracker.ownerOf('a3', 'ACK').id).toBe('a');
  });

  it('keeps one entry for a message delivered again while still unsettled', () => {
    const tracker = new SettlementTracker();
    tracker.openTransaction('t');
    tracker.track('m1', sIndividual);
    tracker.settle('m1', 't');
    tracker.closeTransaction('t', true);
    tracker.track('m1', sIndividual);
    tracker.settle('m1');
    expect(() => tracker.ownerOf('m1', 'ACK')).toThrow();

    tracker.track('m2', sIndividual);
    tracker.track('m2', sIndividual);
    tracker.settle('m2');
    expect(() => tracker.ownerOf('m2', 'ACK')).toThrow();
  });

  it('makes what an aborted transaction settled unsettled again, and keeps what a committed one settled', () => {
    const tracker = new SettlementTracker();
    tracker.track('m1', sIndividual);
    tracker.track('m2', sIndividual);
    tracker.openTransaction('t1');
    tracker.openTransaction('t2');
    tracker.settle('m1', 't1');
    tracker.settle('m2', 't2');
    tracker.closeTransaction('t1', true);
    tracker.closeTransaction('t2', false);
    expect(tracker.ownerOf('m1', 'NACK').id).toBe('s');
    expect(() => tracker.ownerOf('m2', 'NACK')).toThrow();
    expect(() => tracker.checkTransaction('t1')).toThrow(expect.objectContaining({ code: 'STOMP_ERR_INVALID_STATE' }));
  });

  it('refuses a transaction id already open, and forgets everything when the session ends', () => {
    const tracker = new SettlementTracker();
    tracker.openTransaction('t');
    expect(() => tracker.checkNewTransaction('t')).toThrow(/already open/);
    tracker.track('m', sIndividual);
    tracker.clear();
    expect(() => tracker.checkTransaction('t')).toThrow();
    expect(() => tracker.ownerOf('m', 'ACK')).toThrow();
  });
});
