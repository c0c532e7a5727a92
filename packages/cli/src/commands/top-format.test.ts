import { describe, expect, it } from 'vitest';
import { cpuCell, formatTopNodes, formatTopPods, memoryCell } from './top-format';

describe('kubectl top printing', () => {
  it('rounds CPU up to millicores and memory down to Mi', () => {
    expect(cpuCell('2345678n')).toBe('3m');
    expect(cpuCell('0')).toBe('0m');
    expect(cpuCell('1000000n')).toBe('1m');
    expect(memoryCell('44032Ki')).toBe('43Mi');
  });

  it('prints pods, per container, and across namespaces', () => {
    const items = [
      {
        metadata: { name: 'web', namespace: 'default' },
        containers: [
          { name: 'echo', usage: { cpu: '1500000n', memory: '2048Ki' } },
          { name: 'side', usage: { cpu: '500000n', memory: '1024Ki' } },
        ],
      },
    ];
    expect(formatTopPods(items)).toBe('NAME   CPU(cores)   MEMORY(bytes)   \nweb    2m           3Mi             ');
    expect(formatTopPods(items, { allNamespaces: true, containers: true }).split('\n')).toEqual([
      'NAMESPACE   POD   NAME   CPU(cores)   MEMORY(bytes)   ',
      'default     web   echo   2m           2Mi             ',
      'default     web   side   1m           1Mi             ',
    ]);
  });

  it('prints nodes with % of allocatable, nodes without metrics last', () => {
    const out = formatTopNodes(
      [{ metadata: { name: 'cp' }, usage: { cpu: '250000000n', memory: '1048576Ki' } }],
      [
        { name: 'w1', allocatable: { cpu: '2', memory: '4Gi' } },
        { name: 'cp', allocatable: { cpu: '2', memory: '4Gi' } },
      ],
    );
    expect(out.split('\n')).toEqual([
      'NAME   CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   ',
      'cp     250m         12%         1024Mi          25%         ',
      'w1     <unknown>    <unknown>   <unknown>       <unknown>   ',
    ]);
  });
});
