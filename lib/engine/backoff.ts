import { MAX_TIMER_SECONDS } from './options';

/** The reconnect settings of {@link reconnectDelay}, named as stomp.py names them (seconds). */
export interface BackoffSettings {
  reconnectSleepInitial: number;
  reconnectSleepIncrease: number;
  reconnectSleepJitter: number;
  reconnectSleepMax: number;
}

/**
 * Seconds to sleep after the `round`-th failed pass over the broker list (1-based), with stomp.py's
 * formula: `min(max, initial × (1 + increase)^(round − 1)) × (1 + random × jitter)`. Growth stops
 * once the delay reaches the maximum, as in stomp.py; no delay exceeds 2147483 s (the longest timer Node allows).
 */
export function reconnectDelay(round: number, settings: BackoffSettings, random: () => number = Math.random): number {
  const growth = 1 + settings.reconnectSleepIncrease;
  const base = Math.min(settings.reconnectSleepMax, (settings.reconnectSleepInitial / growth) * Math.pow(growth, round));
  // A longer sleep would fire after 1 ms (Node's timer limit) and turn the backoff into a busy retry loop.
  return Math.min(MAX_TIMER_SECONDS, base * (1 + random() * settings.reconnectSleepJitter));
}
