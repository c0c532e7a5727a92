import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { curlCommand, describeCurl, probeSourcePort } from './trace-probe';

describe('HTTP probes', () => {
  it('a router 5xx is its own failure; a Service URL takes any status as the pod answering', () => {
    expect(describeCurl('HTTP 503\n')).toEqual({ ok: false, text: 'HTTP 503' });
    expect(describeCurl('HTTP 503\n', { anyStatus: true })).toEqual({ ok: true, text: 'HTTP 503' });
    expect(describeCurl('HTTP 200\n', { anyStatus: true })).toEqual({ ok: true, text: 'HTTP 200' });
    expect(describeCurl('HTTP 000\ncurl: (7) Failed to connect to 10.96.0.5 port 80: Connection refused', { anyStatus: true })).toEqual({
      ok: false,
      text: 'connection refused',
    });
  });

  it("curl sends the URL's Host to the Service's address from a fixed source port", () => {
    const cmd = curlCommand(
      { scheme: 'http', ip: '10.96.0.5', port: 80, hostHeader: 'web.default', host: 'web.default', target: '/x', requestId: 'r1' },
      45000,
    );
    expect(cmd).toEqual(expect.arrayContaining(['--local-port', '45000', '-H', 'Host: web.default', 'http://10.96.0.5:80/x']));
  });

  it('picks source ports above the ephemeral range, and from the host none a listener holds', async () => {
    for (let i = 0; i < 20; i++) {
      const p = await probeSourcePort(false);
      expect(p).toBeGreaterThanOrEqual(61000);
      expect(p).toBeLessThan(65000);
    }
    // A port a listener holds is never picked from the host.
    const held: net.Server[] = [];
    for (let port = 61000; port < 65000; port += 1)
      if (port % 2 === 0) {
        const srv = net.createServer();
        const ok = await new Promise<boolean>((resolve) => {
          srv.once('error', () => resolve(false));
          srv.listen(port, '0.0.0.0', () => resolve(true));
        });
        if (ok) held.push(srv);
      }
    try {
      for (let i = 0; i < 10; i++) expect((await probeSourcePort(true)) % 2).toBe(1);
    } finally {
      await Promise.all(held.map((srv) => new Promise((r) => srv.close(r))));
    }
  });
});
