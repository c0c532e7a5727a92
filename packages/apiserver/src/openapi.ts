// /openapi/v3 (index and one document per group-version) and /openapi/v2 for the kinds kubelab serves, built
// from the same field table as the protobuf decoder (kube-proto-schema.ts, Kubernetes' generated.proto), so
// schema names, field names and types are Kubernetes' own (io.k8s.api.core.v1.PodSpec ...). kubectl reads
// them for `explain` and, before `apply`/`create -f`, to learn that the PATCH operation of a kind takes
// `fieldValidation` (then it validates server-side instead of downloading schemas: query_param_verifier_v3).
// Descriptions come for the kinds and fields lessons use (openapi-descriptions.ts). kubectl reads /openapi/v2
// only as protobuf, so it relies on v3 (1.27+).
import { createHash } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import express from 'express';
import protobuf from 'protobufjs/minimal';
import { serverVersion } from './discovery';
import { kubeDescriptions } from './openapi-descriptions';
import type { Registry, Strategy } from './registry/strategy';
import { kubeProtoSchema } from './rest/protobuf/kube-proto-schema';

const packages: Record<string, string> = {
  core: 'io.k8s.api.core.v1',
  apps: 'io.k8s.api.apps.v1',
  discovery: 'io.k8s.api.discovery.v1',
  networking: 'io.k8s.api.networking.v1',
  autoscaling: 'io.k8s.api.autoscaling.v1',
  meta: 'io.k8s.apimachinery.pkg.apis.meta.v1',
  resource: 'io.k8s.apimachinery.pkg.api.resource',
  intstr: 'io.k8s.apimachinery.pkg.util.intstr',
  runtime: 'io.k8s.apimachinery.pkg.runtime',
  schema: 'io.k8s.apimachinery.pkg.runtime.schema',
};

/** `core.PodSpec` -> `io.k8s.api.core.v1.PodSpec`. */
function definitionName(short: string): string {
  const dot = short.indexOf('.');
  return `${packages[short.slice(0, dot)] ?? short.slice(0, dot)}.${short.slice(dot + 1)}`;
}

/** Messages whose JSON form is not an object of their fields. */
const specialSchemas: Record<string, object> = {
  'meta.Time': { type: 'string', format: 'date-time' },
  'meta.MicroTime': { type: 'string', format: 'date-time' },
  'resource.Quantity': { type: 'string' },
  'intstr.IntOrString': { type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true },
  'meta.FieldsV1': { type: 'object' },
  'runtime.RawExtension': { type: 'object' },
};

const scalars: Record<string, object> = {
  string: { type: 'string' },
  bool: { type: 'boolean' },
  int32: { type: 'integer', format: 'int32' },
  int64: { type: 'integer', format: 'int64' },
  bytes: { type: 'string', format: 'byte' },
};

type Flavour = 'v2' | 'v3';
const refOf = (flavour: Flavour, short: string) =>
  flavour === 'v3' ? `#/components/schemas/${definitionName(short)}` : `#/definitions/${definitionName(short)}`;

function fieldSchema(flavour: Flavour, type: string): object {
  return scalars[type] ?? { $ref: refOf(flavour, type) };
}

/** The JSON properties of a message's fields; an embedded (inline) struct's fields are its parent's. */
function fieldProperties(flavour: Flavour, short: string): Record<string, object> {
  const properties: Record<string, object> = {};
  const descriptions = kubeDescriptions[short] ?? {};
  for (const entry of (kubeProtoSchema[short] ?? '').split(' ').filter(Boolean)) {
    const [name, , type, rule] = entry.split(':');
    if (rule === 'inline') {
      Object.assign(properties, fieldProperties(flavour, type));
      continue;
    }
    const item = fieldSchema(flavour, type);
    const schema =
      rule === 'repeated' ? { type: 'array', items: item } : rule === 'map' ? { type: 'object', additionalProperties: item } : item;
    const description = descriptions[name];
    // A described reference is wrapped in allOf in v3 (siblings of $ref are ignored there), as Kubernetes does.
    properties[name] = !description
      ? schema
      : '$ref' in schema && flavour === 'v3'
        ? { description, allOf: [schema] }
        : { description, ...schema };
  }
  return properties;
}

/** kind -> message for the kinds served (top-level schemas get apiVersion, kind and their GVK). */
const kindMessages: Record<string, string> = {
  '/Namespace': 'core.Namespace',
  '/ConfigMap': 'core.ConfigMap',
  '/Secret': 'core.Secret',
  '/Pod': 'core.Pod',
  '/Service': 'core.Service',
  '/Node': 'core.Node',
  '/Event': 'core.Event',
  '/Endpoints': 'core.Endpoints',
  'apps/Deployment': 'apps.Deployment',
  'apps/ReplicaSet': 'apps.ReplicaSet',
  'discovery.k8s.io/EndpointSlice': 'discovery.EndpointSlice',
  'networking.k8s.io/NetworkPolicy': 'networking.NetworkPolicy',
  'networking.k8s.io/Ingress': 'networking.Ingress',
  'networking.k8s.io/IngressClass': 'networking.IngressClass',
};

function definitions(flavour: Flavour, registry: Registry): Record<string, object> {
  const gvkOf = new Map<string, { group: string; version: string; kind: string }>();
  for (const s of registry.all()) {
    const msg = kindMessages[`${s.info.group}/${s.info.kind}`];
    if (msg) gvkOf.set(msg, { group: s.info.group, version: s.info.version, kind: s.info.kind });
  }
  const out: Record<string, object> = {};
  for (const short of Object.keys(kubeProtoSchema)) {
    if (specialSchemas[short]) {
      out[definitionName(short)] = specialSchemas[short];
      continue;
    }
    const properties: Record<string, object> = {};
    const gvk = gvkOf.get(short);
    if (gvk) {
      properties.apiVersion = {
        type: 'string',
        description: 'APIVersion defines the versioned schema of this representation of an object.',
      };
      properties.kind = { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' };
    }
    Object.assign(properties, fieldProperties(flavour, short));
    out[definitionName(short)] = {
      ...(kubeDescriptions[short]?.[''] ? { description: kubeDescriptions[short][''] } : {}),
      type: 'object',
      properties,
      ...(gvk ? { 'x-kubernetes-group-version-kind': [gvk] } : {}),
    };
  }
  return out;
}

function groupVersionPath(s: Strategy): string {
  return s.info.group ? `apis/${s.info.group}/${s.info.version}` : `api/${s.info.version}`;
}

/** The operations kubectl looks at: PATCH (with fieldValidation and dryRun), PUT, GET, DELETE, POST. */
function paths(flavour: Flavour, strategies: Strategy[]): Record<string, object> {
  const out: Record<string, object> = {};
  const param = (name: string, inWhere = 'query') =>
    flavour === 'v3'
      ? { name, in: inWhere, ...(inWhere === 'path' ? { required: true } : {}), schema: { type: 'string', uniqueItems: true } }
      : { name, in: inWhere, type: 'string', uniqueItems: true, ...(inWhere === 'path' ? { required: true } : {}) };
  for (const s of strategies) {
    const gvk = { group: s.info.group, version: s.info.version, kind: s.info.kind };
    const base = `/${groupVersionPath(s)}${s.info.namespaced ? '/namespaces/{namespace}' : ''}/${s.info.plural}`;
    const op = (action: string, extra: object[] = []) => ({
      operationId: `${action}${s.info.kind}`,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      parameters: [...extra, param('pretty')],
      responses: { '200': { description: 'OK' } },
    });
    const writes = [param('dryRun'), param('fieldManager'), param('fieldValidation')];
    const pathParams = [param('name', 'path'), ...(s.info.namespaced ? [param('namespace', 'path')] : [])];
    out[base] = { get: op('list'), post: op('post', writes), parameters: s.info.namespaced ? [param('namespace', 'path')] : [] };
    out[`${base}/{name}`] = {
      get: op('get'),
      put: op('put', writes),
      patch: op('patch', [...writes, param('force')]),
      delete: op('delete', [param('dryRun')]),
      parameters: pathParams,
    };
  }
  return out;
}

const info = { title: 'Kubernetes', version: serverVersion.gitVersion };

export function openApiV3(registry: Registry, gvPath: string): object | undefined {
  const strategies = registry.all().filter((s) => groupVersionPath(s) === gvPath);
  if (!strategies.length) return undefined;
  return { openapi: '3.0.0', info, paths: paths('v3', strategies), components: { schemas: definitions('v3', registry) } };
}

export function openApiV2(registry: Registry): object {
  return { swagger: '2.0', info, paths: paths('v2', registry.all()), definitions: definitions('v2', registry) };
}

/** The media type kubectl 1.27 and 1.28 ask /openapi/v2 in (gnostic's OpenAPIv2 Document as protobuf). */
const openApiV2Protobuf = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

/**
 * A gnostic openapi_v2.Document with swagger "2.0" and info only (fields 1 and 2 of OpenAPIv2.proto). kubectl
 * 1.27/1.28 load /openapi/v2 before `apply` and fail on anything they cannot parse; with no definitions they
 * find no schema for the kind and take patch metadata from their compiled-in types, as they do for a kind
 * the server does not describe, while validation goes through /openapi/v3 (fieldValidation).
 */
const openApiV2ProtobufStub = (() => {
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 2).string('2.0');
  w.uint32((2 << 3) | 2).fork();
  w.uint32((1 << 3) | 2).string(info.title);
  w.uint32((2 << 3) | 2).string(info.version);
  w.ldelim();
  return Buffer.from(w.finish());
})();

/** The routes, with each document rendered once (the registry does not change after start). */
export function openApiRoutes(registry: Registry): Router {
  const router = express.Router({ caseSensitive: true });
  const docs = new Map<string, { text: string; hash: string }>();
  for (const gv of new Set(registry.all().map(groupVersionPath))) {
    const text = JSON.stringify(openApiV3(registry, gv));
    docs.set(gv, { text, hash: createHash('sha512').update(text).digest('hex').slice(0, 128).toUpperCase() });
  }
  const index = {
    paths: Object.fromEntries([...docs].map(([gv, d]) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=${d.hash}` }])),
  };
  let v2: string | undefined;
  router.get('/openapi/v3', (_req, res) => void res.json(index));
  router.get(/^\/openapi\/v3\/(.+)$/, (req: Request, res: Response, next) => {
    const doc = docs.get(String((req.params as Record<string, string>)[0]));
    if (!doc) return next();
    res.type('application/json').send(doc.text);
  });
  router.get('/openapi/v2', (req, res) => {
    const accept = req.headers.accept ?? '';
    if (accept.startsWith(openApiV2Protobuf)) {
      // Answered as kube-openapi labels it: `@` is not valid in a Content-Type subtype (Go's mime parser refuses it).
      res.type('application/com.github.proto-openapi.spec.v2.v1.0+protobuf').send(openApiV2ProtobufStub);
      return;
    }
    v2 ??= JSON.stringify(openApiV2(registry));
    res.type('application/json').send(v2);
  });
  return router;
}
