import { describe, expect, it } from 'vitest';
import { parseCascade } from './delete';

describe('--cascade', () => {
  it('maps kubectl strategies to propagation policies, background by default', () => {
    const warn = (l: string): never => {
      throw new Error(`unexpected warning ${l}`);
    };
    expect(parseCascade(undefined, warn)).toBe('Background');
    expect(parseCascade(true, warn)).toBe('Background');
    expect(parseCascade('foreground', warn)).toBe('Foreground');
    expect(parseCascade('orphan', warn)).toBe('Orphan');
  });

  it('accepts the deprecated booleans with kubectl’s warning, and refuses anything else', () => {
    const warnings: string[] = [];
    expect(parseCascade('false', (l) => warnings.push(l))).toBe('Orphan');
    expect(warnings).toEqual(['Warning: --cascade=false is deprecated (boolean value) and can be replaced with --cascade=orphan.']);
    expect(() => parseCascade('sideways', () => {})).toThrow(
      'invalid cascade value (sideways). Must be "background", "foreground", or "orphan"',
    );
  });
});
