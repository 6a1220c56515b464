import { Frame } from '../../lib/engine/frame';
import { asciiText } from '../../lib/engine/buffer-text';

describe('Frame.text', () => {
  // Small bodies are decoded by Buffer#toString; from 2 KB on an all-ASCII body takes a faster path.
  const sizes = [0, 1, 100, 2047, 2048, 2049, 10_240, 1 << 20];

  it.each(sizes)('an ASCII body of %i bytes reads as its text', (size) => {
    const text = 'abcdefghij{}":,'.repeat(Math.ceil(size / 15)).slice(0, size);
    const frame = new Frame('MESSAGE', [], Buffer.from(text, 'latin1'));
    expect(frame.text()).toBe(text);
    expect(frame.text('utf-8')).toBe(text);
  });

  it.each(sizes.filter((size) => size >= 4))('a UTF-8 body of %i bytes with multi-byte characters anywhere reads as UTF-8', (size) => {
    for (const at of [0, Math.floor(size / 2), size - 4]) {
      const bytes = Buffer.alloc(size, 'a');
      Buffer.from('é😀').copy(bytes, at, 0, Math.min(4, size - at));
      expect(new Frame('MESSAGE', [], bytes).text()).toBe(bytes.toString('utf8'));
    }
  });

  it('other encodings decode as asked, whatever the size', () => {
    const bytes = Buffer.alloc(4096, 0xe9);
    expect(new Frame('MESSAGE', [], bytes).text('latin1')).toBe('é'.repeat(4096));
    const utf16 = Buffer.from('ab'.repeat(2048), 'utf16le');
    expect(new Frame('MESSAGE', [], utf16).text('utf16le')).toBe('ab'.repeat(2048));
  });

  it('invalid UTF-8 in a long body is replaced as Buffer#toString does', () => {
    const bytes = Buffer.alloc(4096, 'a');
    bytes[100] = 0xff;
    expect(new Frame('MESSAGE', [], bytes).text()).toBe(bytes.toString('utf8'));
  });
});

describe('asciiText', () => {
  it('checks only the range it is given, as a part of a buffer or as the whole buffer', () => {
    const bytes = Buffer.from('héad:ok\n', 'utf8');
    const start = bytes.indexOf('ad');
    expect(asciiText(bytes, start, bytes.length)).toBe('ad:ok\n');
    expect(asciiText(bytes, 0, bytes.length)).toBeUndefined();
    expect(asciiText(bytes.subarray(start), 0, bytes.length - start)).toBe('ad:ok\n');
    // a view into a larger allocation, non-ASCII just outside the range
    const slab = Buffer.concat([Buffer.from('é'), Buffer.from('plain'), Buffer.from('é')]);
    const view = slab.subarray(2, 7);
    expect(asciiText(view, 0, view.length)).toBe('plain');
    expect(asciiText(view, 1, 4)).toBe('lai');
  });
});

describe("Frame.text of Java's modified UTF-8 (ActiveMQ Classic's JMS TextMessage)", () => {
  // 🍣 as two 3-byte surrogates (ActiveMQ's bytes for a JMS TextMessage "🍣é"), then NUL as C0 80.
  const javaBytes = Buffer.from('eda0bcedbda3c3a9c08078', 'hex');

  it('reads surrogate pairs and C0 80 as the characters Java meant', () => {
    expect(new Frame('MESSAGE', [], javaBytes).text()).toBe('🍣é\0x');
  });

  it('leaves bytes that are neither UTF-8 nor modified UTF-8 as U+FFFD, and a real U+FFFD alone', () => {
    expect(new Frame('MESSAGE', [], Buffer.from([0x61, 0xff, 0x62])).text()).toBe('a\uFFFDb');
    expect(new Frame('MESSAGE', [], Buffer.from('a\uFFFD😀')).text()).toBe('a\uFFFD😀');
  });

  it('is not applied to other encodings', () => {
    expect(new Frame('MESSAGE', [], javaBytes).text('latin1')).toBe(javaBytes.toString('latin1'));
  });
});
