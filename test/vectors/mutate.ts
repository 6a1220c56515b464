/** Seeded mutation of wire bytes, shared by the decoder fuzz and the hostile-peer socket test. */

/** Bytes that matter to the grammar, so mutations hit interesting spots far more often than random bytes would. */
export const SPECIAL = [0x00, 0x0a, 0x0d, 0x3a, 0x5c, 0x63, 0x6e, 0x72, 0x74, 0x30, 0x39, 0x2d, 0xff, 0x80, 0xc3, 0xe2];

const floor = Math.floor; // see prng(): global lookups are slow inside jest's vm context

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[floor(random() * items.length)];
}

export function int(random: () => number, below: number): number {
  return floor(random() * below);
}

/** Up to four random edits aimed at the grammar: bit flips, grammar bytes, cuts, duplicated slices, stray header lines. */
export function mutate(input: Buffer, random: () => number): Buffer {
  let buf = Buffer.from(input);
  const rounds = int(random, 5);
  for (let r = 0; r < rounds; r++) {
    const at = int(random, buf.length + 1);
    switch (int(random, 9)) {
      case 0: // flip a bit
        if (buf.length > 0) buf[Math.min(at, buf.length - 1)] ^= 1 << int(random, 8);
        break;
      case 1: // overwrite with a grammar byte
        if (buf.length > 0) buf[Math.min(at, buf.length - 1)] = pick(random, SPECIAL);
        break;
      case 2: // insert a grammar byte
        buf = Buffer.concat([buf.subarray(0, at), Buffer.from([pick(random, SPECIAL)]), buf.subarray(at)]);
        break;
      case 3: // delete a run
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at + 1 + int(random, 4))]);
        break;
      case 4: // duplicate a slice
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(int(random, buf.length + 1), at + int(random, 40)), buf.subarray(at)]);
        break;
      case 5: // truncate
        buf = buf.subarray(0, at);
        break;
      case 6: // a header line in a random place
        buf = Buffer.concat([buf.subarray(0, at), Buffer.from(pick(random, ['content-length:3\n', 'content-length:0\n', 'content-length:99999\n', 'a\\cb:\\n\n', 'x:\\t\n', ':\n', 'no-colon\n', '\r\n', '\n'])), buf.subarray(at)]);
        break;
      case 7: // random bytes
        buf = Buffer.concat([buf.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(random, 8) }, () => int(random, 256))), buf.subarray(at)]);
        break;
      default: // change a digit (content-length values)
        for (let i = at; i < buf.length; i++) {
          if (buf[i] >= 0x30 && buf[i] <= 0x39) {
            buf[i] = 0x30 + int(random, 10);
            break;
          }
        }
    }
  }
  return buf;
}

