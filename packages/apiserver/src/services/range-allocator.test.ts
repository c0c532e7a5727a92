import { describe, expect, it } from 'vitest';
import { RangeAllocator, staticBandSize } from './range-allocator';

describe('staticBandSize (kube-apiserver calculateRangeOffset)', () => {
  it.each([
    // ClusterIPs: min(max(16, size/16), 256)
    [2 ** 20, 16, 256, 16, 256], // /12
    [2 ** 8, 16, 256, 16, 16], // /24
    [2 ** 12, 16, 256, 16, 256], // /20
    [2 ** 11, 16, 256, 16, 128], // /21
    [16, 16, 256, 16, 0], // /28: too small for a band
    // NodePorts: min(max(16, size/32), 128)
    [2768, 16, 128, 32, 86], // 30000-32767
    [100, 16, 128, 32, 16],
  ])('size %i (min %i, max %i, step %i) -> %i', (size, min, max, step, want) => {
    expect(staticBandSize(size, min, max, step)).toBe(want);
  });
});

describe('RangeAllocator', () => {
  it('hands out the upper band first and the static band only when the rest is full', () => {
    const a = new RangeAllocator({ size: 20, staticBand: 16 }, () => 0);
    const got = Array.from({ length: 4 }, () => a.allocateNext());
    expect(got).toEqual([16, 17, 18, 19]);
    expect(a.allocateNext()).toBe(0);
  });

  it('starts at a random offset of the band and wraps', () => {
    const a = new RangeAllocator({ size: 20, staticBand: 16 }, () => 0.99);
    expect(a.allocateNext()).toBe(19);
    expect(a.allocateNext()).toBe(16);
  });

  it('lets explicit values take the static band, refuses taken and out-of-range ones, releases', () => {
    const a = new RangeAllocator({ size: 20, staticBand: 16 });
    expect(a.allocate(9)).toBe(true);
    expect(a.allocate(9)).toBe(false);
    expect(a.allocate(20)).toBe(false);
    expect(a.allocate(-1)).toBe(false);
    a.release(9);
    expect(a.has(9)).toBe(false);
    expect(a.allocate(9)).toBe(true);
  });

  it('reports a full range', () => {
    const a = new RangeAllocator({ size: 2, staticBand: 0 });
    a.allocateNext();
    a.allocateNext();
    expect(a.allocateNext()).toBeUndefined();
    expect(a.count).toBe(2);
  });
});
