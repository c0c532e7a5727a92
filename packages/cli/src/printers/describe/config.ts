// describe for ConfigMaps and Secrets (kubectl describe.go describeConfigMap, describeSecret): ConfigMap
// values are shown, Secret values only as sizes.
import type { ConfigMap, Event, Secret } from '@kubelab/api';
import { PrefixWriter } from '../tabwriter';
import { annotationsMultiline, eventsSection, labelsMultiline, type DescribeContext } from './common';

export function describeConfigMap(cm: ConfigMap, events: Event[] | undefined, ctx: DescribeContext): string {
  const w = new PrefixWriter();
  w.write(0, `Name:\t${cm.metadata.name}\n`);
  w.write(0, `Namespace:\t${cm.metadata.namespace}\n`);
  labelsMultiline(w, 'Labels', cm.metadata.labels);
  annotationsMultiline(w, 'Annotations', cm.metadata.annotations);
  w.write(0, '\nData\n====\n');
  for (const k of Object.keys(cm.data ?? {}).sort()) w.write(0, `${k}:\n----\n${cm.data![k]}\n\n`);
  w.write(0, '\nBinaryData\n====\n');
  for (const k of Object.keys(cm.binaryData ?? {}).sort()) w.write(0, `${k}: ${Buffer.from(cm.binaryData![k], 'base64').length} bytes\n`);
  w.write(0, '\n');
  eventsSection(w, events, ctx);
  return w.toString();
}

/** Like kubectl, without an Events section. */
export function describeSecret(secret: Secret): string {
  const w = new PrefixWriter();
  w.write(0, `Name:\t${secret.metadata.name}\n`);
  w.write(0, `Namespace:\t${secret.metadata.namespace}\n`);
  labelsMultiline(w, 'Labels', secret.metadata.labels);
  annotationsMultiline(w, 'Annotations', secret.metadata.annotations);
  w.write(0, `\nType:\t${secret.type ?? 'Opaque'}\n`);
  w.write(0, '\nData\n====\n');
  for (const k of Object.keys(secret.data ?? {}).sort()) w.write(0, `${k}:\t${Buffer.from(secret.data![k], 'base64').length} bytes\n`);
  return w.toString();
}
