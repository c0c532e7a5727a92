// Where the streaming sub-resources of pods enter the API server: GET pods/{name}/log as an HTTP route, and
// exec, attach and portforward as WebSocket upgrades of the HTTP server (kube-apiserver answers all four
// through the kubelet; here through the runtime, see pod-runtime.ts). A request that fails before it streams
// gets the Status a kube-apiserver sends, as an HTTP response on the socket.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { createWebSocketStream, type WebSocket, WebSocketServer } from 'ws';
import { StatusError, type Pod } from '@kubelab/api';
import type { RequestAuth } from '../auth/request-auth';
import type { ObjectService } from '../registry/object-service';
import { podStrategy } from '../registry/workload-kinds';
import { assertCleanRequestPath, parseRequestPath, rawRequestPath } from '../rest/request-info';
import { EXEC_PROTOCOLS, negotiate, PORTFORWARD_PROTOCOLS } from './channel-protocol';
import { runSpdySession, spdyExecProtocol } from './exec-spdy';
import { parseExecOptions, runSession, sessionTarget } from './pod-exec';
import { servePodLog } from './pod-log';
import { forwardAddress, parsePorts, runPortForward } from './pod-portforward';
import type { PodRuntime } from './pod-runtime';
import { isSpdyTunnel, isSpdyUpgrade, runSpdyPortForward, SPDY_PORTFORWARD, SPDY_SWITCHING } from './portforward-spdy';
import { asStatusError } from './stream-errors';

const STREAMING = new Set(['exec', 'attach', 'portforward']);

function podOf(service: ObjectService, namespace: string, name: string): Pod {
  return service.get(podStrategy, namespace, name) as Pod;
}

/** GET (and kubectl's older POST-less clients) pods/{name}/log. */
export function podLogRoute(service: ObjectService, runtime: () => PodRuntime | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const info = parseRequestPath(req.path);
    if (req.method !== 'GET' || info?.group !== '' || info.resource !== 'pods' || info.subresource !== 'log' || !info.namespace) {
      return next();
    }
    const rt = runtime();
    if (!rt) return next(new StatusError('ServiceUnavailable', 'pods/log: this API server has no container runtime to read logs from'));
    const pod = podOf(service, info.namespace, info.name!);
    servePodLog(rt, pod, req, res).catch(next);
  };
}

function refuse(socket: Duplex, err: StatusError): void {
  const body = JSON.stringify(err.toStatus());
  socket.end(
    `HTTP/1.1 ${err.code} ${err.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function offered(req: IncomingMessage): string[] {
  return (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** Serves exec, attach and portforward upgrades on the server; other upgrades are refused with 404. */
export function serveStreamUpgrades(
  server: Server,
  service: ObjectService,
  runtime: () => PodRuntime | undefined,
  log: Logger,
  auth?: RequestAuth,
): void {
  // The protocol is chosen before the upgrade (a failure must still be an HTTP answer); ws is told it here.
  const chosen = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (_offered, req) => chosen.get(req) || false,
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    handle(req, socket, head).catch((err) => {
      const status = asStatusError(err);
      if (status.code >= 500) log.error({ err, url: req.url }, 'stream upgrade failed');
      if (!socket.destroyed) refuse(socket, status);
    });
  });

  async function handle(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // Upgrades never reach express: authenticate and authorize them here (verb create on pods/exec, ...).
    const pathname = rawRequestPath(req.url ?? '/');
    assertCleanRequestPath(pathname);
    await auth?.check(req, true);
    const url = new URL(req.url ?? '/', 'http://apiserver');
    const info = parseRequestPath(pathname);
    if (info?.group !== '' || info.resource !== 'pods' || !info.namespace || !info.name || !STREAMING.has(info.subresource ?? '')) {
      throw new StatusError('NotFound', `the server could not find the requested resource (${req.method} ${pathname})`);
    }
    const kind = info.subresource as 'exec' | 'attach' | 'portforward';
    const rt = runtime();
    if (!rt) throw new StatusError('ServiceUnavailable', `pods/${kind}: this API server has no container runtime`);
    const pod = podOf(service, info.namespace, info.name);
    const protocols = offered(req);

    if (kind === 'portforward') {
      if (isSpdyTunnel(protocols)) {
        forwardAddress(pod);
        // ws refuses "SPDY/3.1+portforward.k8s.io" as a header token ('/' is not a tchar): it is chosen here.
        req.headers['sec-websocket-protocol'] = 'spdy-tunnel';
        const ws = await accept(req, socket, head, SPDY_PORTFORWARD);
        runSpdyPortForward(createWebSocketStream(ws, { allowHalfOpen: false }), rt, pod, log);
        return;
      }
      if (isSpdyUpgrade(req)) {
        // kubectl before 1.31 (and after a failed WebSocket attempt): SPDY/3.1 straight on the connection.
        forwardAddress(pod);
        socket.write(SPDY_SWITCHING);
        if (head.length) socket.unshift(head);
        runSpdyPortForward(socket, rt, pod, log);
        return;
      }
      const ports = parsePorts(url.searchParams);
      forwardAddress(pod);
      const protocol = negotiate(protocols, PORTFORWARD_PROTOCOLS);
      if (!protocol) throw noProtocol(protocols, PORTFORWARD_PROTOCOLS);
      const ws = await accept(req, socket, head, protocol.name);
      runPortForward(ws, protocol, rt, pod, ports);
      return;
    }
    const opts = parseExecOptions(url.searchParams, kind);
    const spdy = spdyExecProtocol(req);
    if (spdy) {
      // kubectl before 1.30: SPDY on the upgraded connection.
      const containerId = await sessionTarget(rt, pod, opts);
      if (head.length) socket.unshift(head);
      runSpdySession(socket, spdy, rt, kind, containerId, opts, log);
      return;
    }
    const protocol = negotiate(protocols, EXEC_PROTOCOLS);
    if (!protocol) throw noProtocol(protocols, EXEC_PROTOCOLS);
    const containerId = await sessionTarget(rt, pod, opts);
    const ws = await accept(req, socket, head, protocol.name);
    await runSession(ws, protocol, rt, kind, containerId, opts);
  }

  function accept(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): Promise<WebSocket> {
    chosen.set(req, protocol);
    return new Promise((resolve) => wss.handleUpgrade(req, socket, head, (ws) => resolve(ws)));
  }
}

function noProtocol(offeredList: string[], supported: readonly string[]): StatusError {
  return new StatusError(
    'BadRequest',
    `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offeredList)}, server supports ${JSON.stringify(supported)}`,
  );
}
