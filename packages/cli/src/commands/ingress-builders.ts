// `kubelab create ingress` and `create secret tls`, built as kubectl builds them (kubectl create_ingress.go,
// create_secret_tls.go): the same rule syntax, path types, TLS sections and error messages. Pure, so the
// parsing is unit-tested; the command reads files and sends the objects.
import type { HTTPIngressPath, Ingress, IngressBackend, IngressTLS, Secret } from '@kubelab/api';
import { CliError } from '../errors';

// host: letters, digits, _, -, ., *; path: starts with /; then =svc:port.
const hostPathSvc = /^([\w*\-.]*)(\/.*)=([\w-]+):([\w-]+)/;
const tlsPart = /(,(tls)=?([\w-]+)?)/;

export interface IngressSpecArgs {
  name: string;
  rules: string[];
  className?: string;
  defaultBackend?: string;
  annotations?: string[];
}

function backendFor(svcPort: string): IngressBackend {
  const [name, port] = svcPort.split(':');
  return { service: { name, port: /^\d+$/.test(port) ? { number: Number(port) } : { name: port } } };
}

/** kubectl buildHTTPIngressPath: a path ending in `*` is Prefix (without the `*`), anything else Exact. */
function pathFor(rule: string): HTTPIngressPath {
  const [hostPath, svcPort] = rule.split('=');
  let path = `/${hostPath.split('/').slice(1).join('/')}`;
  let pathType: HTTPIngressPath['pathType'] = 'Exact';
  if (path.endsWith('*')) {
    pathType = 'Prefix';
    path = path.slice(0, -1);
  }
  return { path, pathType, backend: backendFor(svcPort) };
}

export function buildIngress(a: IngressSpecArgs): Ingress {
  if (!a.defaultBackend && !a.rules.length)
    throw new CliError(
      'not enough information provided: every ingress has to either specify a default-backend (which catches all traffic) or a list of rules (which catch specific paths)',
    );
  for (const r of a.rules)
    if (!hostPathSvc.test(r)) throw new CliError(`rule ${r} is invalid and should be in format host/path=svcname:svcport[,tls[=secret]]`);
  const annotations: Record<string, string> = {};
  for (const an of a.annotations ?? []) {
    const eq = an.indexOf('=');
    if (eq < 0) throw new CliError(`annotation ${an} is invalid and should be in format key=[value]`);
    annotations[an.slice(0, eq)] = an.slice(eq + 1);
  }
  if (a.defaultBackend && a.defaultBackend.split(':').length !== 2)
    throw new CliError('default-backend should be in format servicename:serviceport');

  const tls: IngressTLS[] = [];
  const hostsWithTls = new Set<string>();
  for (const r of a.rules) {
    const m = tlsPart.exec(r);
    if (!m) continue;
    const host = hostPathSvc.exec(r)?.[1] ?? '';
    const entry: IngressTLS = {};
    if (m[3]) entry.secretName = m[3];
    if (host && !hostsWithTls.has(host)) {
      entry.hosts = [host];
      hostsWithTls.add(host);
    }
    tls.push(entry);
  }
  const rules: NonNullable<Ingress['spec']['rules']> = [];
  for (const raw of a.rules) {
    const r = raw.replace(new RegExp(tlsPart.source, 'g'), '');
    const p = pathFor(r);
    const host = r.split('/')[0];
    const existing = rules.find((x) => (x.host ?? '') === host);
    if (existing) existing.http?.paths.push(p);
    else rules.push({ ...(host ? { host } : {}), http: { paths: [p] } });
  }
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: a.name, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: {
      ...(a.className ? { ingressClassName: a.className } : {}),
      ...(a.defaultBackend ? { defaultBackend: backendFor(a.defaultBackend) } : {}),
      ...(tls.length ? { tls } : {}),
      ...(rules.length ? { rules } : {}),
    },
  };
}

/** A kubernetes.io/tls Secret from PEM text (checked by the caller, as kubectl's tls.X509KeyPair does). */
export function buildTlsSecret(name: string, cert: string, key: string): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': Buffer.from(cert).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') },
  };
}
