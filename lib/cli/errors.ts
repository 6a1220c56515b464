import { StompErrorCode, StompUsageError } from '../engine';

/** Exit codes of the command line: scripts can tell a typo from a broken broker. */
export const ExitCode = {
  /** Done. */
  Ok: 0,
  /** The broker, the network or the exchange failed (connection refused, ERROR frame, timeout…). */
  Failure: 1,
  /** The command line itself is wrong; nothing was sent. */
  Usage: 2,
} as const;

/** A bad command line: unknown option, missing argument, value out of range. Exits with {@link ExitCode.Usage}. */
export class CliUsageError extends StompUsageError {
  override name = 'CliUsageError';

  constructor(message: string) {
    super(message, StompErrorCode.InvalidArgument);
  }
}
