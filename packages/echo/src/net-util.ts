// Helpers shared by the HTTP, WebSocket and echo servers. Bind and close become promises so bind errors
// (EADDRINUSE, EACCES) reject startEcho instead of surfacing as unhandled 'error' events.
import type { Socket as UdpSocket } from 'node:dgram';
import type { AddressInfo, Server } from 'node:net';

/** Resolves with the bound port, which is what callers need when they asked for port 0. */
export function listenTcp(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function bindUdp(socket: UdpSocket, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    socket.once('error', onError);
    socket.bind(port, host, () => {
      socket.off('error', onError);
      resolve(socket.address().port);
    });
  });
}

export function closeTcp(server: Server): Promise<void> {
  // ERR_SERVER_NOT_RUNNING only means someone closed it first; shutting down twice is not a failure.
  return new Promise((resolve) => server.close(() => resolve()));
}

export function closeUdp(socket: UdpSocket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}

/** Path part of a request target: origin-form ("/a?b"), absolute-form ("http://h/a") or junk. */
export function pathOf(url: string | undefined): string {
  if (!url) return '/';
  if (url.startsWith('/')) return url.split(/[?#]/, 1)[0];
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
