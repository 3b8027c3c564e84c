import { describe, expect, it } from 'vitest';
import { productName } from '../../../src/main/device/product-names';

describe('product names', () => {
  it('names known identifiers and passes unknown ones through', () => {
    expect(productName('iPhone15,2')).toBe('iPhone 14 Pro');
    expect(productName('iPhone16,1')).toBe('iPhone 15 Pro');
    expect(productName('iPhone99,9')).toBe('iPhone99,9');
    expect(productName('toString')).toBe('toString');
  });
});
