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
  /** Every connection the TLS front accepted (absent without TLS). */
  sockets?: Set<Socket>;
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
  const sockets = new Set<Socket>();
  const front = createNetServer((socket: Socket) => {
    // Tracked so close() can end them: a socket handed to the https server mid-handshake, or one that never
    // sent a byte, is not among the https server's connections and would keep the net server open.
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
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
  return { server, listening: front, sockets };
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
  for (const s of l.sockets ?? []) s.destroy();
  await new Promise<void>((resolve) => l.listening.close(() => resolve()));
  if (l.listening !== (l.server as unknown as NetServer)) l.server.close();
}
