import { describe, expect, it } from 'vitest';
import { memoryQuantity, nodeMetrics, parseTimeNs, podMetrics, sampleOf, sumUsage, usageBetween, windowText } from './container-stats';

const stats = (read: string, cpu: number, usage: number, inactive: number) => ({
  read,
  cpu_stats: { cpu_usage: { total_usage: cpu } },
  memory_stats: { usage, stats: { total_inactive_file: inactive } },
});

describe('Docker stats to metrics.k8s.io', () => {
  it('keeps the nanoseconds of the read time', () => {
    expect(parseTimeNs('2026-11-30T11:38:46.438268749Z')).toBe(Date.parse('2026-11-30T11:38:46Z') * 1e6 + 438268749);
    expect(parseTimeNs('2026-11-30T11:38:46Z')).toBe(Date.parse('2026-11-30T11:38:46Z') * 1e6);
    expect(parseTimeNs('0001-01-01T00:00:00Z')! < 0).toBe(true);
  });

  it('takes the working set (usage minus inactive file pages) and no sample from a stopped container', () => {
    expect(sampleOf(stats('2026-11-30T11:38:46.5Z', 100, 10_000, 4_000))?.workingSetBytes).toBe(6_000);
    expect(sampleOf({ read: '0001-01-01T00:00:00Z', cpu_stats: {}, memory_stats: {} })).toBeUndefined();
  });

  it('turns two cumulative readings into nanocores over the window', () => {
    const a = sampleOf(stats('2026-11-30T11:38:46Z', 1_000_000_000, 2048, 0))!;
    const b = sampleOf(stats('2026-11-30T11:38:48Z', 1_500_000_000, 4096, 0))!;
    const u = usageBetween(a, b)!;
    expect(u.nanocores).toBe(250_000_000); // 0.5 s of CPU in 2 s: a quarter core
    expect(u.windowNs).toBe(2e9);
    expect(usageBetween(b, a)).toBeUndefined();
    expect(sumUsage([u, { ...u, nanocores: 1, windowNs: 1e9 }])).toMatchObject({
      nanocores: 250_000_001,
      workingSetBytes: 8192,
      windowNs: 2e9,
    });
  });

  it('formats as metrics-server does: n and Ki quantities, a Go duration window', () => {
    expect(windowText(10_204_000_000)).toBe('10.204s');
    expect(windowText(2e9)).toBe('2s');
    expect(memoryQuantity(45_000_000)).toBe('43945Ki');
    const at = Date.parse('2026-11-30T11:38:48Z') * 1e6;
    const usage = { nanocores: 2_345_678, workingSetBytes: 1024 * 1024, atNs: at, windowNs: 1.5e9 };
    expect(podMetrics({ namespace: 'default', name: 'web', containers: [{ name: 'echo', usage }] })).toMatchObject({
      kind: 'PodMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'web', namespace: 'default' },
      timestamp: '2026-11-30T11:38:48Z',
      window: '1.5s',
      containers: [{ name: 'echo', usage: { cpu: '2345678n', memory: '1024Ki' } }],
    });
    expect(nodeMetrics({ name: 'worker', usage })).toMatchObject({ kind: 'NodeMetrics', usage: { cpu: '2345678n', memory: '1024Ki' } });
  });
});
