// The fixture world of the trace tests: rules and routes as two workers of a real 3-node cluster rendered
// them (iptables-save -c, ip route), and its pods.
import { readFileSync } from 'node:fs';
import { parseRoutes, type World } from '../model';
import { parseRuleset } from '../netfilter';

const data = (f: string) => readFileSync(new URL(`./${f}`, import.meta.url), 'utf8');
export const world: World = {
  nodes: [
    {
      name: 'worker',
      ip: '172.30.0.3',
      rules: parseRuleset(data('worker.iptables')),
      routes: parseRoutes(data('worker.routes')),
      local: new Set(['172.30.0.3', '10.244.1.1']),
    },
    {
      name: 'worker2',
      ip: '172.30.0.4',
      rules: parseRuleset(data('worker2.iptables')),
      routes: parseRoutes(data('worker2.routes')),
      local: new Set(['172.30.0.4', '10.244.2.1']),
    },
  ],
  pods: [
    { namespace: 'default', name: 'client', ip: '10.244.1.4', node: 'worker' },
    { namespace: 'default', name: 'echo-a', ip: '10.244.1.3', node: 'worker' },
    { namespace: 'default', name: 'echo-b', ip: '10.244.2.2', node: 'worker2' },
    { namespace: 'default', name: 'echo-c', ip: '10.244.2.3', node: 'worker2' },
  ],
};
