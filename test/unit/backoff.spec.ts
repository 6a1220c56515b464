import { reconnectDelay, type BackoffSettings } from '../../lib/engine/backoff';
import { DEFAULT_CONNECTION_OPTIONS, MAX_TIMER_SECONDS } from '../../lib/engine/options';

/** stomp.py's defaults, which the connection options mirror. */
const STOMP_PY: BackoffSettings = { reconnectSleepInitial: 0.1, reconnectSleepIncrease: 0.5, reconnectSleepJitter: 0.1, reconnectSleepMax: 60 };

/** stomp.py, transport.py: min(max, initial / (1 + inc) * (1 + inc) ** exp) * (1 + random() * jitter). */
function stompPy(round: number, s: BackoffSettings, random: number): number {
  return Math.min(s.reconnectSleepMax, (s.reconnectSleepInitial / (1 + s.reconnectSleepIncrease)) * (1 + s.reconnectSleepIncrease) ** round) * (1 + random * s.reconnectSleepJitter);
}

describe('reconnectDelay', () => {
  it('uses the same defaults as stomp.py', () => {
    expect({
      reconnectSleepInitial: DEFAULT_CONNECTION_OPTIONS.reconnectSleepInitial,
      reconnectSleepIncrease: DEFAULT_CONNECTION_OPTIONS.reconnectSleepIncrease,
      reconnectSleepJitter: DEFAULT_CONNECTION_OPTIONS.reconnectSleepJitter,
      reconnectSleepMax: DEFAULT_CONNECTION_OPTIONS.reconnectSleepMax,
    }).toEqual(STOMP_PY);
  });

  // Hand-computed: 0.1 × 1.5^(round − 1), capped at 60 from round 17 (0.1 × 1.5^16 ≈ 65.7).
  it.each<[number, number]>([
    [1, 0.1],
    [2, 0.15],
    [3, 0.225],
    [4, 0.3375],
    [5, 0.50625],
    [10, 3.844335937],
    [16, 43.789389],
    [17, 60],
    [18, 60],
    [100, 60],
    [10_000, 60],
  ])('round %i sleeps %f s with random() = 0', (round, seconds) => {
    expect(reconnectDelay(round, STOMP_PY, () => 0)).toBeCloseTo(seconds, 5);
  });

  it.each<[number, number]>([
    [1, 0.11],
    [2, 0.165],
    [17, 66],
    [1000, 66],
  ])('round %i sleeps %f s with random() = 1: jitter applies after the cap, as in stomp.py', (round, seconds) => {
    expect(reconnectDelay(round, STOMP_PY, () => 1)).toBeCloseTo(seconds, 9);
  });

  it('matches the stomp.py formula for every round, several settings and random values', () => {
    const settings: BackoffSettings[] = [
      STOMP_PY,
      { reconnectSleepInitial: 1, reconnectSleepIncrease: 1, reconnectSleepJitter: 0.5, reconnectSleepMax: 30 },
      { reconnectSleepInitial: 0.01, reconnectSleepIncrease: 0, reconnectSleepJitter: 0, reconnectSleepMax: 5 },
      { reconnectSleepInitial: 2, reconnectSleepIncrease: 0.25, reconnectSleepJitter: 1, reconnectSleepMax: 2 },
    ];
    for (const s of settings) {
      for (let round = 1; round <= 40; round++) {
        for (const r of [0, 0.25, 0.5, 0.999]) {
          expect(reconnectDelay(round, s, () => r)).toBeCloseTo(stompPy(round, s, r), 12);
        }
      }
    }
  });

  it('grows by exactly (1 + increase) per round until the cap', () => {
    for (let round = 1; round < 16; round++) {
      expect(reconnectDelay(round + 1, STOMP_PY, () => 0) / reconnectDelay(round, STOMP_PY, () => 0)).toBeCloseTo(1.5, 12);
    }
  });

  it('never sleeps longer than Node can time (a longer sleep fired after 1 ms: a busy retry loop)', () => {
    const uncapped = { ...STOMP_PY, reconnectSleepMax: Infinity };
    expect(reconnectDelay(60, uncapped, () => 0)).toBe(MAX_TIMER_SECONDS);
    expect(reconnectDelay(1, { ...STOMP_PY, reconnectSleepInitial: MAX_TIMER_SECONDS, reconnectSleepMax: MAX_TIMER_SECONDS }, () => 0.9)).toBe(MAX_TIMER_SECONDS);
    // Below the limit the formula is untouched.
    expect(reconnectDelay(30, uncapped, () => 0)).toBeCloseTo(stompPy(30, uncapped, 0), 6);
  });

  it('asks random() once per delay', () => {
    const random = jest.fn(() => 0.5);
    expect(reconnectDelay(3, STOMP_PY, random)).toBeCloseTo(0.225 * 1.05, 12);
    expect(random).toHaveBeenCalledTimes(1);
  });

  it('stays within [base, base × (1 + jitter)) with the default Math.random', () => {
    for (let i = 0; i < 100; i++) {
      const delay = reconnectDelay(2, STOMP_PY);
      expect(delay).toBeGreaterThanOrEqual(0.15);
      expect(delay).toBeLessThan(0.165);
    }
  });
});
