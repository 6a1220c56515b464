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
