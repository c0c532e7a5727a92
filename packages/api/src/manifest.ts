// Multi-document YAML/JSON manifests as users write them for real Kubernetes.
import {
  parseAllDocuments,
  parseDocument,
  stringify,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
  type ToStringOptions,
} from 'yaml';
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

// Kubernetes reads manifests with sigs.k8s.io/yaml, which is go-yaml v2: YAML 1.1 scalars (`0755` is octal,
// `yes`/`on`/`y` are booleans, `<<: *anchor` merges), except that go-yaml v2 keeps timestamp-looking values as
// strings when decoding into interface{} and has no sexagesimal numbers (`1:20` stays a string). So: the
// yaml library's 1.1 schema, minus its timestamp and base-60 tags.
const yaml11: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  merge: true,
  customTags: (tags) => tags.filter((t) => typeof t === 'string' || (!t.tag.endsWith(':timestamp') && t.format !== 'TIME')),
};

/** Renders YAML that reads back the same under YAML 1.1 (strings such as "yes" or "0755" come out quoted). */
export function toYaml(value: unknown): string {
  const opts: DocumentOptions & SchemaOptions & ToStringOptions = { version: '1.1' };
  return stringify(value, opts);
}

/** Parses every document; `kind: List` documents are flattened into their items. Empty documents are skipped. */
export function parseManifests(text: string, source = '<stdin>'): KubeObject[] {
  const docs = parseAllDocuments(text, yaml11);
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

/**
 * One YAML (or JSON) document as sigs.k8s.io/yaml's Unmarshal reads it (the first document; YAML 1.1
 * scalars as above), e.g. a server-side apply body. Throws ManifestError with the parser's message.
 */
export function parseYamlDocument(text: string, source = '<body>'): unknown {
  const doc = parseDocument(text, yaml11);
  if (doc.errors.length > 0) throw new ManifestError(source, doc.errors[0].message);
  return doc.toJS() as unknown;
}
