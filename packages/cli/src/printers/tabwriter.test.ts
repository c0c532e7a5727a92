import { describe, expect, it } from 'vitest';
import { PrefixWriter, tabwrite } from './tabwriter';

describe('tabwrite (Go text/tabwriter, padding 2)', () => {
  it('aligns a block of consecutive lines to its widest cell', () => {
    expect(tabwrite('Name:\tweb\nService Account:\tdefault\n')).toBe('Name:             web\nService Account:  default\n');
  });

  it('a line without a tab ends the block, so the lines after it align on their own', () => {
    const text = 'Name:\tweb\nIPs:\n  IP:\t10.0.0.1\nControlled By:\tReplicaSet/x\n';
    expect(tabwrite(text)).toBe('Name:  web\nIPs:\n  IP:           10.0.0.1\nControlled By:  ReplicaSet/x\n');
  });

  it('never pads the last cell of a line, and keeps empty cells as padding', () => {
    expect(tabwrite('Labels:\ta=b\n\tc=d\n')).toBe('Labels:  a=b\n         c=d\n');
  });

  it('aligns inner columns only across the lines that have them', () => {
    const text = 'Events:\n  Type\tReason\tMessage\n  ----\t------\t-------\n  Normal\tScheduled\tok\n';
    expect(tabwrite(text)).toBe('Events:\n  Type    Reason     Message\n  ----    ------     -------\n  Normal  Scheduled  ok\n');
  });

  it('counts runes, not UTF-16 units', () => {
    expect(tabwrite('é\tx\nab\ty\n')).toBe('é   x\nab  y\n');
  });
});

describe('PrefixWriter', () => {
  it('indents two spaces per level and aligns each flushed part separately', () => {
    const w = new PrefixWriter();
    w.write(0, 'A long label:\tx\n');
    w.write(1, 'B:\ty\n');
    w.flush();
    w.write(0, 'C:\tz\n');
    expect(w.toString()).toBe('A long label:  x\n  B:           y\nC:  z\n');
  });
});
