// The probes `kubelab trace` sends: nc (TCP, UDP) or ping (ICMP) with a fixed source port, from a helper
// joined to the source pod's or node's network namespace, or to the host's own (`host`: Node cannot send
// ICMP, and one tool for all three keeps the results alike); a TCP connect from the CLI itself; and an HTTP
// request (an Ingress URL) that carries an X-Request-ID, so the router's access log tells where it went.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type Docker from 'dockerode';
import { demuxFrames } from '@kubelab/api';
import { attachBound, createHelper, pauseContainer } from '../inspect/node-docker';
import { shellWords } from '../trace/format';
import type { NodeInfo } from './trace-kernel';
import type { ResolvedEnd } from './trace-resolve';

export type Proto = 'tcp' | 'udp' | 'icmp';

export interface ProbeResult {
  ok: boolean;
  text: string;
}

export function describeNc(out: string, code: number, proto: Proto): ProbeResult {
  const line = out.trim().split('\n').pop() ?? '';
  if (proto === 'tcp') {
    if (code === 0) return { ok: true, text: 'connected' };
    if (/refused/i.test(out)) return { ok: false, text: 'connection refused (an ICMP port-unreachable or a TCP reset came back)' };
    if (/timed out|in progress/i.test(out)) return { ok: false, text: 'timed out (no answer: dropped somewhere)' };
    return { ok: false, text: line || `failed (exit ${code})` };
  }
  if (proto === 'udp') {
    if (/refused/i.test(out)) return { ok: false, text: 'refused (ICMP port unreachable)' };
    return {
      ok: code === 0,
      text: out.trim() ? `answered: ${out.trim().split('\n')[0].slice(0, 60)}` : 'sent (no answer within 1 s; UDP has no handshake)',
    };
  }
  const ttl = /ttl=(\d+)/.exec(out)?.[1];
  return ttl
    ? { ok: true, text: `echo reply, TTL ${ttl}` }
    : { ok: false, text: /unreachable|prohibited/i.test(out) ? line : 'no echo reply' };
}

export function probeCommand(proto: Proto, ip: string, port: number | undefined, sport: number): string[] {
  if (proto === 'icmp') return ['ping', '-c', '1', '-W', '2', ip];
  if (proto === 'tcp') return ['nc', '-z', '-v', '-w', '2', '-p', String(sport), ip, String(port)];
  return ['sh', '-c', `echo kubelab-trace | nc -u -w 1 -p ${sport} ${ip} ${port}`];
}

/** Runs a probe command in a helper joined to `joins` ("host": the host's namespace); its output and exit. */
export async function runInHelper(
  d: Docker,
  cluster: string,
  joins: string,
  cmd: string[],
  capAdd: string[],
): Promise<{ out: string; code: number }> {
  const h = await createHelper(d, { cluster, joins, purpose: 'trace probe', cmd, capAdd, bound: true });
  const { stream } = await attachBound(h);
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve) => stream.on('end', resolve));
  // Before start: the helper is AutoRemove, gone as soon as it exits.
  const exited = h.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
  await h.start();
  const exit = await exited;
  await Promise.race([ended, new Promise((r) => setTimeout(r, 1000))]);
  stream.destroy();
  return { out: demuxFrames(Buffer.concat(chunks)).map(String).join(''), code: exit.StatusCode };
}

export async function probeFromContainer(d: Docker, cluster: string, joins: string, cmd: string[], proto: Proto): Promise<ProbeResult> {
  const r = await runInHelper(d, cluster, joins, cmd, proto === 'icmp' ? ['NET_RAW'] : []);
  return describeNc(r.out, r.code, proto);
}

/**
 * A probe's source port: above the kernel's ephemeral range (32768-60999), so no connection the system
 * opened holds it; from the host, also one this machine can bind now (a random port once met EADDRINUSE).
 */
export async function probeSourcePort(fromHost: boolean): Promise<number> {
  for (let i = 0; ; i++) {
    const port = 61000 + Math.floor(Math.random() * 4000);
    if (!fromHost || i >= 20) return port;
    // Bound as the probe binds it (a connect from that port; a listener or a TIME_WAIT there: EADDRINUSE),
    // to 127.0.0.1:1, where nothing listens (refused at once, no connection left behind).
    const free = await new Promise<boolean>((resolve) => {
      const c = net.connect({ host: '127.0.0.1', port: 1, localPort: port });
      c.once('error', (err: NodeJS.ErrnoException) => resolve(err.code !== 'EADDRINUSE'));
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
    });
    if (free) return port;
  }
}

export function probeFromHost(ip: string, port: number, sport: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const s = net.connect({ host: ip, port, localPort: sport, timeout: 2000 });
    s.once('connect', () => {
      s.destroy();
      resolve({ ok: true, text: 'connected' });
    });
    s.once('timeout', () => {
      s.destroy();
      resolve({ ok: false, text: 'timed out (no answer: dropped somewhere)' });
    });
    s.once('error', (err: NodeJS.ErrnoException) =>
      resolve({ ok: false, text: err.code === 'ECONNREFUSED' ? 'connection refused' : `failed: ${err.message}` }),
    );
  });
}

export interface HttpProbe {
  scheme: 'http' | 'https';
  /** Where to connect. */
  ip: string;
  port: number;
  hostHeader: string;
  /** Host name for TLS SNI. */
  host: string;
  target: string;
  requestId: string;
}

/** "HTTP 200" as a probe result: any answer from the router is delivered; 5xx from it names its own failure. */
function httpResult(status: number | undefined, err?: string): ProbeResult {
  if (status === undefined) return { ok: false, text: err ?? 'no answer' };
  return { ok: status < 500, text: `HTTP ${status}` };
}

/** An HTTP request from the CLI (the host): a fresh connection, no keep-alive. */
export function httpFromHost(p: HttpProbe): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const mod = p.scheme === 'https' ? https : http;
    const req = mod.request(
      {
        host: p.ip,
        port: p.port,
        path: p.target,
        method: 'GET',
        agent: false,
        timeout: 3000,
        headers: { Host: p.hostHeader, 'X-Request-ID': p.requestId, Connection: 'close' },
        ...(p.scheme === 'https' ? { servername: p.host, rejectUnauthorized: false } : {}),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(httpResult(res.statusCode)));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out (no answer: dropped somewhere)')));
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve(httpResult(undefined, err.code === 'ECONNREFUSED' ? 'connection refused' : err.message)),
    );
    req.end();
  });
}

/** The same request with curl in a helper (a pod's or a node's namespace), from a fixed source port. */
export function curlCommand(p: HttpProbe, sport: number): string[] {
  const url = `${p.scheme}://${p.scheme === 'https' ? p.host : p.ip}:${p.port}${p.target}`;
  return [
    'curl',
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    'HTTP %{http_code}\\n',
    '--max-time',
    '3',
    '--local-port',
    String(sport),
    ...(p.scheme === 'https' ? ['-k', '--resolve', `${p.host}:${p.port}:${p.ip}`] : ['-H', `Host: ${p.hostHeader}`]),
    '-H',
    `X-Request-ID: ${p.requestId}`,
    url,
  ];
}

/**
 * curl's result. Through a router a 5xx is the router's own failure (not delivered); `anyStatus`: the
 * server itself answered (a Service's pod), so any status means the request got there.
 */
export function describeCurl(out: string, o: { anyStatus?: boolean } = {}): ProbeResult {
  const status = /HTTP (\d{3})/.exec(out)?.[1];
  if (status && status !== '000') return o.anyStatus ? { ok: true, text: `HTTP ${status}` } : httpResult(Number(status));
  const err = out.replace(/HTTP 000\s*/, '').trim();
  if (/refused/i.test(err)) return { ok: false, text: 'connection refused' };
  if (/timed out/i.test(err)) return { ok: false, text: 'timed out (no answer: dropped somewhere)' };
  return { ok: false, text: err || 'no answer' };
}

/** The container a probe's helper joins: the source pod's pause container, or the source node's. */
export async function probeJoins(d: Docker, cluster: string, src: ResolvedEnd, nodes: NodeInfo[]): Promise<string> {
  return src.kind === 'pod'
    ? pauseContainer(d, cluster, src.pod!.metadata.namespace!, src.pod!.metadata.name!)
    : nodes.find((n) => n.ip === src.ip)!.container;
}

/** An HTTP request with curl in a helper joined to `joins`, from a fixed source port. */
export async function curlProbe(
  d: Docker,
  cluster: string,
  joins: string,
  p: HttpProbe,
  sport: number,
  o: { anyStatus?: boolean } = {},
): Promise<{ probe: ProbeResult; text: string }> {
  const cmd = curlCommand(p, sport);
  const r = await runInHelper(d, cluster, joins, cmd, []);
  const probe = describeCurl(r.out, o);
  return { probe, text: `${shellWords(cmd)}: ${probe.text}` };
}
