import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBearer } from '../../src/http/bearer.js';

/** The grammar parseBearer reads by hand, as a regular expression: the reference. */
const REFERENCE = /^Bearer +([^\s]+)\s*$/i;

const CASES = [
  undefined,
  '',
  'Bearer',
  'Bearer ',
  'Bearer  ',
  'Bearer x',
  'bearer x',
  'BEARER x',
  'BeArEr abc.def.ghi',
  'Bearer   abc.def.ghi',
  'Bearer abc.def.ghi   ',
  'Bearer abc.def.ghi\t',
  'Bearer abc.def.ghi\r\n',
  'Bearer abc def',
  'Bearer abc\tdef',
  'Bearer abc\u00a0def',
  'Bearer \u00a0abc',
  'Bearer abc\u3000',
  'Bearer abc\ufeff',
  'Bearer\tabc',
  'Bearerabc',
  'Bearer:abc',
  'Basic dXNlcjpwYXNz',
  'Bearex abc',
  'Bearer\u2028abc',
  ' Bearer abc',
  'Bearer é',
  'Bearer abc\u200b',
  `Bearer ${'a'.repeat(2000)}`,
];

describe('parseBearer', () => {
  it('accepts and rejects exactly what /^Bearer +(\\S+)\\s*$/i does', () => {
    for (const header of CASES) {
      const expected = header ? REFERENCE.exec(header)?.[1] : undefined;
      assert.equal(parseBearer(header), expected, JSON.stringify(header));
    }
  });

  it('agrees with the reference on random headers built from the tricky characters', () => {
    const parts = ['Bearer', 'bearer', 'BEARER', ' ', '  ', '\t', '\u00a0', 'a', 'b.c', '=', '\n', 'x y'];
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let i = 0; i < 5000; i++) {
      let h = '';
      const len = 1 + rand(6);
      for (let j = 0; j < len; j++) h += parts[rand(parts.length)];
      assert.equal(parseBearer(h), REFERENCE.exec(h)?.[1], JSON.stringify(h));
    }
  });
});
