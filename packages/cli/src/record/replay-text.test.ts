import { describe, expect, it } from 'vitest';
import { compactLine } from '../flows/flows';
import { clusterInput, dropped, forwarded } from '../graph/testdata/cluster';
import { BUNDLE_KIND, type RecordBundle } from './bundle';
import { replayText } from './replay-text';

const { flows: _none, ...objects } = clusterInput();
const flows = [dropped(40010, Date.parse('2026-11-30T12:00:01.500Z')), forwarded(40001, '10.244.1.3', 'default/web-1')];
const bundle: RecordBundle = {
  kind: BUNDLE_KIND,
  version: 1,
  cluster: 'demo',
  started: '2026-11-30T12:00:00.000Z',
  ended: '2026-11-30T12:00:30.000Z',
  flows,
  events: [
    {
      time: '2026-11-30T12:00:05.000Z',
      kind: 'trace',
      args: ['trace', 'client', 'web', '--port', '8080'],
      exitCode: 1,
      output: 'DROPPED at filter',
    },
    {
      time: '2026-11-30T12:00:06.000Z',
      kind: 'capture',
      args: ['capture', 'web', '-w', 'web.pcapng'],
      exitCode: 0,
      output: '',
      file: { name: 'web.pcapng', base64: Buffer.from('0123456789').toString('base64') },
    },
  ],
  objects,
};

describe('replayText', () => {
  it('prints the span, the flows as `kubelab flows` does, then each command with its exit code and output', () => {
    expect(replayText(bundle)).toEqual([
      'Recording of cluster "demo" from 2026-11-30T12:00:00.000Z to 2026-11-30T12:00:30.000Z (30.0s)',
      '',
      'Flows (2, 1 dropped):',
      'Nov 30 12:00:01.500: default/client:40010 -> default/web-2:8080 TCP DROPPED by default/deny-web (ingress of default/web-2: no policy allowed it) on demo-worker2',
      'in conntrack now: default/client:40001 -> default/web-1:8080 (service default/web) TCP FORWARDED (TIME_WAIT) on demo-worker',
      '',
      'Traces (1):',
      '$ kubelab trace client web --port 8080    # 2026-11-30T12:00:05.000Z, exit 1',
      '  DROPPED at filter',
      '',
      'Captures (1):',
      '$ kubelab capture web -w web.pcapng    # 2026-11-30T12:00:06.000Z, exit 0',
      '  (file web.pcapng: 10 bytes in the bundle)',
      '',
      'Lab checks (0):',
    ]);
  });

  it('prints only the flows, line for line as `kubelab flows` does, with --flows', () => {
    expect(replayText(bundle, 'flows')).toEqual(flows.map(compactLine));
  });
});
