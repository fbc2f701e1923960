import { describe, expect, it } from 'vitest';

import { formatNameList } from '../src/ui/names';

describe('formatNameList', () => {
  it('quotes names with commas', () => {
    expect(formatNameList(['ants', 'bee, honey', '蜂🐝'])).toBe('ants, "bee, honey", 蜂🐝');
  });

  it('leaves plain names bare', () => {
    expect(formatNameList(['ants', 'bees'])).toBe('ants, bees');
  });
});
