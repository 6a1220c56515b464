import { Frame } from '../../lib/engine';
import { errorLine, formatBody, formatFrame, throughputLine } from '../../lib/cli/format';
import { Progress } from '../../lib/cli/progress';

describe('formatBody', () => {
  it.each([
    ['JSON by content type', '{"a":1,"b":[true]}', 'application/json;charset=utf-8', '{\n  "a": 1,\n  "b": [\n    true\n  ]\n}'],
    ['a +json content type, even a scalar', '42', 'application/problem+json', '42'],
    ['an object without a content type', ' {"a":1}', undefined, '{\n  "a": 1\n}'],
    ['an array without a content type', '[1]', 'text/plain', '[\n  1\n]'],
    ['a scalar without a JSON type stays text', '42', undefined, '42'],
    ['broken JSON stays text', '{"a":', 'application/json', '{"a":'],
    ['text with tabs and line ends', 'a\tb\r\nc', 'text/plain', 'a\tb\r\nc'],
    ['an empty body', '', undefined, ''],
  ])('%s', (_, body, contentType, shown) => {
    expect(formatBody(Buffer.from(body), contentType)).toBe(shown);
  });

  it('shows binary (invalid UTF-8 or control characters) as length and the first 32 bytes in hex', () => {
    expect(formatBody(Buffer.from([0xff, 0x00, 0x41]))).toBe('[binary, 3 bytes: ff 00 41]');
    expect(formatBody(Buffer.from('ok\x1b[31m'))).toBe('[binary, 7 bytes: 6f 6b 1b 5b 33 31 6d]');
    const long = formatBody(Buffer.alloc(40, 0x01));
    expect(long).toBe(`[binary, 40 bytes: ${Array(32).fill('01').join(' ')} …]`);
  });
});

describe('formatFrame', () => {
  it('prints command, headers in wire order (repeats kept, control characters escaped), blank line, body', () => {
    const frame = new Frame('MESSAGE', [['destination', '/queue/a'], ['x', 'line1\nline2'], ['x', 'again']], '{"k":"v"}');
    expect(formatFrame(frame)).toBe('MESSAGE\ndestination:/queue/a\nx:line1\\nline2\nx:again\n\n{\n  "k": "v"\n}');
  });
});

describe('summary and error lines', () => {
  it('throughputLine', () => {
    expect(throughputLine('sent', 500, 0.25)).toBe('sent 500 messages in 0.250 s (2000 msg/s)');
    expect(throughputLine('received', 1, 12.5)).toBe('received 1 message in 12.50 s (0 msg/s)');
  });

  it('errorLine folds a multi-line broker message into one line', () => {
    expect(errorLine('broker error: Bad CONNECT: Access refused\n  for user\r\n')).toBe('nestjs-stomp: broker error: Bad CONNECT: Access refused for user\n');
  });
});

describe('Progress', () => {
  const stream = (isTTY: boolean) => {
    const out: string[] = [];
    return { out, isTTY, write: (text: string) => out.push(text) };
  };

  it('on a terminal: a bar redrawn in place at most every 100 ms, cleared at the end', () => {
    let now = 0;
    const tty = stream(true);
    const progress = new Progress(tty, 100, 'sent', () => now);
    now = 10;
    progress.update(10);
    now = 50;
    progress.update(20); // too soon: not drawn
    now = 1000;
    progress.update(50);
    progress.finish();
    expect(tty.out).toEqual([
      '\r[##----------------------] 10/100 10% 1000 msg/s\x1b[K',
      '\r[############------------] 50/100 50% 50 msg/s\x1b[K',
      '\r\x1b[K',
    ]);
  });

  it('elsewhere: a plain line per second, none at the very start or once done', () => {
    let now = 0;
    const log = stream(false);
    const progress = new Progress(log, 100, 'sent', () => now);
    progress.update(1);
    now = 1000;
    progress.update(40);
    now = 2500;
    progress.update(100);
    progress.finish();
    expect(log.out).toEqual(['sent 40/100 (40%), 40 msg/s\n']);
  });
});
