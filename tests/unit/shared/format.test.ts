import { describe, expect, it } from 'vitest';
import { formatStorage } from '../../../src/shared/format';

describe('formatStorage', () => {
  it('speaks decimal units, as iOS Settings does', () => {
    expect(formatStorage(0)).toBe('0 B');
    expect(formatStorage(999)).toBe('999 B');
    expect(formatStorage(1_500_000)).toBe('1.5 MB');
    expect(formatStorage(128_000_000_000)).toBe('128 GB');
    expect(formatStorage(82_912_345_678)).toBe('82.9 GB');
  });
});
