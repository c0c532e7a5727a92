// `kubelab ui`'s HTTP server: the page and its bundled script, the map as JSON, its changes as Server-Sent
// Events, and the details panels (a pod's recent flows, a Service's rules with live counters). Bound to
// 127.0.0.1 only; requests naming another Host are refused (DNS rebinding: a web page elsewhere must not
// read the cluster through the learner's browser).
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { compactLine } from '../flows/flows';
import type { GraphSource } from './graph-source';

export interface UiServerOptions {
  source: GraphSource;
  port: number;
  assetsDir: string;
  /** Shown in the page's header ("live" or "replay of bundle.json"). */
  mode: string;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css' };
const ASSETS = new Set(['/index.html', '/app.js', '/app.css']);

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function localHost(host: string | undefined, port: number): boolean {
  return !!host && [`127.0.0.1:${port}`, `localhost:${port}`].includes(host.toLowerCase());
}

export async function startUiServer(o: UiServerOptions): Promise<{ server: Server; url: string }> {
  let port = o.port;
  const events = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    const send = (g: unknown): void => void res.write(`event: graph\ndata: ${JSON.stringify(g)}\n\n`);
    send(o.source.current());
    const off = o.source.subscribe(send);
    const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    req.on('close', () => {
      off();
      clearInterval(beat);
    });
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!localHost(req.headers.host, port)) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('kubelab ui answers only to http://127.0.0.1 or http://localhost\n');
      return;
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const p = url.pathname === '/' ? '/index.html' : url.pathname;
    const q = (k: string) => url.searchParams.get(k) ?? '';
    if (ASSETS.has(p)) {
      try {
        res.writeHead(200, { 'content-type': TYPES[path.extname(p)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
        res.end(readFileSync(path.join(o.assetsDir, p)));
      } catch {
        json(res, 404, { error: `${p} is not built` });
      }
      return;
    }
    if (p === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (p === '/api/graph') return json(res, 200, o.source.current());
    if (p === '/api/info') return json(res, 200, { mode: o.mode, cluster: o.source.current().cluster });
    if (p === '/events') return events(req, res);
    if (p === '/api/pod') {
      const flows = o.source.podFlows(`${q('namespace')}/${q('name')}`);
      return json(res, 200, { flows: flows.map(compactLine) });
    }
    if (p === '/api/service') {
      const rules = await o.source.serviceRules(q('namespace'), q('name'));
      return json(res, 200, { rules: rules ?? null });
    }
    json(res, 404, { error: `no ${p}` });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => json(res, 500, { error: err instanceof Error ? err.message : String(err) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return { server, url: `http://127.0.0.1:${port}/` };
}
