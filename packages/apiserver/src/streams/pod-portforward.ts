// pods/{name}/portforward over a WebSocket with the kubelet's channel framing
// (pkg/kubelet/cri/streaming/portforward/websocket.go): `?ports=A&ports=B`, a data and an error channel per
// port (2i, 2i+1), the first message of each the port as two little-endian bytes, then the bytes of one TCP
// connection to that port of the pod. @kubernetes/client-node's PortForward speaks this. kubectl tunnels
// SPDY instead (portforward-spdy.ts).
import type { Duplex } from 'node:stream';
import { StatusError, type Pod } from '@kubelab/api';
import type WebSocket from 'ws';
import { decodeFrame, encodeFrame, portPrefix, type Protocol } from './channel-protocol';
import type { PodRuntime } from './pod-runtime';

/** The ports of the query, checked as the kubelet's websocket handler does. */
export function parsePorts(params: URLSearchParams): number[] {
  const raw = params.getAll('ports').flatMap((p) => p.split(','));
  if (raw.length === 0) throw new StatusError('BadRequest', 'query parameter "port" is required');
  return raw.map((p) => {
    const n = Number(p);
    if (!/^\d+$/.test(p.trim()) || n < 1 || n > 65535)
      throw new StatusError('BadRequest', `unable to parse "${p}" as a port: invalid port`);
    return n;
  });
}

/** The kubelet's refusal of a pod that is not running (it has no network namespace to forward into yet). */
export function forwardAddress(pod: Pod): string {
  const ip = pod.status?.podIP;
  if (!ip || pod.status?.phase !== 'Running') {
    throw new StatusError(
      'BadRequest',
      `unable to forward port because pod is not running. Current status=${pod.status?.phase ?? 'Pending'}`,
    );
  }
  return ip;
}

export function forwardError(pod: Pod, port: number, err: unknown): string {
  return `error forwarding port ${port} to pod ${pod.metadata.uid ?? ''}, uid : failed to connect to localhost:${port} inside namespace of pod ${pod.metadata.name}: ${(err as Error).message}`;
}

export function runPortForward(ws: WebSocket, protocol: Protocol, runtime: PodRuntime, pod: Pod, ports: number[]): void {
  forwardAddress(pod);
  const send = (channel: number, data: Buffer | string): void => {
    if (ws.readyState === ws.OPEN) ws.send(encodeFrame(channel, data, protocol.base64));
  };
  const sockets: Array<Duplex | undefined> = [];
  const pending: Buffer[][] = ports.map(() => []);
  ports.forEach((port, i) => {
    send(2 * i, portPrefix(port));
    send(2 * i + 1, portPrefix(port));
    runtime.connect(pod, port).then(
      (socket) => {
        if (ws.readyState !== ws.OPEN) return void socket.destroy();
        sockets[i] = socket;
        for (const b of pending[i]) socket.write(b);
        socket.on('data', (d: Buffer) => send(2 * i, d));
        // One connection per WebSocket, as the kubelet: its end ends the session.
        socket.on('close', () => ws.close(1000));
        socket.on('error', (err) => send(2 * i + 1, forwardError(pod, port, err)));
      },
      (err) => {
        send(2 * i + 1, forwardError(pod, port, err));
        ws.close(1000);
      },
    );
  });
  ws.on('message', (message: Buffer, isBinary: boolean) => {
    const frame = decodeFrame(isBinary ? message : message.toString('utf8'), protocol.base64);
    if (!frame || frame.channel % 2 === 1) return;
    const i = frame.channel / 2;
    if (i >= ports.length || frame.data.length === 0) return;
    if (sockets[i]) sockets[i].write(frame.data);
    else pending[i].push(Buffer.from(frame.data));
  });
  ws.on('close', () => {
    for (const s of sockets) s?.destroy();
  });
}
