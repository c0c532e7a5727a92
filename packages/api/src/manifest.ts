// Multi-document YAML/JSON manifests as users write them for real Kubernetes.
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './types';

export class ManifestError extends Error {
  constructor(
    readonly source: string,
    message: string,
  ) {
    super(`${source}: ${message}`);
    this.name = 'ManifestError';
  }
}

/** Parses every document; `kind: List` documents are flattened into their items. Empty documents are skipped. */
export function parseManifests(text: string, source = '<stdin>'): KubeObject[] {
  const docs = parseAllDocuments(text);
  const out: KubeObject[] = [];
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0) throw new ManifestError(source, `document ${i + 1}: ${doc.errors[0].message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value))
      throw new ManifestError(source, `document ${i + 1}: expected a Kubernetes object (a mapping)`);
    const obj = value as KubeObject;
    if (obj.kind === 'List' || (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items))) {
      for (const item of obj.items as KubeObject[]) out.push(item);
      return;
    }
    if (!obj.apiVersion) throw new ManifestError(source, `document ${i + 1}: apiVersion not set`);
    if (!obj.kind) throw new ManifestError(source, `document ${i + 1}: kind not set`);
    out.push(obj);
  });
  return out;
}
