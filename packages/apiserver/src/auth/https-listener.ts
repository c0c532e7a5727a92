// The API server's socket: HTTPS when the cluster has credentials, and a plain-HTTP request on that port is
// answered as Go's net/http answers it (kube-apiserver: `400 Client sent an HTTP request to an HTTPS
// server.`) instead of a dropped connection, so `curl http://...:6443` says what is wrong. The first byte of
// a connection tells: 0x16 opens a TLS handshake, anything else is plain text.
import type { RequestListener, Server } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';

const TLS_HANDSHAKE = 0x16;
const PLAIN_HTTP_ANSWER = 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n';

export interface ApiListener {
  /** The HTTP(S) server: request handling, upgrades, timeouts. */
  server: Server;
  /** The listening socket (the server itself without TLS). */
  listening: NetServer;
}

export async function listenApi(
  app: RequestListener,
  tls: { cert: string; key: string } | undefined,
  port: number,
  host: string,
): Promise<ApiListener> {
  if (!tls) {
    const server = createHttpServer(app);
    await listen(server, port, host);
    return { server, listening: server };
  }
  const server = createHttpsServer(tls, app) as unknown as Server;
  const front = createNetServer((socket: Socket) => {
    socket.once('readable', () => {
      const first = socket.read(1) as Buffer | null;
      if (!first) return void socket.destroy();
      socket.unshift(first);
      if (first[0] === TLS_HANDSHAKE) server.emit('connection', socket);
      else socket.end(PLAIN_HTTP_ANSWER);
    });
    socket.on('error', () => socket.destroy());
  });
  await listen(front, port, host);
  return { server, listening: front };
}

function listen(s: NetServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, host, () => {
      s.off('error', reject);
      resolve();
    });
  });
}

export async function closeApi(l: ApiListener): Promise<void> {
  l.server.closeAllConnections();
  await new Promise<void>((resolve) => l.listening.close(() => resolve()));
  if (l.listening !== (l.server as unknown as NetServer)) l.server.close();
}
