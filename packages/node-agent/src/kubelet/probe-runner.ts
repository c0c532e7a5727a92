// Runs one probe against a running container: httpGet and tcpSocket from the agent to the pod IP (the agent
// sits on the pod network, so it reaches pods directly), exec through `docker exec`. Messages follow the
// kubelet's wording so `describe` reads the same.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Container, Probe } from '@kubelab/api';

export interface ProbeOutcome {
  ok: boolean;
  message?: string;
}

export interface ProbeTarget {
  podIp: string;
  container: Container;
  containerId: string;
}

export interface ExecRunner {
  exec(containerId: string, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }>;
}

/** A named port resolves through the container's ports, as Kubernetes does. */
export function resolvePort(c: Container, port: number | string): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return c.ports?.find((p) => p.name === port)?.containerPort;
}

function httpProbe(p: NonNullable<Probe['httpGet']>, t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(t.container, p.port);
  if (port === undefined) return Promise.resolve({ ok: false, message: `unknown port "${p.port}" of container ${t.container.name}` });
  const scheme = (p.scheme ?? 'HTTP').toLowerCase();
  const host = p.host || t.podIp;
  const path = p.path ? (p.path.startsWith('/') ? p.path : `/${p.path}`) : '/';
  const url = `${scheme}://${host}:${port}${path}`;
  const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.31', accept: '*/*' };
  for (const h of p.httpHeaders ?? []) headers[h.name.toLowerCase()] = h.value;
  return new Promise((resolve) => {
    const lib = scheme === 'https' ? https : http;
    let req: http.ClientRequest;
    try {
      // Node throws synchronously on an invalid header or host; that is a failed probe, not a crashed agent.
      req = lib.request(url, { method: 'GET', headers, agent: false, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400 ? { ok: true } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` });
      });
    } catch (err) {
      resolve({ ok: false, message: `Get "${url}": ${(err as Error).message}` });
      return;
    }
    req.on('timeout', () => {
      req.destroy();
      resolve({ ok: false, message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, message: `Get "${url}": ${dialError(host, port, err)}` }));
    req.end();
  });
}

function dialError(host: string, port: number, err: NodeJS.ErrnoException): string {
  const what =
    err.code === 'ECONNREFUSED' ? 'connect: connection refused' : err.code === 'EHOSTUNREACH' ? 'connect: no route to host' : err.message;
  return `dial tcp ${host}:${port}: ${what}`;
}

function tcpProbe(p: NonNullable<Probe['tcpSocket']>, t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(t.container, p.port);
  if (port === undefined) return Promise.resolve({ ok: false, message: `unknown port "${p.port}" of container ${t.container.name}` });
  const host = p.host || t.podIp;
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (o: ProbeOutcome): void => {
      sock.destroy();
      resolve(o);
    };
    sock.setTimeout(timeoutMs, () => done({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` }));
    sock.once('connect', () => done({ ok: true }));
    sock.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, message: dialError(host, port, err) }));
  });
}

async function execProbe(p: NonNullable<Probe['exec']>, t: ProbeTarget, timeoutMs: number, runner: ExecRunner): Promise<ProbeOutcome> {
  try {
    const { exitCode, output } = await runner.exec(t.containerId, p.command, timeoutMs);
    if (exitCode === 0) return { ok: true };
    return { ok: false, message: output.trim() || `command ${JSON.stringify(p.command)} exited with ${exitCode}` };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

export function runProbe(probe: Probe, t: ProbeTarget, timeoutMs: number, runner: ExecRunner): Promise<ProbeOutcome> {
  if (probe.httpGet) return httpProbe(probe.httpGet, t, timeoutMs);
  if (probe.tcpSocket) return tcpProbe(probe.tcpSocket, t, timeoutMs);
  if (probe.exec) return execProbe(probe.exec, t, timeoutMs, runner);
  return Promise.resolve({ ok: true });
}
