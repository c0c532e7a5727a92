// kubelab/echo: the lab's stand-in application pod. startEcho is what tests and embedders call;
// runEchoFromEnv is the container entry, configured the Kubernetes way through env vars.
import { hostname as osHostname } from 'node:os';
import pino, { type Logger } from 'pino';
import { startEchoServers } from './echo-servers';
import { createHttpServer } from './http-server';
import { closeTcp, listenTcp } from './net-util';
import { attachWebSocketEcho } from './websocket';

export { collectIps, describeJson, describeText, formatRemoteAddr, normalizeAddress } from './describe';
export type { RequestDescription, WhoamiJson } from './describe';

export const DEFAULT_HTTP_PORT = 8080;
export const DEFAULT_ECHO_PORT = 9000;

export interface EchoOptions {
  /** HTTP and WebSocket port; 0 picks a free one. Default 8080. */
  port?: number;
  /** TCP and UDP echo port; 0 picks a free one. Default 9000. */
  echoPort?: number;
  /** Bind address. Default 0.0.0.0. */
  host?: string;
  /** Reported as "Hostname". Default POD_NAME, else the OS hostname. */
  hostname?: string;
  /** Added to the "IP" lines when no interface carries it. Default POD_IP. */
  podIp?: string;
  /** Default: pino to stdout at LOG_LEVEL (info). */
  logger?: Logger;
}

export interface EchoServer {
  httpPort: number;
  echoPort: number;
  close(): Promise<void>;
}

export function createLogger(level = process.env.LOG_LEVEL || 'info'): Logger {
  return pino({ level, base: { app: 'kubelab-echo' } });
}

export async function startEcho(options: EchoOptions = {}): Promise<EchoServer> {
  const host = options.host ?? '0.0.0.0';
  const logger = options.logger ?? createLogger();
  const hostname = options.hostname ?? (process.env.POD_NAME || osHostname());
  const podIp = options.podIp ?? process.env.POD_IP;

  const { server, handler } = createHttpServer({ logger, hostname, podIp });
  const ws = attachWebSocketEcho(server, handler, logger);
  const httpPort = await listenTcp(server, options.port ?? DEFAULT_HTTP_PORT, host);
  const echo = await startEchoServers(options.echoPort ?? DEFAULT_ECHO_PORT, host, logger).catch(async (err: unknown): Promise<never> => {
    await closeTcp(server);
    throw err;
  });
  logger.info({ host, httpPort, echoPort: echo.port, hostname }, 'echo listening');

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const httpClosed = closeTcp(server);
      // Keep-alive and /delay connections would otherwise hold close() open for up to a minute.
      server.closeAllConnections();
      ws.close();
      await Promise.all([httpClosed, echo.close()]);
    })();
    return closing;
  };
  return { httpPort, echoPort: echo.port, close };
}

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  // A Service named "echo" gives every later pod of its namespace ECHO_PORT=tcp://10.96.x.y:80 (the
  // kubelet's Docker-link variables), exactly as in Kubernetes: not ours to read, so the default applies.
  if (/^[a-z]+:\/\//.test(raw)) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name}=${raw} is not a valid port`);
  return port;
}

/** Runs until SIGTERM (or SIGINT), then closes the listeners and exits 0, the way a pod is expected to stop. */
export async function runEchoFromEnv(): Promise<EchoServer> {
  const logger = createLogger();
  const running = await startEcho({
    port: portFromEnv('PORT', DEFAULT_HTTP_PORT),
    echoPort: portFromEnv('ECHO_PORT', DEFAULT_ECHO_PORT),
    hostname: process.env.POD_NAME || undefined,
    logger,
  });
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    // A stuck close must not turn a graceful stop into a SIGKILL after the grace period.
    setTimeout(() => process.exit(0), 5_000).unref();
    running.close().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error({ err: err.message }, 'close failed');
        process.exit(0);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return running;
}
