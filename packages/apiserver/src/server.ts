// The express application: discovery, health, and the generic resource handler, with every failure
// turned into a Kubernetes Status object.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { StatusError } from '@kubelab/api';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, serverVersion } from './discovery';
import { openApiRoutes } from './openapi';
import type { RequestAuth } from './auth/request-auth';
import type { ObjectService } from './registry/object-service';
import { bodyParsers, tooLarge } from './rest/body';
import { assertCleanRequestPath, rawRequestPath } from './rest/request-info';
import { resourceHandler } from './rest/resource-handler';
import type { PodRuntime } from './streams/pod-runtime';
import { podLogRoute } from './streams/stream-routes';
import { kubectlRoutes } from './kubectl-surface/kubectl-routes';
import { metricsRoutes } from './metrics/metrics-routes';
import type { MetricsSource } from './metrics/metrics-source';

export interface ServerDeps {
  service: ObjectService;
  log: Logger;
  /** Reports whether the server is ready to serve (state loaded, bootstrap objects present). */
  ready: () => boolean;
  /** Serves pods/log (and, on the HTTP server, exec, attach and portforward); absent in unit tests. */
  podRuntime?: PodRuntime;
  /** Serves metrics.k8s.io (kubectl top); absent in unit tests. */
  metrics?: MetricsSource;
  /** Authentication and authorization (auth/request-auth.ts); absent: everyone is an administrator (unit tests). */
  auth?: RequestAuth;
}

export function createApp({ service, log, ready, podRuntime, metrics, auth }: ServerDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(answerAfterCommit(service));
  // One reading of the path for the authorizer and the routes: case-sensitive routes, and a path a URL
  // parser would rewrite (dot-segments, backslashes) is 400 before anything else looks at it.
  app.set('case sensitive routing', true);
  app.use((req, _res, next) => {
    assertCleanRequestPath(rawRequestPath(req.url));
    next();
  });
  // Authentication and authorization come before the body is read (401/403 before 413/415), as in kube-apiserver.
  if (auth) app.use(auth.middleware());
  app.use(bodyParsers());
  app.use((req, res, next) => {
    const started = Date.now();
    res.on('finish', () => {
      const level = res.statusCode >= 500 ? 'error' : 'debug';
      log[level]({ method: req.method, url: req.originalUrl, status: res.statusCode, ms: Date.now() - started }, 'request');
    });
    next();
  });
  if (auth) app.use(auth.admission());

  app.get('/healthz', (_req, res) => void res.type('text/plain').send('ok'));
  app.get('/livez', (_req, res) => void res.type('text/plain').send('ok'));
  app.get('/readyz', (_req, res) => {
    if (ready()) res.type('text/plain').send('ok');
    else res.status(503).type('text/plain').send('not ready');
  });
  app.get('/version', (_req, res) => void res.json(serverVersion));
  app.get('/api', (_req, res) => void res.json(apiVersions()));
  app.get('/apis', (_req, res) => void res.json(apiGroupList(service.registry)));
  app.get('/api/:version', (req, res, next) => {
    const doc = apiResourceList(service.registry, '', String(req.params.version));
    if (doc) res.json(doc);
    else next();
  });
  app.get('/apis/:group', (req, res, next) => {
    const doc = apiGroup(service.registry, String(req.params.group));
    if (doc) res.json(doc);
    else next();
  });
  app.get('/apis/:group/:version', (req, res, next) => {
    const doc = apiResourceList(service.registry, String(req.params.group), String(req.params.version));
    if (doc) res.json(doc);
    else next();
  });
  app.use(openApiRoutes(service.registry));
  app.use(podLogRoute(service, () => podRuntime));
  app.use(kubectlRoutes(service, auth));
  app.use(metricsRoutes(service, () => metrics));
  app.use(resourceHandler(service));
  app.use((req: Request) => {
    throw new StatusError('NotFound', `the server could not find the requested resource (${req.method} ${req.path})`);
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = toStatusError(err);
    if (status.code >= 500) log.error({ err, url: req.originalUrl }, 'request failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(status.code).json(status.toStatus());
  });
  return app;
}

/**
 * No write is acknowledged before etcd has committed it: the answer to a mutating request is held until
 * every change made up to that moment (its own and those it caused) is committed (storage/store.ts).
 * A read's answer closes the open commit group: it may show resourceVersions a watch later starts from.
 */
function answerAfterCommit(service: ObjectService): express.RequestHandler {
  return (req, res, next) => {
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') {
      res.end = ((...args: unknown[]) => {
        service.store.seal();
        return end(...args);
      }) as Response['end'];
      return next();
    }
    res.end = ((...args: unknown[]) => {
      const store = service.store;
      if (store.resourceVersion <= store.committedResourceVersion) return end(...args);
      void store.committed(store.resourceVersion).then(() => end(...args));
      return res;
    }) as Response['end'];
    next();
  };
}

function toStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  const e = err as { type?: string; status?: number; message?: string };
  // body-parser errors: malformed JSON, too large, wrong charset.
  if (e?.type === 'entity.parse.failed') return new StatusError('BadRequest', `the request body is not valid JSON: ${e.message}`);
  if (e?.type === 'entity.too.large') return tooLarge();
  // An unsupported charset or Content-Encoding.
  if (e?.status === 415) return new StatusError('UnsupportedMediaType', e.message ?? 'unsupported media type');
  if (e?.status && e.status >= 400 && e.status < 500) return new StatusError('BadRequest', e.message ?? 'bad request');
  return new StatusError('InternalError', `Internal error occurred: ${(err as Error)?.message ?? String(err)}`);
}
