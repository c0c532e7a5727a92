// WebSocket echo on /ws. It shares the HTTP port (noServer mode) because in the lab every extra port
// is another Service entry to write; one port that speaks both is easier to reach through NAT.
import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import { normalizeAddress } from './describe';
import { pathOf } from './net-util';
import type { RequestHandler } from './http-server';

export interface WebSocketEcho {
  /** Upgraded sockets are no longer the HTTP server's to close, so shutdown must end them here. */
  close(): void;
}

/**
 * Node hands every request carrying "Connection: Upgrade" to the upgrade listener, including
 * `curl --http2` (Upgrade: h2c) on plain paths. Those get the ordinary HTTP/1.1 answer instead of an error.
 */
function answerAsPlainHttp(req: IncomingMessage, socket: Duplex, handler: RequestHandler): void {
  const res = new http.ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as never);
  // Left attached on purpose: the socket's 'close' then emits the response's 'close', which logs the request.
  res.once('finish', () => {
    socket.end();
    // The HTTP parser let go of this socket, so nothing reads it: drain so the client's FIN is seen and it closes.
    socket.resume();
  });
  handler(req, res);
}

export function attachWebSocketEcho(server: http.Server, handler: RequestHandler, logger: Logger): WebSocketEcho {
  const wss = new WebSocketServer({ noServer: true });
  const upgraded = new Set<Duplex>();

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    // Without a listener, a protocol error from one client (bad frame, oversized message) would throw.
    ws.on('error', (err) => logger.debug({ err: err.message }, 'websocket error'));
    ws.on('message', (data, isBinary) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary: isBinary });
    });
    logger.info({ method: req.method, url: req.url, status: 101, remote: normalizeAddress(req.socket.remoteAddress ?? '') }, 'websocket');
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => logger.debug({ err: err.message }, 'upgrade socket error'));
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const isWebSocket = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    if (pathOf(req.url) === '/ws' && isWebSocket) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    } else {
      answerAsPlainHttp(req, socket, handler);
    }
  });

  return {
    close() {
      for (const client of wss.clients) client.terminate();
      for (const socket of upgraded) socket.destroy();
      wss.close();
    },
  };
}
