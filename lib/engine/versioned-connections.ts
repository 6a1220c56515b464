import { StompConnection } from './connection';
import type { ConnectionOptions } from './options';

/** Connection options without `version`, for the fixed-version classes. */
export type VersionedOptions = Omit<ConnectionOptions, 'version'>;

/** A STOMP 1.0 connection, as stomp.py's `Connection10`. */
export class Connection10 extends StompConnection {
  constructor(options: VersionedOptions = {}) {
    super({ ...options, version: '1.0' });
  }
}

/** A STOMP 1.1 connection (1.0 accepted if the broker offers no more), as stomp.py's `Connection11`. */
export class Connection11 extends StompConnection {
  constructor(options: VersionedOptions = {}) {
    super({ ...options, version: '1.1' });
  }
}

/** A STOMP 1.2 connection, as stomp.py's `Connection12`; the default of {@link StompConnection}. */
export class Connection12 extends StompConnection {
  constructor(options: VersionedOptions = {}) {
    super({ ...options, version: '1.2' });
  }
}

