import { StompTimeoutError } from '../../lib';
import { Deadline } from '../../lib/cli/deadline';

/** The deadline of `rpc`, which each answer of a stream pushes back (fake timers: no waiting). */
describe('Deadline', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('rejects with a StompTimeoutError once ms pass without a restart, saying what it waited for', async () => {
    const deadline = new Deadline(1000, () => 'the reply');
    const raced = deadline.race(new Promise<never>(() => undefined)).catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(1000);
    const error = await raced;
    expect(error).toBeInstanceOf(StompTimeoutError);
    expect((error as Error).message).toContain('the reply');
  });

  it('starts the ms over at each restart: a race may last longer than ms in all', async () => {
    const deadline = new Deadline(1000, () => 'the next answer');
    let settled = false;
    let finish!: (value: string) => void;
    const raced = deadline.race(new Promise<string>((resolve) => (finish = resolve))).finally(() => (settled = true));
    for (let i = 0; i < 3; i++) {
      await jest.advanceTimersByTimeAsync(600);
      deadline.restart();
    }
    await jest.advanceTimersByTimeAsync(600);
    expect(settled).toBe(false);
    finish('last');
    await expect(raced).resolves.toBe('last');
  });
});
