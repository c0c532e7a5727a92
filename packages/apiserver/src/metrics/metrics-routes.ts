// GET metrics.k8s.io/v1beta1 nodes and pods, what metrics-server serves through kube-aggregator and what
// `kubectl top` reads: lists (labelSelector, fieldSelector on metadata.name/namespace) and single objects,
// with metrics-server's NotFound wording. A pod's metrics list its app containers (not the sandbox); a
// node's usage is its node container plus every pod container on it, as the node's root cgroup would be.
import type { NextFunction, Request, Response } from 'express';
import { type KubeObject, matchesRequirements, parseSelector, StatusError } from '@kubelab/api';
import type { ObjectService } from '../registry/object-service';
import { nodeStrategy } from '../registry/core-kinds';
import { podStrategy } from '../registry/workload-kinds';
import { parseRequestPath } from '../rest/request-info';
import { metricsList, nodeMetrics, podMetrics, sumUsage, type Usage } from './container-stats';
import type { ContainerMetrics, MetricsSource } from './metrics-source';

export const METRICS_GROUP = 'metrics.k8s.io';

function fieldFilter(text: string | undefined): (o: KubeObject) => boolean {
  if (!text) return () => true;
  const terms = text.split(',').map((t) => {
    const m = /^([\w.]+)(==|=|!=)(.*)$/.exec(t.trim());
    if (!m || !['metadata.name', 'metadata.namespace'].includes(m[1]))
      throw new StatusError('BadRequest', `"${t}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
    return { field: m[1], neg: m[2] === '!=', value: m[3] };
  });
  return (o) =>
    terms.every((t) => {
      const v = t.field === 'metadata.name' ? o.metadata.name : o.metadata.namespace;
      return (v === t.value) !== t.neg;
    });
}

function selected(req: Request): (o: KubeObject) => boolean {
  const label = typeof req.query.labelSelector === 'string' ? parseSelector(req.query.labelSelector) : [];
  const field = fieldFilter(typeof req.query.fieldSelector === 'string' ? req.query.fieldSelector : undefined);
  return (o) => matchesRequirements(label, o.metadata.labels) && field(o);
}

export function nodeMetricsOf(service: ObjectService, all: ContainerMetrics[]): Array<{ node: KubeObject; usage: Usage }> {
  const byNode = new Map<string, Usage[]>();
  for (const c of all) if (c.node) byNode.set(c.node, [...(byNode.get(c.node) ?? []), c.usage]);
  return service.list(nodeStrategy, undefined).flatMap((node) => {
    const usage = sumUsage(byNode.get(node.metadata.name!) ?? []);
    return usage ? [{ node, usage }] : [];
  });
}

export function podMetricsOf(service: ObjectService, namespace: string | undefined, all: ContainerMetrics[]): object[] {
  const byPod = new Map<string, ContainerMetrics[]>();
  for (const c of all) {
    if (!c.pod || c.container === 'POD') continue;
    const key = `${c.namespace}/${c.pod}`;
    byPod.set(key, [...(byPod.get(key) ?? []), c]);
  }
  return service.list(podStrategy, namespace).flatMap((pod) => {
    const cs = byPod.get(`${pod.metadata.namespace}/${pod.metadata.name}`);
    if (!cs) return [];
    return [
      podMetrics({
        namespace: pod.metadata.namespace!,
        name: pod.metadata.name!,
        labels: pod.metadata.labels,
        containers: cs.map((c) => ({ name: c.container!, usage: c.usage })),
      }),
    ];
  });
}

export function metricsRoutes(service: ObjectService, source: () => MetricsSource | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const info = parseRequestPath(req.path);
    if (req.method !== 'GET' || info?.group !== METRICS_GROUP) return next();
    if (info.version !== 'v1beta1' || (info.resource !== 'nodes' && info.resource !== 'pods') || info.subresource) return next();
    const src = source();
    if (!src)
      return next(new StatusError('ServiceUnavailable', 'metrics.k8s.io: this API server has no container runtime to read usage from'));
    const serve = async (): Promise<object> => {
      const all = await src.containers();
      if (info.resource === 'nodes') {
        if (info.namespace) throw new StatusError('NotFound', 'the server could not find the requested resource');
        const nodes = nodeMetricsOf(service, all);
        if (info.name) {
          const one = nodes.find((n) => n.node.metadata.name === info.name);
          if (!one) throw new StatusError('NotFound', `nodemetrics.metrics.k8s.io "${info.name}" not found`);
          return nodeMetrics({ name: info.name, labels: one.node.metadata.labels, usage: one.usage });
        }
        const keep = selected(req);
        return metricsList(
          'NodeMetricsList',
          nodes
            .filter((n) => keep(n.node))
            .map((n) => nodeMetrics({ name: n.node.metadata.name!, labels: n.node.metadata.labels, usage: n.usage })),
        );
      }
      const pods = podMetricsOf(service, info.namespace, all) as KubeObject[];
      if (info.name) {
        const one = pods.find((p) => p.metadata.name === info.name);
        if (!one) throw new StatusError('NotFound', `podmetrics.metrics.k8s.io "${info.namespace}/${info.name}" not found`);
        return one;
      }
      return metricsList('PodMetricsList', pods.filter(selected(req)));
    };
    serve()
      .then((body) => void res.json(body))
      .catch(next);
  };
}
