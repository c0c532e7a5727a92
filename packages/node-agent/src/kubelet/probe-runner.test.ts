import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '@kubelab/api';
import { runProbe } from './probe-runner';

const noExec = { exec: async () => ({ exitCode: 0, output: '' }) };
let server: http.Server;
let port: number;

describe('HTTP probes', () => {
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.statusCode = req.url === '/ok' ? 200 : 503;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const container: Container = { name: 'c', image: 'i' };
  const target = { podIp: '127.0.0.1', container, containerId: 'x' };

  it('succeeds on 2xx and fails with the status code otherwise', async () => {
    expect(await runProbe({ httpGet: { port, path: '/ok' } }, target, 1000, noExec)).toEqual({ ok: true });
    expect(await runProbe({ httpGet: { port, path: '/bad' } }, target, 1000, noExec)).toEqual({
      ok: false,
      message: 'HTTP probe failed with statuscode: 503',
    });
  });

  it('reports a header Node refuses as a failed probe instead of throwing', async () => {
    const outcome = await runProbe({ httpGet: { port, path: '/ok', httpHeaders: [{ name: 'X Bad', value: 'v' }] } }, target, 1000, noExec);
    expect(outcome.ok).toBe(false);
  });
});
