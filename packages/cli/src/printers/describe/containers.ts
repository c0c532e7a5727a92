// The Containers / Init Containers and Volumes sections of describe, shared by pods and pod templates
// (kubectl describe.go describeContainers, describeVolumes).
import type { Container, ContainerState, ContainerStatus, EnvVar, Probe, Volume } from '@kubelab/api';
import type { PrefixWriter } from '../tabwriter';
import { rfc1123z, type DescribeContext } from './common';

/** Resolves a fieldRef env var against the pod (kubectl's EnvValueRetriever); undefined for templates. */
export type EnvResolver = ((e: EnvVar) => string) | undefined;

function ports(container: Container, host: boolean): string {
  return (container.ports ?? []).map((p) => `${host ? (p.hostPort ?? 0) : p.containerPort}/${p.protocol ?? 'TCP'}`).join(',');
}

/** DescribeProbe, with the API defaults filled in when the server left them out. */
export function describeProbe(p: Probe): string {
  const attrs = `delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 1}s period=${p.periodSeconds ?? 10}s #success=${p.successThreshold ?? 1} #failure=${p.failureThreshold ?? 3}`;
  if (p.exec) return `exec [${p.exec.command.join(' ')}] ${attrs}`;
  if (p.httpGet) {
    const g = p.httpGet;
    const host = `${g.host ?? ''}:${g.port}`;
    return `http-get ${(g.scheme ?? 'HTTP').toLowerCase()}://${host}${g.path ?? ''} ${attrs}`;
  }
  if (p.tcpSocket) return `tcp-socket ${p.tcpSocket.host ?? ''}:${p.tcpSocket.port} ${attrs}`;
  return `unknown ${attrs}`;
}

function describeState(w: PrefixWriter, title: string, state: ContainerState | undefined, ctx: DescribeContext): void {
  if (state?.running) {
    w.write(2, `${title}:\tRunning\n`);
    w.write(3, `Started:\t${rfc1123z(state.running.startedAt, ctx)}\n`);
  } else if (state?.terminated) {
    const t = state.terminated as NonNullable<ContainerState['terminated']> & { signal?: number };
    w.write(2, `${title}:\tTerminated\n`);
    if (t.reason) w.write(3, `Reason:\t${t.reason}\n`);
    if (t.message) w.write(3, `Message:\t${t.message}\n`);
    w.write(3, `Exit Code:\t${t.exitCode}\n`);
    if (t.signal) w.write(3, `Signal:\t${t.signal}\n`);
    w.write(3, `Started:\t${rfc1123z(t.startedAt, ctx)}\n`);
    w.write(3, `Finished:\t${rfc1123z(t.finishedAt, ctx)}\n`);
  } else {
    w.write(2, `${title}:\tWaiting\n`);
    if (state?.waiting?.reason) w.write(3, `Reason:\t${state.waiting.reason}\n`);
  }
}

function describeEnv(w: PrefixWriter, c: Container, resolve: EnvResolver): void {
  if (c.envFrom?.length) {
    w.write(2, 'Environment Variables from:\n');
    for (const e of c.envFrom) {
      const [from, ref] = e.configMapRef ? ['ConfigMap', e.configMapRef] : ['Secret', e.secretRef];
      const prefix = e.prefix ? ` with prefix '${e.prefix}'` : '';
      w.write(3, `${ref?.name ?? ''}\t${from}${prefix}\tOptional: ${ref?.optional === true}\n`);
    }
  }
  w.write(2, `Environment:${c.env?.length ? '' : '\t<none>'}\n`);
  for (const e of c.env ?? []) {
    const v = e.valueFrom;
    if (!v) {
      (e.value ?? '').split('\n').forEach((s, i) => w.write(3, i === 0 ? `${e.name}:\t${s}\n` : `\t${s}\n`));
    } else if (v.fieldRef) {
      w.write(3, `${e.name}:\t${resolve ? resolve(e) : ''} (${v.fieldRef.apiVersion ?? 'v1'}:${v.fieldRef.fieldPath})\n`);
    } else if (v.secretKeyRef) {
      w.write(
        3,
        `${e.name}:\t<set to the key '${v.secretKeyRef.key}' in secret '${v.secretKeyRef.name}'>\tOptional: ${v.secretKeyRef.optional === true}\n`,
      );
    } else if (v.configMapKeyRef) {
      w.write(
        3,
        `${e.name}:\t<set to the key '${v.configMapKeyRef.key}' of config map '${v.configMapKeyRef.name}'>\tOptional: ${v.configMapKeyRef.optional === true}\n`,
      );
    }
  }
}

export function describeContainers(
  w: PrefixWriter,
  label: string,
  containers: Container[],
  statuses: ContainerStatus[] | undefined,
  space: string,
  resolve: EnvResolver,
  ctx: DescribeContext,
): void {
  const byName = new Map((statuses ?? []).map((s) => [s.name, s]));
  w.write(0, containers.length ? `${space}${label}:\n` : `${space}${label}: <none>\n`);
  for (const c of containers) {
    const st = byName.get(c.name);
    w.write(1, `${space ? ' ' : ''}${c.name}:\n`);
    if (st) w.write(2, `Container ID:\t${st.containerID ?? ''}\n`);
    w.write(2, `Image:\t${c.image}\n`);
    if (st) w.write(2, `Image ID:\t${st.imageID ?? ''}\n`);
    const p = ports(c, false);
    w.write(2, p.includes(',') ? `Ports:\t${p}\n` : `Port:\t${p || '<none>'}\n`);
    const hp = ports(c, true);
    w.write(2, hp.includes(',') ? `Host Ports:\t${hp}\n` : `Host Port:\t${hp || '<none>'}\n`);
    if (c.restartPolicy) w.write(2, `Restart Policy:\t${c.restartPolicy}\n`);
    for (const [title, words] of [
      ['Command', c.command],
      ['Args', c.args],
    ] as const) {
      if (!words?.length) continue;
      w.write(2, `${title}:\n`);
      for (const word of words) for (const line of word.split('\n')) w.write(3, `${line}\n`);
    }
    if (st) {
      describeState(w, 'State', st.state, ctx);
      if (st.lastState?.terminated) describeState(w, 'Last State', st.lastState, ctx);
      w.write(2, `Ready:\t${st.ready ? 'True' : 'False'}\n`);
      w.write(2, `Restart Count:\t${st.restartCount ?? 0}\n`);
    }
    for (const [title, list] of [
      ['Limits', c.resources?.limits],
      ['Requests', c.resources?.requests],
    ] as const) {
      if (!list || Object.keys(list).length === 0) continue;
      w.write(2, `${title}:\n`);
      for (const k of Object.keys(list).sort()) w.write(3, `${k}:\t${list[k]}\n`);
    }
    if (c.livenessProbe) w.write(2, `Liveness:\t${describeProbe(c.livenessProbe)}\n`);
    if (c.readinessProbe) w.write(2, `Readiness:\t${describeProbe(c.readinessProbe)}\n`);
    if (c.startupProbe) w.write(2, `Startup:\t${describeProbe(c.startupProbe)}\n`);
    describeEnv(w, c, resolve);
    const mounts = [...(c.volumeMounts ?? [])].sort((a, b) => (a.mountPath < b.mountPath ? -1 : 1));
    w.write(2, `Mounts:${mounts.length ? '' : '\t<none>'}\n`);
    for (const m of mounts) {
      const flags = [m.readOnly ? 'ro' : 'rw', ...(m.subPath ? [`path=${JSON.stringify(m.subPath)}`] : [])];
      w.write(3, `${m.mountPath} from ${m.name} (${flags.join(',')})\n`);
    }
  }
}

export function describeVolumes(w: PrefixWriter, volumes: Volume[] | undefined, space: string): void {
  if (!volumes?.length) return w.write(0, `${space}Volumes:\t<none>\n`);
  w.write(0, `${space}Volumes:\n`);
  for (const v of volumes) {
    w.write(1, `${space ? ' ' : ''}${v.name}:\n`);
    if (v.emptyDir) {
      w.write(
        2,
        `Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t${v.emptyDir.medium ?? ''}\n    SizeLimit:\t${v.emptyDir.sizeLimit ?? '<unset>'}\n`,
      );
    } else if (v.configMap) {
      w.write(
        2,
        `Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t${v.configMap.name}\n    Optional:\t${v.configMap.optional === true}\n`,
      );
    } else if (v.secret) {
      w.write(
        2,
        `Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t${v.secret.secretName}\n    Optional:\t${v.secret.optional === true}\n`,
      );
    } else if (v.hostPath) {
      const hp = v.hostPath as { path: string; type?: string };
      w.write(2, `Type:\tHostPath (bare host directory volume)\n    Path:\t${hp.path}\n    HostPathType:\t${hp.type || '<none>'}\n`);
    } else {
      w.write(1, '<unknown>\n');
    }
  }
}
