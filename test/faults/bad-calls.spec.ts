import { firstValueFrom, lastValueFrom } from 'rxjs';
import { StompConnectionError, StompFrameError, StompUsageError, type Frame, type StompError } from '../../lib';
import { BROKERS } from '../support/brokers';
import { closeAll, session, type Session } from '../support/session';
import { uniqueName } from '../support/wait';
import { closeApps, startClient } from '../nest/harness';

/** Bad calls from the application: each a typed error at the call, nothing written, the connection still usable. */
describe.each(BROKERS)('bad calls on $name', (broker) => {
  afterEach(async () => {
    await closeApps();
    await closeAll();
  });

  /** Runs `call` and returns its error, checking that no frame left meanwhile. */
  async function refused(s: Session, call: () => Promise<unknown>): Promise<StompError> {
    const sent: Frame[] = [];
    s.conn.setListener('sent', { onSend: (frame) => sent.push(frame) });
    const error = await call().then(
      () => {
        throw new Error('the call succeeded');
      },
      (e: StompError) => e,
    );
    s.conn.removeListener('sent');
    expect(sent).toEqual([]);
    return error;
  }

  /** Proves the connection still works: a message goes round. */
  async function stillUsable(s: Session): Promise<void> {
    const queue = `/queue/${uniqueName('usable')}`;
    const id = uniqueName('sub');
    await s.conn.subscribe(queue, id, 'auto', undefined, { receipt: true });
    await s.conn.send(queue, 'still fine', { receipt: true });
    expect((await s.inbox(id).next()).text()).toBe('still fine');
  }

  it.each([
    ['an empty destination', (s: Session) => s.conn.send('', 'x'), StompUsageError, 'STOMP_ERR_INVALID_ARGUMENT'],
    ['a non-string destination', (s: Session) => s.conn.send(42 as unknown as string, 'x'), StompUsageError, 'STOMP_ERR_INVALID_ARGUMENT'],
    ['an ack of an unknown message', (s: Session) => s.conn.ack('no-such-message', 'sub'), StompUsageError, 'STOMP_ERR_INVALID_STATE'],
    ['a nack of an unknown message', (s: Session) => s.conn.nack('no-such-message', 'sub'), StompUsageError, 'STOMP_ERR_INVALID_STATE'],
    ['a commit of an unknown transaction', (s: Session) => s.conn.commit('tx-none'), StompUsageError, 'STOMP_ERR_INVALID_STATE'],
    ['an abort of an unknown transaction', (s: Session) => s.conn.abort('tx-none'), StompUsageError, 'STOMP_ERR_INVALID_STATE'],
    ['a send in an unknown transaction', (s: Session) => s.conn.send('/queue/x', 'x', { transaction: 'tx-none' }), StompUsageError, 'STOMP_ERR_INVALID_STATE'],
    ['an unsubscribe of an unknown id', (s: Session) => s.conn.unsubscribe('never'), StompUsageError, 'STOMP_ERR_INVALID_STATE'],
    ['a header name containing NUL', (s: Session) => s.conn.send('/queue/x', 'x', { headers: { 'a\0b': 'v' } }), StompFrameError, 'STOMP_ERR_UNENCODABLE'],
    ['a header value containing NUL', (s: Session) => s.conn.send('/queue/x', 'x', { headers: { a: 'v\0' } }), StompFrameError, 'STOMP_ERR_UNENCODABLE'],
  ])('refuses %s', async (_name, call, type, code) => {
    const s = await session(broker, '1.2');
    const error = await refused(s, () => call(s));
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(code);
    await stillUsable(s);
  });

  it("writes send()'s own headers once: its destination, content type and awaited receipt win over copies in headers", async () => {
    const s = await session(broker, '1.2');
    const queue = `/queue/${uniqueName('own-headers')}`;
    const id = uniqueName('sub');
    await s.conn.subscribe(queue, id, 'auto', undefined, { receipt: true });
    const sent: Frame[] = [];
    s.conn.setListener('sent', { onSend: (frame) => sent.push(frame) });
    await s.conn.send(queue, 'a,b', { contentType: 'text/csv', headers: { destination: '/queue/elsewhere', 'content-type': 'text/plain', 'x-kept': '1' }, receipt: true });
    expect(sent[0].entries.filter(([name]) => name !== 'receipt')).toEqual([
      ['destination', queue],
      ['content-type', 'text/csv'],
      ['x-kept', '1'],
    ]);
    // A receipt header of the caller's gives way to the awaited one, or the wait would time out.
    await s.conn.send(queue, 'r', { headers: { receipt: 'mine' }, receipt: 'awaited' });
    expect(sent.at(-1)!.entries.filter(([name]) => name === 'receipt')).toEqual([['receipt', 'awaited']]);
    // Without the option, the header is the content type.
    await s.conn.send(queue, 'c', { headers: { 'content-type': 'text/plain' } });
    expect(sent.at(-1)!.header('content-type')).toBe('text/plain');
    expect((await s.inbox(id).next()).header('content-type')).toBe('text/csv');
  });

  it('refuses a header value with LF on STOMP 1.0, and a header name with a colon', async () => {
    const s = await session(broker, '1.0');
    for (const headers of [{ 'x-a': 'line\nbreak' }, { 'x:a': 'v' }]) {
      const error = await refused(s, () => s.conn.send('/queue/x', 'x', { headers }));
      expect(error.code).toBe('STOMP_ERR_UNENCODABLE');
    }
    await stillUsable(s);
  });

  it('refuses a second subscription with an id already in use', async () => {
    const s = await session(broker, '1.2');
    await s.conn.subscribe(`/queue/${uniqueName('a')}`, 'same-id', 'auto', undefined, { receipt: true });
    const error = await refused(s, () => s.conn.subscribe(`/queue/${uniqueName('b')}`, 'same-id'));
    expect(error).toBeInstanceOf(StompUsageError);
    expect(error.message).toContain('same-id');
    await stillUsable(s);
  });

  it('refuses acking a message twice', async () => {
    const s = await session(broker, '1.2');
    const queue = `/queue/${uniqueName('twice')}`;
    await s.conn.subscribe(queue, 'tw', 'client-individual', undefined, { receipt: true });
    await s.conn.send(queue, 'once', { receipt: true });
    const message = await s.inbox('tw').next();
    await s.conn.ack(message, undefined, { receipt: true });
    const error = await refused(s, () => s.conn.ack(message));
    expect(error.code).toBe('STOMP_ERR_INVALID_STATE');
    await stillUsable(s);
  });

  it('refuses sending while disconnected, with a StompConnectionError', async () => {
    const s = await session(broker, '1.2');
    await s.conn.disconnect();
    const error = await s.conn.send('/queue/x', 'x').catch((e: StompError) => e);
    expect(error).toBeInstanceOf(StompConnectionError);
    expect((error as StompError).code).toBe('STOMP_ERR_NOT_CONNECTED');
  });

  it('fails an emit of a value that cannot be serialized, and the client keeps working', async () => {
    const { client } = await startClient(broker, { confirm: true });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const queue = `/queue/${uniqueName('cyclic')}`;
    await expect(lastValueFrom(client.emit(queue, cyclic))).rejects.toMatchObject({ name: 'StompUsageError', code: 'STOMP_ERR_INVALID_ARGUMENT' });
    await expect(firstValueFrom(client.send(queue, { big: 10n }))).rejects.toMatchObject({ name: 'StompUsageError' });
    const s = await session(broker, '1.2');
    await s.conn.subscribe(queue, 'c', 'auto', undefined, { receipt: true });
    await lastValueFrom(client.emit(queue, { fine: true }), { defaultValue: undefined });
    expect(JSON.parse((await s.inbox('c').next()).text())).toEqual({ fine: true });
  });
});
