// Container validation, following k8s.io/kubernetes/pkg/apis/core/validation (validateContainers and
// friends) field by field, with the same paths and messages, for the fields kubelab models.
import { dns1123Label, field, type FieldError } from '@kubelab/api';
import { isObject, isPortNumber, moreField, nonNegative, portNameErrors, portRange } from './field-errors';
import { validateResources } from './resource-validation';
import { validateContainerSecurityIds } from './security-context-ids';

export interface ContainerScope {
  /** Names of the pod's volumes, which volumeMounts must reference. */
  volumes: Set<string>;
  init: boolean;
}

const pullPolicies = ['Always', 'IfNotPresent', 'Never'];
const protocols = ['SCTP', 'TCP', 'UDP'];
const envNameRe = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const envNameMsg =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
const fieldPaths = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const probeHandlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'];

export function validateContainer(c: unknown, path: string, scope: ContainerScope): FieldError[] {
  if (!isObject(c)) return [field.invalid(path, c, 'must be an object')];
  const errs: FieldError[] = [];
  if (c.name === undefined || c.name === '') errs.push(field.required(`${path}.name`));
  else if (typeof c.name !== 'string') errs.push(field.invalid(`${path}.name`, c.name, 'must be a string'));
  else for (const e of dns1123Label(c.name)) errs.push(field.invalid(`${path}.name`, c.name, e));

  if (c.image === undefined || c.image === '') errs.push(field.required(`${path}.image`));
  else if (typeof c.image !== 'string') errs.push(field.invalid(`${path}.image`, c.image, 'must be a string'));
  else if (c.image.trim() !== c.image) errs.push(field.invalid(`${path}.image`, c.image, 'must not have leading or trailing whitespace'));

  for (const key of ['command', 'args']) {
    const v = c[key];
    if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string')))
      errs.push(field.invalid(`${path}.${key}`, v, 'must be a list of strings'));
  }
  if (c.imagePullPolicy !== undefined && !pullPolicies.includes(c.imagePullPolicy as string)) {
    errs.push(field.notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, pullPolicies));
  }
  if (c.restartPolicy !== undefined) {
    // Only init containers may set it, and only to Always (native sidecars, KEP-753).
    if (!scope.init) errs.push(field.forbidden(`${path}.restartPolicy`, 'may not be set for non-init containers'));
    else if (c.restartPolicy !== 'Always') errs.push(field.notSupported(`${path}.restartPolicy`, c.restartPolicy, ['Always']));
  }
  errs.push(...validatePorts(c.ports, `${path}.ports`));
  errs.push(...validateEnv(c.env, `${path}.env`));
  errs.push(...validateEnvFrom(c.envFrom, `${path}.envFrom`));
  errs.push(...validateResources(c.resources, `${path}.resources`));
  errs.push(...validateVolumeMounts(c.volumeMounts, `${path}.volumeMounts`, scope.volumes));
  errs.push(...validateContainerSecurityIds(c.securityContext, `${path}.securityContext`));
  const sidecar = scope.init && c.restartPolicy === 'Always';
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    if (c[probe] === undefined || c[probe] === null) continue;
    if (scope.init && !sidecar)
      errs.push(field.forbidden(`${path}.${probe}`, 'may not be set for init containers without restartPolicy=Always'));
    else errs.push(...validateProbe(c[probe], `${path}.${probe}`, probe !== 'readinessProbe'));
  }
  return errs;
}

function validatePorts(ports: unknown, path: string): FieldError[] {
  if (ports === undefined || ports === null) return [];
  if (!Array.isArray(ports)) return [field.invalid(path, ports, 'must be a list')];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(p)) return void errs.push(field.invalid(at, p, 'must be an object'));
    if (p.name !== undefined && p.name !== '') {
      if (typeof p.name !== 'string') errs.push(field.invalid(`${at}.name`, p.name, 'must be a string'));
      else {
        for (const e of portNameErrors(p.name)) errs.push(field.invalid(`${at}.name`, p.name, e));
        if (names.has(p.name)) errs.push(field.duplicate(`${at}.name`, p.name));
        names.add(p.name);
      }
    }
    if (p.containerPort === undefined || p.containerPort === 0) errs.push(field.required(`${at}.containerPort`));
    else if (!isPortNumber(p.containerPort)) errs.push(field.invalid(`${at}.containerPort`, p.containerPort, portRange));
    if (p.hostPort !== undefined && p.hostPort !== 0 && !isPortNumber(p.hostPort))
      errs.push(field.invalid(`${at}.hostPort`, p.hostPort, portRange));
    if (p.protocol !== undefined && !protocols.includes(p.protocol as string))
      errs.push(field.notSupported(`${at}.protocol`, p.protocol, protocols));
  });
  return errs;
}

function validateEnv(env: unknown, path: string): FieldError[] {
  if (env === undefined || env === null) return [];
  if (!Array.isArray(env)) return [field.invalid(path, env, 'must be a list')];
  const errs: FieldError[] = [];
  env.forEach((e, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(e)) return void errs.push(field.invalid(at, e, 'must be an object'));
    if (e.name === undefined || e.name === '') errs.push(field.required(`${at}.name`));
    else if (typeof e.name !== 'string' || !envNameRe.test(e.name)) errs.push(field.invalid(`${at}.name`, e.name, envNameMsg));
    if (e.value !== undefined && typeof e.value !== 'string') errs.push(field.invalid(`${at}.value`, e.value, 'must be a string'));
    if (e.valueFrom === undefined || e.valueFrom === null) return;
    const from = isObject(e.valueFrom) ? e.valueFrom : {};
    const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter(
      (k) => from[k] !== undefined && from[k] !== null,
    );
    if (sources.length === 0) {
      errs.push(
        field.invalid(`${at}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'),
      );
    } else if (sources.length > 1) errs.push(field.invalid(`${at}.valueFrom`, '', 'may not have more than one field specified at a time'));
    else if (e.value) errs.push(field.invalid(`${at}.valueFrom`, '', 'may not be specified when `value` is not empty'));
    for (const ref of ['configMapKeyRef', 'secretKeyRef']) {
      const r = from[ref];
      if (r === undefined || r === null) continue;
      if (!isObject(r) || !r.name) errs.push(field.required(`${at}.valueFrom.${ref}.name`));
      if (!isObject(r) || !r.key) errs.push(field.required(`${at}.valueFrom.${ref}.key`));
    }
    if (isObject(from.fieldRef)) {
      const fp = from.fieldRef.fieldPath;
      if (!fp) errs.push(field.required(`${at}.valueFrom.fieldRef.fieldPath`));
      else if (typeof fp !== 'string' || !(fieldPaths.includes(fp) || /^metadata\.(labels|annotations)\['[^']+'\]$/.test(fp))) {
        errs.push(
          field.notSupported(`${at}.valueFrom.fieldRef.fieldPath`, fp, [
            ...fieldPaths,
            "metadata.annotations['<KEY>']",
            "metadata.labels['<KEY>']",
          ]),
        );
      }
    }
    if (isObject(from.resourceFieldRef)) errs.push(...validateResourceFieldRef(from.resourceFieldRef, `${at}.valueFrom.resourceFieldRef`));
  });
  return errs;
}

const resourceFieldResources = [
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
];
const cpuDivisors = ['1m', '1'];
const memoryDivisors = ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'];

// kubernetes pkg/apis/core/validation validateContainerResourceFieldSelector and validateContainerResourceDivisor.
function validateResourceFieldRef(ref: Record<string, unknown>, at: string): FieldError[] {
  const resource = ref.resource;
  if (resource === undefined || resource === '') return [field.required(`${at}.resource`)];
  if (typeof resource !== 'string' || !resourceFieldResources.includes(resource)) {
    return [field.notSupported(`${at}.resource`, resource, resourceFieldResources)];
  }
  const divisor = ref.divisor;
  if (divisor === undefined || divisor === null || divisor === '' || divisor === 0 || divisor === '0') return [];
  const text = String(divisor);
  if (resource.endsWith('.cpu') && !cpuDivisors.includes(text)) {
    return [field.invalid(`${at}.divisor`, divisor, "only divisor's values 1m and 1 are supported with the cpu resource")];
  }
  if (!resource.endsWith('.cpu') && !memoryDivisors.includes(text)) {
    const what = resource.endsWith('.memory') ? 'memory' : 'local ephemeral storage';
    return [
      field.invalid(
        `${at}.divisor`,
        divisor,
        `only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the ${what} resource`,
      ),
    ];
  }
  return [];
}

function validateEnvFrom(envFrom: unknown, path: string): FieldError[] {
  if (envFrom === undefined || envFrom === null) return [];
  if (!Array.isArray(envFrom)) return [field.invalid(path, envFrom, 'must be a list')];
  const errs: FieldError[] = [];
  envFrom.forEach((e, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(e)) return void errs.push(field.invalid(at, e, 'must be an object'));
    if (e.prefix !== undefined && e.prefix !== '' && (typeof e.prefix !== 'string' || !envNameRe.test(e.prefix))) {
      errs.push(field.invalid(`${at}.prefix`, e.prefix, envNameMsg));
    }
    const refs = ['configMapRef', 'secretRef'].filter((k) => e[k] !== undefined && e[k] !== null);
    if (refs.length !== 1)
      errs.push(
        field.invalid(
          at,
          '',
          refs.length ? 'may not have more than one field specified at a time' : 'must specify one of: `configMapRef` or `secretRef`',
        ),
      );
    for (const ref of refs)
      if (!isObject(e[ref]) || !(e[ref] as Record<string, unknown>).name) errs.push(field.required(`${at}.${ref}.name`));
  });
  return errs;
}

function validateVolumeMounts(mounts: unknown, path: string, volumes: Set<string>): FieldError[] {
  if (mounts === undefined || mounts === null) return [];
  if (!Array.isArray(mounts)) return [field.invalid(path, mounts, 'must be a list')];
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  mounts.forEach((m, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(m)) return void errs.push(field.invalid(at, m, 'must be an object'));
    if (!m.name) errs.push(field.required(`${at}.name`));
    else if (!volumes.has(m.name as string)) errs.push(moreField.notFound(`${at}.name`, m.name));
    if (!m.mountPath) errs.push(field.required(`${at}.mountPath`));
    else if (typeof m.mountPath !== 'string') errs.push(field.invalid(`${at}.mountPath`, m.mountPath, 'must be a string'));
    else {
      if (paths.has(m.mountPath)) errs.push(field.invalid(`${at}.mountPath`, m.mountPath, 'must be unique'));
      paths.add(m.mountPath);
    }
    // Kubernetes names these two without the index (`volumeMounts.subPath`); kept as it answers.
    if (typeof m.subPath === 'string' && m.subPath) errs.push(...localDescendingPath(m.subPath, `${path}.subPath`));
    if (typeof m.subPathExpr === 'string' && m.subPathExpr) {
      if (typeof m.subPath === 'string' && m.subPath)
        errs.push(field.invalid(`${at}.subPathExpr`, m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...localDescendingPath(m.subPathExpr, `${path}.subPathExpr`));
    }
  });
  return errs;
}

/** validateLocalDescendingPath: a path inside the volume, never absolute, never stepping up. */
export function localDescendingPath(p: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.startsWith('/')) errs.push(field.invalid(path, p, 'must be a relative path'));
  if (p.split('/').includes('..')) errs.push(field.invalid(path, p, "must not contain '..'"));
  return errs;
}

/** Port of a probe handler: a number 1-65535 or an IANA_SVC_NAME naming a container port. */
export function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'string') return portNameErrors(port).map((e) => field.invalid(path, port, e));
  if (!isPortNumber(port)) return [field.invalid(path, port ?? 0, portRange)];
  return [];
}

// k8s.io/kubernetes pkg/apis/core/validation ValidateHTTPHeaderName; values may not break the header line.
function validateHttpHeaders(headers: unknown, path: string): FieldError[] {
  if (headers === undefined) return [];
  if (!Array.isArray(headers)) return [field.invalid(path, headers, 'must be a list of headers')];
  const errs: FieldError[] = [];
  headers.forEach((h, i) => {
    const name = isObject(h) ? h.name : undefined;
    const value = isObject(h) ? h.value : undefined;
    if (typeof name !== 'string' || !/^[-A-Za-z0-9]+$/.test(name)) {
      errs.push(
        field.invalid(
          `${path}[${i}].name`,
          name,
          "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')",
        ),
      );
    }
    if (typeof value !== 'string' || /[\r\n\0]/.test(value))
      errs.push(field.invalid(`${path}[${i}].value`, value, 'must be a string without line breaks'));
  });
  return errs;
}

function validateProbe(p: unknown, path: string, successMustBeOne: boolean): FieldError[] {
  if (!isObject(p)) return [field.invalid(path, p, 'must be an object')];
  const errs: FieldError[] = [];
  const handlers = probeHandlers.filter((h) => p[h] !== undefined && p[h] !== null);
  if (handlers.length === 0) errs.push(field.required(path, 'Required value: must specify a handler type'));
  else if (handlers.length > 1) errs.push(field.forbidden(`${path}.${handlers[1]}`, 'may not specify more than 1 handler type'));
  const h = (name: string): Record<string, unknown> | undefined => (isObject(p[name]) ? (p[name] as Record<string, unknown>) : undefined);
  const httpGet = h('httpGet');
  if (httpGet) {
    errs.push(...validatePortNumOrName(httpGet.port, `${path}.httpGet.port`));
    if (httpGet.scheme !== undefined && httpGet.scheme !== 'HTTP' && httpGet.scheme !== 'HTTPS')
      errs.push(field.notSupported(`${path}.httpGet.scheme`, httpGet.scheme, ['HTTP', 'HTTPS']));
    errs.push(...validateHttpHeaders(httpGet.httpHeaders, `${path}.httpGet.httpHeaders`));
    if (httpGet.host !== undefined && (typeof httpGet.host !== 'string' || !/^[A-Za-z0-9.:\-[\]]*$/.test(httpGet.host))) {
      errs.push(field.invalid(`${path}.httpGet.host`, httpGet.host, 'must be a host name or IP address'));
    }
  }
  const tcp = h('tcpSocket');
  if (tcp) errs.push(...validatePortNumOrName(tcp.port, `${path}.tcpSocket.port`));
  const exec = h('exec');
  if (exec && !(Array.isArray(exec.command) && exec.command.length > 0)) errs.push(field.required(`${path}.exec.command`));
  const grpc = h('grpc');
  if (grpc && !isPortNumber(grpc.port)) errs.push(field.invalid(`${path}.grpc.port`, grpc.port ?? 0, portRange));
  for (const k of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    const v = p[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v)) errs.push(field.invalid(`${path}.${k}`, v, 'must be an integer'));
    else if (v < 0) errs.push(field.invalid(`${path}.${k}`, v, nonNegative));
  }
  if (successMustBeOne && p.successThreshold !== undefined && p.successThreshold !== 1)
    errs.push(field.invalid(`${path}.successThreshold`, p.successThreshold, 'must be 1'));
  return errs;
}
