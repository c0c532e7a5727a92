import { describe, expect, it } from 'vitest';
import { formatJsonPath } from './jsonpath';

const list = {
  kind: 'List',
  items: [
    { metadata: { name: 'a' }, status: { podIP: '10.244.1.2' } },
    { metadata: { name: 'b' }, status: { podIP: '10.244.2.2' } },
  ],
};

describe('jsonpath', () => {
  it('reads a field of one object', () => {
    expect(formatJsonPath('{.status.podIP}', list.items[0])).toBe('10.244.1.2');
  });
  it('joins several results with a space, and indexes', () => {
    expect(formatJsonPath('{.items[*].metadata.name}', list)).toBe('a b');
    expect(formatJsonPath('{.items[1].status.podIP}', list)).toBe('10.244.2.2');
  });
  it('ranges with literal strings', () => {
    expect(formatJsonPath('{range .items[*]}{.metadata.name}{"\\t"}{.status.podIP}{"\\n"}{end}', list)).toBe(
      'a\t10.244.1.2\nb\t10.244.2.2\n',
    );
  });
  it('prints nothing for missing fields and JSON for objects', () => {
    expect(formatJsonPath('{.spec.nodeName}', list.items[0])).toBe('');
    expect(formatJsonPath('{.metadata}', list.items[0])).toBe('{"name":"a"}');
  });
  it('says what is wrong with a template', () => {
    expect(() => formatJsonPath('{range .items[*]}{.x}', list)).toThrow('unclosed range');
    expect(() => formatJsonPath('{.items', list)).toThrow('unclosed action');
  });
});
