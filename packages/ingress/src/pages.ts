// The router's own answers, worded as nginx words them (ingress-nginx serves nginx's error pages).
import type { ServerResponse } from 'node:http';

export const reasons: Record<number, string> = {
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Time-out',
  413: 'Request Entity Too Large',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

const cache = new Map<number, Buffer>();

export function errorBody(status: number): Buffer {
  let b = cache.get(status);
  if (!b) {
    const title = `${status} ${reasons[status] ?? ''}`.trim();
    b = Buffer.from(
      `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>kubelab ingress</center>\r\n</body>\r\n</html>\r\n`,
    );
    cache.set(status, b);
  }
  return b;
}

export function sendError(res: ServerResponse, status: number, extra?: Record<string, string>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(status);
  res.writeHead(status, { 'content-type': 'text/html', 'content-length': body.length, ...extra });
  res.end(body);
}

/** A raw HTTP/1.1 answer on a socket (upgrades, client errors), then close. */
export function rawResponse(status: number, extra = ''): string {
  const body = errorBody(status);
  return `HTTP/1.1 ${status} ${reasons[status] ?? ''}\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\nConnection: close\r\n${extra}\r\n${body.toString()}`;
}
