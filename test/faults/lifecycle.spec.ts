import { StompConnection, StompFrameError, type StompError } from '../../lib';
import { BROKERS } from '../support/brokers';
import { closeAll } from '../support/session';
import { Inbox, within } from '../support/wait';

const RABBITMQ = BROKERS.find((b) => b.name === 'rabbitmq')!;

/** Collects unhandled rejections until stopped: a fault must surface as a rejection of a call, not of a promise nobody holds. */
function watchRejections(): { rejections: unknown[]; stop(): void } {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): number => rejections.push(reason);
  process.on('unhandledRejection', onRejection);
  return { rejections, stop: () => process.off('unhandledRejection', onRejection) };
}

/** Lets Node report the rejections left unhandled by the ticks so far. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Connect and disconnect in unusual orders and with unusual arguments: each settles promptly, with a typed error when it fails. */
describe('connection lifecycle', () => {
  const conns: StompConnection[] = [];
  const watchers: Array<{ stop(): void }> = [];

  afterEach(async () => {
    for (const watcher of watchers.splice(0)) watcher.stop();
    await Promise.all(conns.splice(0).map((conn) => conn.disconnect().catch(() => undefined)));
    await closeAll();
  });

  function rabbit(options: ConstructorParameters<typeof StompConnection>[0] = {}): StompConnection {
    const conn = new StompConnection({ ...RABBITMQ.options, ...options });
    conns.push(conn);
    return conn;
  }

  function watch(): unknown[] {
    const watcher = watchRejections();
    watchers.push(watcher);
    return watcher.rejections;
  }

  it('refuses a CONNECT header the wire cannot carry at once: no socket, no retry, no stray rejection', async () => {
    const rejections = watch();
    const conn = rabbit({ passcode: 'guest\r', reconnectAttemptsMax: 3, reconnectSleepInitial: 1 });
    const connecting = new Inbox<unknown>();
    conn.setListener('watch', { onConnecting: connecting.push });
    const error = await within(
      conn.connect().catch((e: StompError) => e),
      // Three attempts would take over a second of backoff alone.
      500,
      'connect() to fail',
    );
    expect(error).toBeInstanceOf(StompFrameError);
    expect((error as StompError).code).toBe('STOMP_ERR_UNENCODABLE');
    expect((error as StompError).message).not.toContain('guest');
    expect(connecting.pending).toEqual([]);
    await nextTurn();
    expect(rejections).toEqual([]);
    await conn.connect({ passcode: 'guest' });
    expect(conn.isConnected()).toBe(true);
  });
});
