import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { optionValue, optionValues, parseArgs, type OptionSpec } from '../../lib/cli/args';
import { connectionOptions } from '../../lib/cli/connection-flags';
import { CliUsageError } from '../../lib/cli/errors';
import { header, heartbeats, seconds, wholeNumber } from '../../lib/cli/values';

const SPECS: OptionSpec[] = [
  { name: 'header', short: 'H', value: 'NAME:VALUE', repeatable: true, description: '' },
  { name: 'count', short: 'n', value: 'N', description: '' },
  { name: 'receipt', description: '' },
];

describe('parseArgs', () => {
  it('reads long, long=, short, attached short values, flags, repeats and positionals in any order', () => {
    const args = parseArgs(['/queue/a', '--count', '3', '-H', 'a:1', '-Hb:2', '--header=c:3:4', '--receipt', '-', '-n5'], SPECS);
    expect(args.positionals).toEqual(['/queue/a', '-']);
    expect(optionValues(args, 'header')).toEqual(['a:1', 'b:2', 'c:3:4']);
    expect(optionValue(args, 'count')).toBe('5'); // the last one wins
    expect(args.values.get('receipt')).toEqual(['']);
  });

  it('takes everything after -- as positionals, and a value that starts with a dash', () => {
    const args = parseArgs(['-H', '-x:1', '--', '--count', '-n'], SPECS);
    expect(optionValues(args, 'header')).toEqual(['-x:1']);
    expect(args.positionals).toEqual(['--count', '-n']);
  });

  it('stops at the first positional when asked, leaving the rest to the command', () => {
    const args = parseArgs(['--count', '2', 'send', '--unknown', 'x'], SPECS, true);
    expect(args.positionals).toEqual(['send']);
    expect(args.rest).toEqual(['--unknown', 'x']);
  });

  it.each([
    [['--bogus'], 'unknown option --bogus'],
    [['-z'], 'unknown option -z'],
    [['--count'], 'option --count needs a value (N)'],
    [['--receipt=yes'], 'option --receipt takes no value'],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(() => parseArgs(argv, SPECS)).toThrow(new CliUsageError(message));
  });
});

describe('option values', () => {
  it('parses and refuses with the option named', () => {
    expect(wholeNumber('count', '12')).toBe(12);
    expect(wholeNumber('size', '0', 0)).toBe(0);
    expect(() => wholeNumber('count', '0')).toThrow('--count must be a whole number >= 1, got "0"');
    expect(() => wholeNumber('count', '1.5')).toThrow(CliUsageError);
    expect(seconds('timeout', '0.5')).toBe(0.5);
    expect(() => seconds('timeout', '-1')).toThrow('--timeout must be a positive number of seconds');
    expect(header('selector:a = \'b:c\'')).toEqual(['selector', "a = 'b:c'"]);
    expect(header('x-empty:')).toEqual(['x-empty', '']);
    expect(() => header(':v')).toThrow('header ":v" is not NAME:VALUE');
    expect(heartbeats('1000,0')).toEqual([1000, 0]);
    expect(() => heartbeats('1000')).toThrow(CliUsageError);
  });
});

describe('connectionOptions', () => {
  const parse = (argv: string[]) => parseArgs(argv, [
    { name: 'url', value: 'URL', description: '' }, { name: 'host', value: 'H', description: '' }, { name: 'port', value: 'P', description: '' },
    { name: 'login', value: 'L', description: '' }, { name: 'passcode', value: 'P', description: '' }, { name: 'tls', description: '' },
    { name: 'ca', value: 'F', description: '' }, { name: 'timeout', value: 'S', description: '' }, { name: 'version', value: 'V', description: '' },
  ]);

  it('takes STOMP_URL, lets flags override its parts, and fails fast (one attempt, no reconnect)', () => {
    const options = connectionOptions(parse(['--port', '61614', '--timeout', '2']), { STOMP_URL: 'stomp://u:p%40ss@broker.example:61613' });
    expect(options).toMatchObject({ hosts: [['broker.example', 61614]], login: 'u', passcode: 'p@ss', timeout: 2, receiptTimeout: 2, reconnectAttemptsMax: 1, autoReconnect: false });
    expect(options.tls).toBeUndefined();
  });

  it('--url wins over STOMP_URL; a different --login drops the URL passcode, as the engine does', () => {
    const options = connectionOptions(parse(['--url', 'stomp+ssl://a:b@h:1', '--login', 'other']), { STOMP_URL: 'stomp://x:y@z:2' });
    expect(options).toMatchObject({ hosts: [['h', 1]], login: 'other', passcode: undefined, tls: true });
  });

  it('--ca reads the file and implies TLS; bad values are usage errors that never show the passcode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-ca-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), 'PEM');
      expect(connectionOptions(parse(['--ca', join(dir, 'ca.pem')]), {}).tls).toEqual({ ca: Buffer.from('PEM') });
    } finally {
      rmSync(dir, { recursive: true });
    }
    expect(() => connectionOptions(parse(['--ca', '/nonexistent/ca.pem']), {})).toThrow('cannot read --ca /nonexistent/ca.pem: ENOENT');
    expect(() => connectionOptions(parse(['--port', '70000']), {})).toThrow(CliUsageError);
    expect(() => connectionOptions(parse(['--version', '1.3']), {})).toThrow('--version must be one of 1.0, 1.1, 1.2, got "1.3"');
    const bad = (() => {
      try {
        connectionOptions(parse([]), { STOMP_URL: 'stomp://u:s3cret%zz@h' });
      } catch (error) {
        return error as Error;
      }
    })();
    expect(bad).toBeInstanceOf(CliUsageError);
    expect(bad!.message).toMatch(/^STOMP_URL: /);
    expect(bad!.message).not.toContain('s3cret');
  });
});
