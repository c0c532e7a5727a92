// The unread rest of a request after the router's own answer (fast path, node's HTTP/1 server, HTTP/2), as
// nginx treats it: read and dropped while it keeps coming, but the connection is closed once no byte came for
// lingering_timeout or lingering_time has passed since the answer (here 300 ms and 2 s; the keep-alive timeout
// is a minute, so a close within the test's time can only be the lingering limits).
import { once } from 'node:events';
import { constants, connect as h2connect } from 'node:http2';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessLog } from './access-log';
import { selfSignedCertificate } from './certs';
import { ingress, localServers } from './fixtures.test-util';
import { buildRouteTable } from './route-table';
import { startServers, type RunningServers } from './server';
import { TlsStore } from './tls-store';
import { UpstreamPools } from './upstreams';

const pools = new UpstreamPools({ retireAfterMs: 10 });
let router: RunningServers;

beforeAll(async () => {
  // Ingresses whose Service has no endpoints: every request is the router's own answer (503, or 413 over 1 MiB).
  const table = buildRouteTable({
    ingresses: [
      ingress('empty', [{ host: 'empty.localhost', paths: [['/', 'Prefix', 'none']] }], {
        annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '0' },
      }),
      ingress('limited', [{ host: 'limited.localhost', paths: [['/', 'Prefix', 'none']] }]),
    ],
    service: () => undefined,
    slices: () => [],
    className: 'nginx',
    isDefaultClass: true,
  });
  router = await startServers(
    {
      table: () => table,
      pools,
      accessLog: new AccessLog(pino({ level: 'silent' }), { write: () => undefined }),
      httpsPortFor: () => '443',
      lingering: { timeoutMs: 300, timeMs: 2000 },
    },
    new TlsStore(selfSignedCertificate(['ingress.local'])),
    {
      ...localServers,
      maxHeaderSize: 8192,
      headersTimeoutMs: 60_000,
      keepAliveTimeoutMs: 60_000,
      clientBodyTimeoutMs: 60_000,
      lingeringTimeoutMs: 300,
      lingeringTimeMs: 2000,
    },
  );
});

afterAll(async () => {
  await router.close();
  await pools.close();
});

/** Sends `head`, then `feed`s the socket until the router closes the connection: what came back, bytes sent. */
async function untilClosed(
  head: string,
  feed?: (write: (b: Buffer) => void) => NodeJS.Timeout,
  allowHalfOpen = false,
  tlsClient = false,
): Promise<{ out: string; sent: number }> {
  const s: Socket = tlsClient
    ? tlsConnect({
        port: router.httpsPort,
        host: '127.0.0.1',
        servername: 'empty.localhost',
        ALPNProtocols: ['http/1.1'],
        rejectUnauthorized: false,
      })
    : connect({ port: router.httpPort, host: '127.0.0.1', allowHalfOpen });
  await once(s, tlsClient ? 'secureConnect' : 'connect');
  let out = '';
  let sent = 0;
  s.setEncoding('latin1');
  s.on('data', (d: string) => (out += d));
  s.on('error', () => undefined);
  s.write(head);
  const t = feed?.((b) => {
    if (!s.writable || s.destroyed) return;
    sent += b.length;
    s.write(b, () => undefined);
  });
  // The router cutting the connection while this side writes is an EPIPE/ECONNRESET here: that is the close awaited.
  await new Promise((r) => s.once('close', r));
  clearInterval(t);
  return { out, sent };
}

describe('lingering on the fast path (nginx lingering_timeout / lingering_time)', () => {
  it('a body that stops coming after a 503 (keep-alive answer): the connection is closed after lingering_timeout', async () => {
    const r = await untilClosed('POST / HTTP/1.1\r\nHost: empty.localhost\r\nContent-Length: 100000\r\n\r\npartial');
    expect(r.out).toMatch(/^HTTP\/1.1 503 Service Temporarily Unavailable\r\n/);
    expect(r.out).not.toMatch(/Connection: close/);
  }, 20_000);

  it('a body that keeps coming is not read forever: closed once lingering_time has passed', async () => {
    const chunk = Buffer.alloc(4096, 120);
    const r = await untilClosed('POST / HTTP/1.1\r\nHost: empty.localhost\r\nContent-Length: 1073741824\r\n\r\n', (write) =>
      setInterval(() => write(chunk), 20),
    );
    expect(r.out).toMatch(/^HTTP\/1.1 503 /);
    expect(r.sent).toBeLessThan(1073741824);
  }, 20_000);

  it('413 (Connection: close, lingering close): the answer arrives whole; a client that ignores the FIN and keeps sending is cut', async () => {
    const r = await untilClosed(
      'POST / HTTP/1.1\r\nHost: limited.localhost\r\nContent-Length: 2000000000\r\n\r\n',
      (write) => setInterval(() => write(Buffer.alloc(4096)), 20),
      true,
    );
    expect(r.out).toMatch(/^HTTP\/1.1 413 Request Entity Too Large\r\n[\s\S]*Connection: close\r\n/);
  }, 20_000);

  // node:http2 does this itself when the response ends before the request (nginx: ngx_http_v2_close_stream).
  it('HTTP/2: after the answer the unread request stream is reset with NO_ERROR (RFC 9113 §8.1, as nginx)', async () => {
    const session = h2connect(`http://127.0.0.1:${router.httpPort}`);
    try {
      const st = session.request({ ':method': 'POST', ':path': '/', ':authority': 'empty.localhost' });
      st.on('error', () => undefined);
      st.write(Buffer.alloc(256 * 1024)); // more than the stream window: blocked until the router reads or resets
      const [h] = (await once(st, 'response')) as [Record<string, string>];
      expect(h[':status']).toBe(503);
      st.resume();
      await new Promise((r) => st.once('close', r));
      expect(st.rstCode).toBe(constants.NGHTTP2_NO_ERROR);
    } finally {
      session.destroy();
    }
  });

  it("HTTPS (node's HTTP/1 server): a body that keeps coming after the router's answer is cut at lingering_time too", async () => {
    const r = await untilClosed(
      'POST / HTTP/1.1\r\nHost: empty.localhost\r\nContent-Length: 1073741824\r\n\r\n',
      (write) => setInterval(() => write(Buffer.alloc(4096, 120)), 20),
      false,
      true,
    );
    expect(r.out).toMatch(/^HTTP\/1.1 503 /);
    expect(r.sent).toBeLessThan(1073741824);
  }, 20_000);
});
