import { describe, expect, it } from 'vitest';
import { curlCommand, describeCurl } from './trace-probe';

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
});
