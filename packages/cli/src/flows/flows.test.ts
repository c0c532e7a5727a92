import { describe, expect, it } from 'vitest';
import { compactLine, flowKey, flowOfConntrack, flowOfDrop, keep, type Names } from './flows';

const names: Names = {
  podByIp: (ip) => ({ '10.244.1.4': 'default/client', '10.244.2.2': 'default/echo-b' })[ip],
  serviceByClusterIp: (ip) => (ip === '10.101.98.73' ? 'default/echo' : undefined),
};

describe('flows', () => {
  it('turns a conntrack event into a forwarded flow to the endpoint behind the Service', () => {
    const f = flowOfConntrack(
      '[1764504953.699123]\t    [NEW] tcp      6 120 SYN_SENT src=10.244.1.4 dst=10.101.98.73 sport=44230 dport=80 [UNREPLIED] src=10.244.2.2 dst=10.244.1.4 sport=8080 dport=44230',
      'worker',
      names,
    )!;
    expect(f).toMatchObject({
      time: 1764504953699,
      verdict: 'FORWARDED',
      protocol: 'TCP',
      src: { pod: 'default/client', port: 44230 },
      dst: { pod: 'default/echo-b', ip: '10.244.2.2', port: 8080 },
      service: 'default/echo',
      state: 'SYN_SENT',
    });
    expect(compactLine(f)).toBe(
      'Nov 30 12:15:53.699: default/client:44230 -> default/echo-b:8080 (service default/echo) TCP FORWARDED (SYN_SENT) on worker',
    );
  });

  it('names the policies of a drop, as the drop log records them', () => {
    const line = JSON.stringify({
      time: '2026-11-30T12:00:00.123Z',
      node: 'worker2',
      direction: 'ingress',
      pod: 'default/echo-b',
      policies: ['default/deny-echo'],
      protocol: 'TCP',
      src: { ip: '10.244.1.4', port: 40312, pod: 'default/client' },
      dst: { ip: '10.244.2.2', port: 8080, pod: 'default/echo-b' },
      chain: 'KUBELAB-NPI-X',
    });
    const f = flowOfDrop(line, names)!;
    expect(compactLine(f)).toBe(
      'Nov 30 12:00:00.123: default/client:40312 -> default/echo-b:8080 TCP DROPPED by default/deny-echo (ingress of default/echo-b: no policy allowed it) on worker2',
    );
    expect(flowOfDrop('not json', names)).toBeUndefined();
  });

  it("filters as Hubble's flags do, and keeps a connection only where its source pod lives", () => {
    const f = flowOfConntrack(
      'tcp 6 10 TIME_WAIT src=10.244.1.4 dst=10.101.98.73 sport=1 dport=80 src=10.244.2.2 dst=10.244.1.4 sport=8080 dport=1 [ASSURED]',
      'worker',
      names,
    )!;
    const nodeOfPod = (ip: string) => (ip === '10.244.1.4' ? 'worker' : undefined);
    expect(keep(f, { nodeOfPod })).toBe(true);
    expect(keep({ ...f, node: 'worker2' }, { nodeOfPod })).toBe(false);
    expect(keep(f, { toService: 'default/echo', verdict: 'FORWARDED', protocol: 'tcp', pod: 'default/echo-b' })).toBe(true);
    expect(keep(f, { verdict: 'DROPPED' })).toBe(false);
    expect(keep(f, { nodeAddresses: new Set(['10.244.1.4']) })).toBe(false);
    expect(flowKey(f)).toBe('FORWARDED|TCP|10.244.1.4:1|10.244.2.2:8080');
  });
});
