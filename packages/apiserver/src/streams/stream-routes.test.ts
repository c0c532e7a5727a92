// The streaming sub-resources over real HTTP and WebSockets on loopback, with a fake container runtime: the
// protocol ends (negotiation, framing, stdin close, exit status, refusals before the upgrade) without Docker.
import net from 'node:net';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { resolveResource, type Pod } from '@kubelab/api';
import { KubeClient } from '@kubelab/client';
import { startApiServer, type RunningApiServer } from '../api-server';
import type { ContainerInstance } from './pod-containers';
import type { AttachRequest, ExecRequest, LogsRequest, PodRuntime } from './pod-runtime';

const pods = resolveResource('pods')!;

/** Echoes the command, then stdin, to stdout; exits with the number in `exit N`. */
class FakeRuntime implements PodRuntime {
  echo?: net.Server;
  async podContainers(): Promise<ContainerInstance[]> {
    return [{ id: 'c1', name: 'app', attempt: 0, state: 'running' }];
  }
  async exec(req: ExecRequest): Promise<number> {
    req.stdout?.write(`ran ${req.command.join(' ')}\n`);
    req.stderr?.write('to stderr\n');
    if (req.stdin) for await (const chunk of req.stdin as AsyncIterable<Buffer>) req.stdout?.write(chunk);
    const m = /exit (\d+)/.exec(req.command.join(' '));
    return m ? Number(m[1]) : 0;
  }
  async attach(_req: AttachRequest): Promise<number | undefined> {
    return 0;
  }
  async logs(req: LogsRequest): Promise<void> {
    req.out.write(`line 1\nline 2\n${req.tail ?? 'all'} ${req.timestamps}\n`);
  }
  connect(_pod: Pod, port: number): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port: port === 8080 ? (this.echo!.address() as net.AddressInfo).port : 1 });
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
  }
}

interface Session {
  protocol: string;
  frames: Array<{ channel: number; data: string; raw: Buffer }>;
  closed: Promise<void>;
  ws: WebSocket;
}

function open(url: string, protocols: string[]): Promise<Session> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    const frames: Session['frames'] = [];
    const closed = new Promise<void>((r) => ws.on('close', () => r()));
    ws.on('message', (d: Buffer) => frames.push({ channel: d[0], data: d.subarray(1).toString(), raw: d.subarray(1) }));
    ws.once('open', () => resolve({ protocol: ws.protocol, frames, closed, ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => reject(new Error(`${res.statusCode} ${body}`)));
    });
    ws.once('error', reject);
  });
}

describe('pods/exec, attach, log and portforward', () => {
  let server: RunningApiServer;
  let client: KubeClient;
  let base: string;
  const runtime = new FakeRuntime();

  beforeAll(async () => {
    runtime.echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => runtime.echo!.listen(0, '127.0.0.1', () => r()));
    server = await startApiServer({ port: 0, host: '127.0.0.1', log: pino({ level: 'silent' }), podRuntime: runtime });
    base = `127.0.0.1:${server.port}`;
    client = new KubeClient({ baseUrl: `http://${base}` });
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default' },
      spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'x' }] },
    } as Pod;
    await client.create(pods, pod, 'default');
    await client.patch(pods, 'web', { status: { phase: 'Running', podIP: '10.244.1.5' } }, 'default', 'status');
  });
  afterAll(async () => {
    await client.close();
    await server.close();
    runtime.echo?.close();
  });

  it('exec over v5: output per channel, stdin closed by the close signal, exit code in the status', async () => {
    const s = await open(`ws://${base}/api/v1/namespaces/default/pods/web/exec?command=sh&command=exit%203&stdin=1&stdout=1&stderr=1`, [
      'v5.channel.k8s.io',
      'v4.channel.k8s.io',
    ]);
    expect(s.protocol).toBe('v5.channel.k8s.io');
    s.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('typed\n')]));
    s.ws.send(Buffer.from([255, 0]));
    await s.closed;
    expect(
      s.frames
        .filter((f) => f.channel === 1)
        .map((f) => f.data)
        .join(''),
    ).toBe('ran sh exit 3\ntyped\n');
    expect(s.frames.find((f) => f.channel === 2)?.data).toBe('to stderr\n');
    const status = JSON.parse(s.frames.find((f) => f.channel === 3)!.data);
    expect(status).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  it('exec over v4 and base64: Success status for exit 0', async () => {
    const s = await open(`ws://${base}/api/v1/namespaces/default/pods/web/exec?command=true&stdout=true`, ['base64.v4.channel.k8s.io']);
    await s.closed;
    expect(s.protocol).toBe('base64.v4.channel.k8s.io');
    // Text frames: the channel digit, then base64.
    const out = s.frames.find((f) => f.channel === '1'.charCodeAt(0));
    expect(Buffer.from(out!.data, 'base64').toString()).toBe('ran true\n');
    const status = s.frames.find((f) => f.channel === '3'.charCodeAt(0));
    expect(JSON.parse(Buffer.from(status!.data, 'base64').toString())).toEqual({ metadata: {}, status: 'Success' });
  });

  it('refuses before the upgrade with a Status: unknown container, no stream, wrong protocol', async () => {
    await expect(
      open(`ws://${base}/api/v1/namespaces/default/pods/web/exec?command=ls&stdout=1&container=nope`, ['v5.channel.k8s.io']),
    ).rejects.toThrow(/400 .*container nope is not valid for pod web/);
    await expect(open(`ws://${base}/api/v1/namespaces/default/pods/web/exec?command=ls`, ['v5.channel.k8s.io'])).rejects.toThrow(
      /you must specify at least 1 of stdin, stdout, stderr/,
    );
    await expect(open(`ws://${base}/api/v1/namespaces/default/pods/web/exec?command=ls&stdout=1`, ['chat'])).rejects.toThrow(
      /unable to negotiate protocol/,
    );
    await expect(open(`ws://${base}/api/v1/namespaces/default/pods/nope/exec?command=ls&stdout=1`, ['v5.channel.k8s.io'])).rejects.toThrow(
      /404 .*pods \\"nope\\" not found/,
    );
  });

  it('log: text with the query options handed to the runtime; bad options refused', async () => {
    const r = await client.raw<string>('GET', '/api/v1/namespaces/default/pods/web/log?tailLines=2&timestamps=true');
    expect(r.object).toContain('line 1\nline 2\n2 true\n');
    await expect(client.raw('GET', '/api/v1/namespaces/default/pods/web/log?tailLines=-1')).rejects.toThrow(/tailLines: Invalid value: -1/);
  });

  it("portforward with the kubelet's framing: the port first on each channel, then the bytes of one connection", async () => {
    const s = await open(`ws://${base}/api/v1/namespaces/default/pods/web/portforward?ports=8080`, ['v4.channel.k8s.io']);
    const input = new PassThrough();
    input.on('data', (d: Buffer) => s.ws.send(Buffer.concat([Buffer.from([0]), d])));
    input.write('ping');
    const until = Date.now() + 5000;
    while (!s.frames.some((f) => f.channel === 0 && f.data === 'ping') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    s.ws.close();
    expect(s.frames.slice(0, 2).map((f) => [f.channel, f.raw.readUInt16LE(0)])).toEqual([
      [0, 8080],
      [1, 8080],
    ]);
    expect(s.frames.some((f) => f.channel === 0 && f.data === 'ping')).toBe(true);
  });
});
