import { Observable } from 'rxjs';
import { Frame, ServerStomp, StompConnectionError, StompErrorCode, type StompConnection } from '../../lib';

/** ServerStomp's reply path alone, on a connection whose sends fail: what a dropped link does mid-stream. */
describe('ServerStomp replies on a connection that cannot send', () => {
  const failing = { send: () => Promise.reject(new StompConnectionError('not connected', StompErrorCode.NotConnected)) } as unknown as StompConnection;
  const request = new Frame('MESSAGE', [['reply-to', '/queue/replies'], ['correlation-id', 'c-1']], Buffer.alloc(0));
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): number => rejections.push(reason);
  beforeEach(() => process.on('unhandledRejection', onRejection));
  afterEach(() => {
    process.off('unhandledRejection', onRejection);
    rejections.length = 0;
  });

  it('a streamed answer whose send fails rejects the reply, never an unhandled rejection', async () => {
    // The first answer leaves (and fails) at the next turn of the event loop; the stream ends 20 ms later.
    const stream = new Observable<number>((subscriber) => {
      subscriber.next(1);
      setTimeout(() => subscriber.complete(), 20);
    });
    const reply = (new ServerStomp() as unknown as { reply(c: StompConnection, f: Frame, r: unknown): Promise<boolean> }).reply(failing, request, stream);
    await expect(reply).rejects.toMatchObject({ code: 'STOMP_ERR_NOT_CONNECTED' });
    expect(rejections).toEqual([]);
  });

  it('an endless stream whose answer cannot be sent is unsubscribed, and the reply rejects at once', async () => {
    let unsubscribed = false;
    const endless = new Observable<number>((subscriber) => {
      const timer = setInterval(() => subscriber.next(1), 5);
      return () => {
        clearInterval(timer);
        unsubscribed = true;
      };
    });
    const reply = (new ServerStomp() as unknown as { reply(c: StompConnection, f: Frame, r: unknown): Promise<boolean> }).reply(failing, request, endless);
    await expect(reply).rejects.toMatchObject({ code: 'STOMP_ERR_NOT_CONNECTED' });
    expect(unsubscribed).toBe(true);
  });
});
