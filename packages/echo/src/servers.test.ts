import dgram from 'node:dgram';
import net from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startEcho, type EchoServer, type WhoamiJson } from './index';

const HOST = '127.0.0.1';
let echo: EchoServer;
let base: string;

beforeAll(async () => {
  echo = await startEcho({ port: 0, echoPort: 0, host: HOST, hostname: 'test-pod', logger: pino({ level: 'silent' }) });
  base = `http://${HOST}:${echo.httpPort}`;
});

afterAll(async () => {
  await echo.close();
});

/** Sends raw bytes and collects everything until the server closes or goes quiet. */
function rawExchange(port: number, payload: string | Buffer, quietMs = 300): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, HOST);
    let received = '';
    socket.setTimeout(quietMs, () => socket.destroy());
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.write(payload);
  });
}

describe('HTTP', () => {
  it('GET / answers whoami text', async () => {
    const res = await fetch(`${base}/`, { headers: { 'X-Lab': 'yes' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const lines = (await res.text()).split('\n');
    expect(lines[0]).toBe('Hostname: test-pod');
    const rest = lines.slice(1).filter((l) => !l.startsWith('IP: '));
    expect(rest[0]).toMatch(/^RemoteAddr: 127\.0\.0\.1:\d+$/);
    expect(rest[1]).toBe('GET / HTTP/1.1');
    // Header names are echoed as the client spelled them; undici's spelling is its own business.
    expect(rest[2].toLowerCase()).toBe(`host: ${HOST}:${echo.httpPort}`);
    expect(rest.map((l) => l.toLowerCase())).toContain('x-lab: yes');
    expect(lines.at(-1)).toBe('');
  });

  it('answers unmatched paths like /', async () => {
    const res = await fetch(`${base}/some/where?q=1`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('GET /some/where?q=1 HTTP/1.1\n');
  });

  it('GET /json answers the same information as JSON', async () => {
    const res = await fetch(`${base}/json`, { headers: { 'X-Lab': 'yes' } });
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as WhoamiJson;
    expect(body).toMatchObject({
      hostname: 'test-pod',
      method: 'GET',
      url: '/json',
      proto: 'HTTP/1.1',
      host: `${HOST}:${echo.httpPort}`,
    });
    expect(Array.isArray(body.ip)).toBe(true);
    expect(body.remoteAddr).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(body.headers['x-lab']).toBe('yes');
  });

  it('GET /healthz answers ok', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
  });

  it('GET /status/<code> answers with that status', async () => {
    const res = await fetch(`${base}/status/418`);
    expect(res.status).toBe(418);
    expect(await res.text()).toContain('418');
    expect((await fetch(`${base}/status/204`)).status).toBe(204);
    for (const bad of ['99', '600', 'abc', '']) {
      const r = await fetch(`${base}/status/${bad}`);
      expect(r.status, bad).toBe(400);
      expect(await r.text()).toMatch(/100 to 599/);
    }
  });

  it('GET /delay/<ms> waits, then answers like /', async () => {
    const started = performance.now();
    const res = await fetch(`${base}/delay/50`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('GET /delay/50 HTTP/1.1\n');
    expect((await fetch(`${base}/delay/-5`)).status).toBe(400);
    expect((await fetch(`${base}/delay/soon`)).status).toBe(400);
  });

  it('survives a client that leaves during /delay', async () => {
    const controller = new AbortController();
    const pending = fetch(`${base}/delay/5000`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    await expect(pending).rejects.toThrow();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('rejects malformed requests with 400 and keeps serving', async () => {
    expect(await rawExchange(echo.httpPort, 'GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    const badLength = 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n';
    expect(await rawExchange(echo.httpPort, badLength)).toMatch(/^HTTP\/1\.1 400 /);
    const hugeHeader = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
    expect(await rawExchange(echo.httpPort, hugeHeader)).toMatch(/^HTTP\/1\.1 431 /);
    await rawExchange(echo.httpPort, Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10]));
    // Half a request, then a reset.
    const socket = net.connect(echo.httpPort, HOST);
    await new Promise((r) => socket.once('connect', r));
    socket.write('GET / HTTP/1.1\r\nHos');
    socket.resetAndDestroy();

    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Hostname: test-pod');
  });

  it('answers non-WebSocket upgrades (curl --http2) as plain HTTP/1.1', async () => {
    const request =
      'GET /status/404 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n';
    const answer = await rawExchange(echo.httpPort, request);
    expect(answer).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    expect(answer).toContain('Connection: close');
  });
});

describe('WebSocket echo', () => {
  it('echoes text and binary messages on /ws', async () => {
    const ws = new WebSocket(`ws://${HOST}:${echo.httpPort}/ws`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const next = () =>
      new Promise<{ data: WebSocket.RawData; isBinary: boolean }>((resolve) =>
        ws.once('message', (data, isBinary) => resolve({ data, isBinary })),
      );
    let reply = next();
    ws.send('hello lab');
    expect(await reply).toMatchObject({ isBinary: false });
    expect((await reply).data.toString()).toBe('hello lab');
    reply = next();
    ws.send(Buffer.from([1, 2, 3]));
    const binary = await reply;
    expect(binary.isBinary).toBe(true);
    expect([...(binary.data as Buffer)]).toEqual([1, 2, 3]);
    ws.close();
    await new Promise((r) => ws.once('close', r));
  });

  it('does not upgrade other paths', async () => {
    const ws = new WebSocket(`ws://${HOST}:${echo.httpPort}/elsewhere`);
    const err = await new Promise<Error>((resolve) => ws.once('error', resolve));
    expect(err.message).toMatch(/Unexpected server response: 200/);
  });
});

describe('TCP and UDP echo', () => {
  it('echoes TCP bytes, including after the client half-closes', async () => {
    const socket = net.connect({ port: echo.echoPort, host: HOST, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    const ended = new Promise((r) => socket.once('end', r));
    await new Promise((r) => socket.once('connect', r));
    socket.write('ping ');
    socket.end('pong');
    await ended;
    socket.destroy();
    expect(Buffer.concat(chunks).toString()).toBe('ping pong');
  });

  it('sends UDP datagrams back to the sender', async () => {
    const client = dgram.createSocket('udp4');
    try {
      const reply = new Promise<{ msg: Buffer; port: number }>((resolve) =>
        client.once('message', (msg, rinfo) => resolve({ msg, port: rinfo.port })),
      );
      client.send('datagram', echo.echoPort, HOST);
      const { msg, port } = await reply;
      expect(msg.toString()).toBe('datagram');
      expect(port).toBe(echo.echoPort);
    } finally {
      client.close();
    }
  });
});

describe('lifecycle', () => {
  it('rejects when a port is taken and closes promptly despite open connections', async () => {
    const log = pino({ level: 'silent' });
    await expect(startEcho({ port: echo.httpPort, echoPort: 0, host: HOST, logger: log })).rejects.toThrow(/EADDRINUSE/);
    await expect(startEcho({ port: 0, echoPort: echo.echoPort, host: HOST, logger: log })).rejects.toThrow(/EADDRINUSE/);

    const other = await startEcho({ port: 0, echoPort: 0, host: HOST, logger: log });
    const pending = fetch(`http://${HOST}:${other.httpPort}/delay/60000`).catch(() => 'aborted');
    const tcp = net.connect(other.echoPort, HOST).on('error', () => {});
    const ws = new WebSocket(`ws://${HOST}:${other.httpPort}/ws`).on('error', () => {});
    await new Promise((r) => ws.once('open', r));
    await new Promise((r) => setTimeout(r, 20));
    const started = performance.now();
    await Promise.all([other.close(), other.close()]);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await pending).toBe('aborted');
    tcp.destroy();
  });
});
