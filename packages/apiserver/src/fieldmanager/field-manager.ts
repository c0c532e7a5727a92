// metadata.managedFields as kube-apiserver keeps them (k8s.io/apimachinery pkg/util/managedfields/internal):
// decoded into one field set per manager identifier (manager, operation, apiVersion for updates,
// subresource), updated on every write (Update: the writer takes what it changed) and on server-side apply
// (Apply: the applier owns exactly its config; conflicts answer 409), then encoded back sorted. The layers
// of NewDefaultFieldManager are kept: stripMeta (identity and bookkeeping fields are nobody's),
// managedFieldsUpdater (times; an update merges into the manager's earlier entry), capManagers (at most 10
// update entries, the oldest folded into "ancient-changes"), and kubectl's client-side to server-side apply
// upgrade (lastAppliedManager / lastAppliedUpdater).
import { badRequest, StatusError, type StatusCause } from '@kubelab/api';
import { FieldSet, type JsonValue, type Path, pathString } from './fieldpath';
import { kubeSchema, type TypeRef } from './schema';
import { compare, jsonEquals, TypedError, toFieldSet } from './typed';
import { ConflictError, type ManagedFields, Updater } from './updater';
import { zeroFill } from './zero-fill';

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
  subresource?: string;
}

type Obj = Record<string, JsonValue> & { metadata?: Record<string, JsonValue> };

export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';
const maxUpdateManagers = 10;
const ancientChanges = 'ancient-changes';

/** Fields no manager owns (stripMetaManager). */
const stripSet = FieldSet.of(
  [{ field: 'apiVersion' }],
  [{ field: 'kind' }],
  [{ field: 'metadata' }],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map(
    (f): Path => [{ field: 'metadata' }, { field: f }],
  ),
);

/** BuildManagerIdentifier: the entry without time and fields (and apiVersion for appliers), as JSON. */
export function managerIdentifier(e: ManagedFieldsEntry): string {
  const id: ManagedFieldsEntry = {};
  if (e.manager) id.manager = e.manager;
  if (e.operation) id.operation = e.operation;
  if (e.apiVersion && e.operation !== 'Apply') id.apiVersion = e.apiVersion;
  if (e.subresource) id.subresource = e.subresource;
  return JSON.stringify(id);
}

interface Managed {
  fields: ManagedFields;
  times: Map<string, string | undefined>;
}

export class ManagedFieldsError extends Error {}

/** DecodeManagedFields. */
export function decodeManagedFields(entries: unknown): Managed {
  const managed: Managed = { fields: new Map(), times: new Map() };
  if (entries === undefined || entries === null) return managed;
  if (!Array.isArray(entries)) throw new ManagedFieldsError('managedFields must be a list');
  entries.forEach((raw, i) => {
    const e = (raw ?? {}) as ManagedFieldsEntry;
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new ManagedFieldsError('operation must be `Apply` or `Update`');
    if (!e.apiVersion) throw new ManagedFieldsError('apiVersion must not be empty');
    if (!e.fieldsType) throw new ManagedFieldsError(`missing fieldsType in managed fields entry ${i}`);
    if (e.fieldsType !== 'FieldsV1')
      throw new ManagedFieldsError(`invalid fieldsType ${JSON.stringify(e.fieldsType)} in managed fields entry ${i}`);
    const id = managerIdentifier(e);
    let set: FieldSet;
    try {
      set = e.fieldsV1 === undefined || e.fieldsV1 === null ? new FieldSet() : FieldSet.fromFieldsV1(e.fieldsV1);
    } catch (err) {
      throw new ManagedFieldsError(`error decoding versioned set from entry ${i}: ${(err as Error).message}`);
    }
    managed.fields.set(id, { set, apiVersion: e.apiVersion, applied: e.operation === 'Apply' });
    managed.times.set(id, e.time);
  });
  return managed;
}

const unix = (t: string | undefined) => (t ? Math.floor(Date.parse(t) / 1000) : 0);

/** encodeManagedFields + sortEncodedManagedFields: Apply entries first, then by time, manager, version. */
export function encodeManagedFields(managed: Managed): ManagedFieldsEntry[] {
  const entries: ManagedFieldsEntry[] = [];
  for (const [id, vs] of managed.fields) {
    const parsed = JSON.parse(id) as ManagedFieldsEntry;
    const e: ManagedFieldsEntry = {};
    if (parsed.manager) e.manager = parsed.manager;
    e.operation = parsed.operation;
    e.apiVersion = vs.apiVersion;
    const time = managed.times.get(id);
    if (time) e.time = time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = vs.set.toFieldsV1();
    if (parsed.subresource) e.subresource = parsed.subresource;
    entries.push(e);
  }
  const cmp = (a = '', b = '') => (a < b ? -1 : a > b ? 1 : 0);
  return entries.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      unix(p.time) - unix(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource, q.subresource),
  );
}

/** printManager: how a manager is named in conflict messages. */
function printManager(id: string): string {
  let e: ManagedFieldsEntry;
  try {
    e = JSON.parse(id) as ManagedFieldsEntry;
  } catch {
    return JSON.stringify(id);
  }
  let s = JSON.stringify(e.manager ?? '');
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += e.time ? ` using ${e.apiVersion} at ${e.time}` : ` using ${e.apiVersion}`;
  return s;
}

/** NewConflictError: 409 Conflict listing every conflicting field by manager. */
export function conflictStatus(conflicts: ConflictError['conflicts']): StatusError {
  const causes: StatusCause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.manager)}`,
    field: pathString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].manager)}: ${pathString(conflicts[0].path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), pathString(c.path)]);
    const lines = [...byManager.keys()]
      .sort()
      .flatMap((m) => [`conflicts with ${printManager(m)}:`, ...byManager.get(m)!.map((p) => `- ${p}`)]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError('Conflict', message, { causes });
}

function withoutManagedFields(o: Obj | undefined): Obj | undefined {
  if (!o?.metadata || !('managedFields' in o.metadata)) return o;
  const { managedFields: _, ...metadata } = o.metadata;
  return { ...o, metadata };
}

function strip(fields: ManagedFields, id: string): void {
  const vs = fields.get(id);
  if (!vs) return;
  const set = vs.set.difference(stripSet);
  if (set.empty()) fields.delete(id);
  else fields.set(id, { ...vs, set });
}

/** capManagersManager: update entries beyond 10 are folded, oldest first, into one per apiVersion. */
function capUpdateManagers(managed: Managed): void {
  const updaters = [...managed.fields].filter(([, vs]) => !vs.applied).map(([id]) => id);
  if (updaters.length <= maxUpdateManagers) return;
  updaters.sort((a, b) => {
    const ta = managed.times.get(a);
    const tb = managed.times.get(b);
    if (!ta || !tb) return ta ? 1 : tb ? -1 : 0;
    return Date.parse(ta) - Date.parse(tb);
  });
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > maxUpdateManagers; i++) {
    const id = updaters[i];
    const vs = managed.fields.get(id)!;
    const bucket = managerIdentifier({ manager: ancientChanges, operation: 'Update', apiVersion: vs.apiVersion });
    const first = firstOfVersion.get(vs.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(vs.apiVersion, id);
      continue;
    }
    if (!managed.fields.has(bucket)) {
      managed.fields.set(bucket, managed.fields.get(first)!);
      managed.fields.delete(first);
    }
    managed.fields.set(bucket, { ...vs, set: vs.set.union(managed.fields.get(bucket)!.set) });
    managed.fields.delete(id);
    length--;
    managed.times.set(bucket, managed.times.get(id));
  }
}

/** RFC 3339 seconds, as metav1.Time marshals. */
function now(): string {
  return `${new Date().toISOString().slice(0, 19)}Z`;
}

function setManaged(o: Obj, managed: Managed): Obj {
  for (const id of [...managed.times.keys()]) if (!managed.fields.has(id)) managed.times.delete(id);
  const entries = encodeManagedFields(managed);
  const metadata = { ...(o.metadata ?? {}) };
  if (entries.length) metadata.managedFields = entries as unknown as JsonValue;
  else delete metadata.managedFields;
  return { ...o, metadata };
}

export interface FieldManagerOptions {
  /** The kind's root type (schema.ts typeOfKind). */
  type: TypeRef;
  /** group/version, e.g. apps/v1 or v1. */
  apiVersion: string;
  /** Fields this endpoint resets (status on a main resource with a status sub-resource). */
  resetFields?: FieldSet;
  subresource?: string;
}

export class FieldManager {
  private readonly updater: Updater;

  constructor(private readonly opts: FieldManagerOptions) {
    this.updater = new Updater(kubeSchema, opts.type, opts.resetFields);
  }

  /**
   * FieldManager.Update: `next` with managedFields recording `manager`'s change from `live` (undefined on
   * create). managedFields sent in `next` are taken as the starting point, as Kubernetes lets clients reset
   * them; a sub-resource write always starts from the live ones. Never fails the write: managedFields that
   * cannot be read are dropped (UpdateNoErrors).
   */
  update<T extends object>(live: T | undefined, next: T, manager: string): T {
    const liveObj = live as Obj | undefined;
    const nextObj = next as unknown as Obj;
    try {
      const managed = this.decodeLiveOrNew(liveObj, nextObj);
      const id = managerIdentifier({
        manager: manager || 'unknown',
        operation: 'Update',
        apiVersion: this.opts.apiVersion,
        subresource: this.opts.subresource,
      });
      const self = 'current-operation';
      const fill = (o: Obj | undefined) => zeroFill(kubeSchema, this.opts.type, (withoutManagedFields(o) ?? {}) as JsonValue);
      this.updater.updateManaged(fill(liveObj), fill(nextObj), this.opts.apiVersion, managed.fields, self);
      strip(managed.fields, self);
      const mine = managed.fields.get(self);
      if (mine) {
        managed.fields.delete(self);
        const previous = managed.fields.get(id);
        managed.fields.set(id, previous ? { ...mine, set: mine.set.union(previous.set) } : mine);
        managed.times.set(id, now());
      }
      capUpdateManagers(managed);
      return setManaged(nextObj, managed) as unknown as T;
    } catch {
      // UpdateNoErrors: managedFields that cannot be computed (unreadable entries, an object the schema cannot
      // walk) are dropped; the write itself goes on.
      return withoutManagedFields(nextObj) as unknown as T;
    }
  }

  private decodeLiveOrNew(live: Obj | undefined, next: Obj): Managed {
    const fromLive = () => {
      try {
        return decodeManagedFields(live?.metadata?.managedFields);
      } catch {
        return { fields: new Map(), times: new Map() } as Managed;
      }
    };
    if (this.opts.subresource) return fromLive();
    try {
      const managed = decodeManagedFields(next.metadata?.managedFields);
      return managed.fields.size ? managed : fromLive();
    } catch {
      return fromLive();
    }
  }

  /**
   * FieldManager.Apply: `config` merged onto `live` (an empty object of the kind when creating), owned by
   * `manager`. Throws a 409 StatusError on conflicts unless `force`, 400 for a config apply refuses.
   */
  apply<T extends object>(live: T | undefined, config: Record<string, unknown>, manager: string, force: boolean): T {
    const liveObj = (live ?? {}) as Obj;
    const cfg = config as Obj;
    if (cfg.metadata && cfg.metadata.managedFields !== undefined) throw badRequest('metadata.managedFields must be nil');
    let managed: Managed;
    try {
      managed = decodeManagedFields(liveObj.metadata?.managedFields);
    } catch (err) {
      throw new StatusError('InternalError', `failed to decode managed fields: ${(err as Error).message}`);
    }
    const id = managerIdentifier({ manager, operation: 'Apply' });
    const liveValue = withoutManagedFields(liveObj) as JsonValue;
    const run = (f: boolean) => {
      const fields: ManagedFields = new Map([...managed.fields].map(([k, v]) => [k, { ...v }]));
      return { ...this.updater.apply(liveValue, cfg as JsonValue, this.opts.apiVersion, fields, id, f), fields };
    };
    let result: ReturnType<typeof run>;
    try {
      result = run(force);
    } catch (err) {
      if (err instanceof TypedError) throw this.typedPatchError(cfg, err);
      if (!(err instanceof ConflictError)) throw err;
      const allowed = manager === 'kubectl' ? this.allowedByLastApplied(liveObj) : undefined;
      const remaining = allowed ? err.conflicts.filter((c) => !allowed.has(c.path)) : err.conflicts;
      if (remaining.length) throw conflictStatus(sortConflicts(remaining));
      result = run(true);
    }
    const out = { fields: result.managers, times: new Map(managed.times) } as Managed;
    strip(out.fields, id);
    const object = dropNulls(result.object) as Obj;
    if (!jsonEquals(object as JsonValue, liveValue)) out.times.set(id, now());
    capUpdateManagers(out);
    let final = setManaged(object, out);
    if (manager === 'kubectl' && lastApplied(liveObj) !== undefined) final = withLastApplied(final, cfg);
    return final as unknown as T;
  }

  /**
   * A config the schema cannot walk (duplicate or missing list keys): structuredMergeManager's error, which
   * kube-apiserver answers as a 500 with this wording.
   */
  private typedPatchError(cfg: Obj, err: TypedError): StatusError {
    const m = (cfg.metadata ?? {}) as { name?: string; namespace?: string };
    const [group, version] = this.opts.apiVersion.includes('/') ? this.opts.apiVersion.split('/') : ['', this.opts.apiVersion];
    const kind = typeof cfg.kind === 'string' ? cfg.kind : '';
    const nn = m.namespace ? `${m.namespace}/${m.name ?? ''}` : (m.name ?? '');
    return new StatusError(
      'InternalError',
      `failed to create typed patch object (${nn}; ${group}/${version}, Kind=${kind}): ${err.message}`,
    );
  }

  /**
   * lastAppliedManager: fields kubectl's client-side apply set (its annotation) that still hold those
   * values may be taken over by `kubectl apply --server-side` without a conflict.
   */
  private allowedByLastApplied(live: Obj): FieldSet | undefined {
    const text = lastApplied(live);
    if (!text) return undefined;
    try {
      const last = JSON.parse(text) as JsonValue;
      const set = toFieldSet(kubeSchema, this.opts.type, last);
      const cmp = compare(kubeSchema, this.opts.type, last, withoutManagedFields(live) as JsonValue);
      return set.difference(cmp.modified);
    } catch {
      return undefined;
    }
  }
}

function lastApplied(o: Obj): string | undefined {
  const annotations = o.metadata?.annotations as Record<string, string> | undefined;
  return annotations?.[lastAppliedAnnotation] || undefined;
}

/** lastAppliedUpdater: the annotation follows what kubectl applied server-side, as sorted JSON. */
function withLastApplied(o: Obj, config: Obj): Obj {
  const copy = structuredClone(config);
  const annotations = copy.metadata?.annotations as Record<string, JsonValue> | undefined;
  if (annotations) delete annotations[lastAppliedAnnotation];
  const metadata = { ...(o.metadata ?? {}) };
  metadata.annotations = {
    ...((metadata.annotations as Record<string, JsonValue>) ?? {}),
    [lastAppliedAnnotation]: sortedJson(copy as JsonValue),
  };
  return { ...o, metadata };
}

function sortedJson(v: JsonValue): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${sortedJson(v[k])}`)
    .join(',')}}`;
}

/** Go decodes null into a struct field as its zero value: nulls left by merging and pruning go. */
function dropNulls(v: JsonValue | undefined): JsonValue | undefined {
  if (Array.isArray(v)) return v.map((x) => dropNulls(x) ?? null);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, JsonValue> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = dropNulls(x) as JsonValue;
  return out;
}

function sortConflicts(conflicts: ConflictError['conflicts']): ConflictError['conflicts'] {
  return [...conflicts].sort((a, b) => (a.manager < b.manager ? -1 : a.manager > b.manager ? 1 : 0));
}
