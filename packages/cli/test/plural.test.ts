import { describe, expect, it } from 'vitest';

import { formatCount } from '../src/ui/plural';

describe('formatCount', () => {
  it('uses the singular only for one', () => {
    expect(formatCount(0, 'image')).toBe('0 images');
    expect(formatCount(1, 'image')).toBe('1 image');
    expect(formatCount(2, 'fit')).toBe('2 fits');
  });

  it('takes an irregular plural', () => {
    expect(formatCount(1, 'class', 'classes')).toBe('1 class');
    expect(formatCount(3, 'class', 'classes')).toBe('3 classes');
  });
});
