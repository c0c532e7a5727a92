// The generic verbs (get, list, create, update, patch, delete) for any kind, applied to the store with
// Kubernetes semantics: uid/creationTimestamp/generation stamping, optimistic concurrency on
// resourceVersion, status sub-resources, generateName, namespace existence, deletion with finalizers
// (the garbage collector's orphan and foregroundDeletion; dependents are its work, done in the background).
import { randomUUID, randomInt } from 'node:crypto';
import {
  alreadyExists,
  badRequest,
  conflict,
  field,
  invalid,
  mergePatch,
  notFound,
  patchMetaFor,
  StrategicMergePatchError,
  strategicMergePatch,
  rfc3339,
  StatusError,
  validateObjectMeta,
  apiVersionOf,
  type FieldError,
  type KubeObject,
} from '@kubelab/api';
import { controllerManager, fieldManagerFor } from '../fieldmanager';
import type { Store } from '../storage/store';
import { finalizersFor, foregroundFinalizer, orphanFinalizer, propagationOf, type DeleteOptions } from './delete-options';
import { assertNestingDepth } from './decode';
import { applyJsonPatch } from './json-patch';
import { resourceKey, type Registry, type Strategy, type SubresourceContext, type SubresourceHandler } from './strategy';

/** How a PATCH body is read: `merge` (merge-patch+json), `strategic` (strategic-merge-patch+json), `json` (json-patch+json). */
export type PatchType = 'merge' | 'strategic' | 'json';

/** A strategic merge patch applied with the patch strategies of the document's kind. */
function applyStrategic(doc: KubeObject, patch: unknown): KubeObject {
  try {
    return strategicMergePatch(
      doc as unknown as Record<string, unknown>,
      patch as Record<string, unknown>,
      patchMetaFor(doc.kind!),
    ) as KubeObject;
  } catch (err) {
    if (err instanceof StrategicMergePatchError) throw new StatusError(err.reason, err.message);
    throw err;
  }
}

/** Per-request options of a write (metav1.CreateOptions / UpdateOptions / PatchOptions). */
export interface WriteOptions {
  /**
   * dryRun=All: everything a write does runs (decoding, defaulting, validation, allocation), but nothing is
   * stored, no watch event is sent, and whatever was allocated goes back; the answer is the object as it
   * would have been stored (k8s.io/apiserver pkg/registry/generic/registry/dryrun.go).
   */
  dryRun?: boolean;
  /**
   * The manager recorded in metadata.managedFields (the request's fieldManager or User-Agent prefix); in-process
   * controllers write as kube-controller-manager.
   */
  fieldManager?: string;
  /** Server-side apply: take fields other managers own instead of answering 409. */
  force?: boolean;
  /** managedFields were already set by apply: no Update entry is recorded for this write. */
  applied?: boolean;
  /**
   * PATCH and apply: the request's admission of the merged object before it is stored (RBAC escalation on
   * the result; `created`: the apply makes the object, so it is authorized as a create).
   */
  admitFinal?: (obj: KubeObject, created: boolean) => void;
}

const managerOf = (opts: WriteOptions) => opts.fieldManager ?? controllerManager;

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
}

export interface DeleteResult {
  /** The deleted object, or (deleted false) the object now waiting for its finalizers. */
  object: KubeObject;
  deleted: boolean;
}

const protectedNamespaces = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);
const generateNameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

function clone<T>(v: T): T {
  return structuredClone(v);
}

function desiredState(s: Strategy, obj: KubeObject): string {
  const fields = ['spec', ...(s.generationFields ?? [])];
  return JSON.stringify(fields.map((f) => obj[f]));
}

/** A mutating admission step for creates, run after the kind's defaults (e.g. the ServiceAccount plugin). */
export type CreateAdmission = (s: Strategy, obj: KubeObject) => void;

export class ObjectService {
  /** Admission plugins run on every create, from the API or from a controller, as in kube-apiserver. */
  readonly admission: CreateAdmission[] = [];

  constructor(
    readonly store: Store,
    readonly registry: Registry,
  ) {}

  get(s: Strategy, namespace: string | undefined, name: string): KubeObject {
    const obj = this.store.get(resourceKey(s.info), this.scope(s, namespace), name);
    if (!obj) throw notFound(s.info.plural, { kind: s.info.kind, group: s.info.group, name });
    return obj;
  }

  list(s: Strategy, namespace: string | undefined): KubeObject[] {
    return this.store.list(resourceKey(s.info), this.scope(s, namespace));
  }

  create(s: Strategy, namespace: string | undefined, body: unknown, opts: WriteOptions = {}): WriteResult {
    const obj = this.checkBody(s, namespace, body);
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) {
      meta.name =
        meta.generateName + Array.from({ length: 5 }, () => generateNameAlphabet[randomInt(generateNameAlphabet.length)]).join('');
    }
    if (s.info.namespaced) this.requireNamespace(meta.namespace!, true);
    s.prepareForCreate?.(obj);
    for (const admit of this.admission) admit(s, obj);
    this.validate(s, obj);
    const key = resourceKey(s.info);
    if (this.store.get(key, meta.namespace, meta.name!))
      throw alreadyExists(s.info.plural, { kind: s.info.kind, group: s.info.group, name: meta.name });
    const now = rfc3339();
    obj.metadata = {
      ...meta,
      uid: randomUUID(),
      creationTimestamp: now,
      generation: 1,
    };
    delete obj.metadata.resourceVersion;
    delete obj.metadata.deletionTimestamp;
    delete obj.metadata.deletionGracePeriodSeconds;
    // Everything that can fail runs before the write: an error never follows a stored object (issue 6).
    const warnings = this.warnings(s, obj);
    const managed = opts.applied ? obj : fieldManagerFor(s.info).update(undefined, obj, managerOf(opts));
    return { object: this.put(key, managed, 'ADDED', opts), warnings };
  }

  update(
    s: Strategy,
    namespace: string | undefined,
    name: string,
    body: unknown,
    subresource?: string,
    opts: WriteOptions = {},
  ): WriteResult {
    const custom = subresource ? s.subresources?.[subresource] : undefined;
    if (custom) return this.updateSubresource(s, this.get(s, namespace, name), subresource!, custom, body, opts);
    const obj = this.checkBody(s, namespace, body);
    if (obj.metadata.name !== name) {
      throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    const old = this.get(s, namespace, name);
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(
        s.info.plural,
        { kind: s.info.kind, group: s.info.group, name },
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    return this.write(s, old, obj, subresource, opts);
  }

  /**
   * PATCH: a JSON merge patch (RFC 7386), a strategic merge patch (Kubernetes' patch strategies and merge
   * keys, patch-meta.ts in @kubelab/api) or a JSON patch (RFC 6902), applied to the stored object (or to a
   * sub-resource's own representation, e.g. a Scale).
   */
  patch(
    s: Strategy,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    subresource?: string,
    type: PatchType = 'merge',
    opts: WriteOptions = {},
  ): WriteResult {
    if (type !== 'json' && (patch === null || typeof patch !== 'object' || Array.isArray(patch)))
      throw badRequest('the patch must be a JSON object');
    const apply = (doc: KubeObject): KubeObject => {
      if (type === 'json') return applyJsonPatch(doc, patch) as KubeObject;
      if (type === 'strategic') return applyStrategic(doc, patch);
      return mergePatch(clone(doc), patch) as KubeObject;
    };
    const old = this.get(s, namespace, name);
    const custom = subresource ? s.subresources?.[subresource] : undefined;
    if (custom?.get) return this.updateSubresource(s, old, subresource!, custom, apply(custom.get(old)), opts);
    const merged = apply(old);
    // The patched object's resourceVersion is the precondition, as in Kubernetes: a patch that sets it to
    // anything but the stored version conflicts.
    const precondition = merged?.metadata?.resourceVersion;
    if (precondition && precondition !== old.metadata.resourceVersion) {
      throw conflict(
        s.info.plural,
        { kind: s.info.kind, group: s.info.group, name },
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    const obj = this.checkBody(s, namespace, merged);
    if (obj.metadata.name !== name) throw badRequest('metadata.name cannot be changed by a patch');
    opts.admitFinal?.(obj, false);
    return this.write(s, old, obj, subresource, opts);
  }

  /**
   * Server-side apply (PATCH application/apply-patch+yaml): `config` merged onto the stored object by the
   * field managers' rules (fieldmanager/), or a new object made from it when there is none (apply creates).
   * `created` tells the handler to answer 201.
   */
  apply(s: Strategy, namespace: string | undefined, name: string, config: unknown, opts: WriteOptions): WriteResult & { created: boolean } {
    if (config === null || typeof config !== 'object' || Array.isArray(config)) throw badRequest('the patch must be a YAML or JSON object');
    const body = config as KubeObject;
    if (body.apiVersion !== apiVersionOf(s.info) || body.kind !== s.info.kind) {
      const [group, version] = String(body.apiVersion ?? '').includes('/')
        ? String(body.apiVersion).split('/')
        : ['', body.apiVersion ?? ''];
      throw badRequest(`invalid object type: ${group}/${version}, Kind=${body.kind ?? ''}`);
    }
    const metaName = (body.metadata as { name?: string } | undefined)?.name;
    if (metaName !== undefined && metaName !== name) {
      throw badRequest(`the name of the object (${metaName}) does not match the name on the URL (${name})`);
    }
    const fm = fieldManagerFor(s.info);
    const manager = managerOf(opts);
    const existing = this.store.get(resourceKey(s.info), this.scope(s, namespace), name);
    if (!existing) {
      const fresh = { apiVersion: body.apiVersion, kind: body.kind, metadata: { name, ...(s.info.namespaced ? { namespace } : {}) } };
      const merged = fm.apply(fresh, body as Record<string, unknown>, manager, !!opts.force);
      opts.admitFinal?.(merged as KubeObject, true);
      return { ...this.create(s, namespace, merged, { ...opts, applied: true }), created: true };
    }
    const merged = fm.apply(existing, body as Record<string, unknown>, manager, !!opts.force);
    const obj = this.checkBody(s, namespace, merged);
    opts.admitFinal?.(obj, false);
    return { ...this.write(s, existing, obj, undefined, { ...opts, applied: true }), created: false };
  }

  /** Deletes an object and returns it (or, when finalizers hold it, the object marked for deletion). */
  delete(s: Strategy, namespace: string | undefined, name: string, opts: DeleteOptions = {}): KubeObject {
    return this.deleteObject(s, namespace, name, opts).object;
  }

  /**
   * DELETE as the generic registry does it: preconditions, then either removal, or (when finalizers remain,
   * e.g. the garbage collector's `orphan` / `foregroundDeletion` for those propagation policies)
   * deletionTimestamp set and the object left for its finalizers. Dependents are never touched here: the
   * garbage collector finds them through the store's owner index, in the background (Background policy).
   */
  deleteObject(s: Strategy, namespace: string | undefined, name: string, opts: DeleteOptions = {}): DeleteResult {
    const ns = this.scope(s, namespace);
    if (s.info.plural === 'namespaces' && s.info.group === '' && protectedNamespaces.has(name)) {
      throw new StatusError('MethodNotAllowed', `namespaces "${name}" is forbidden: this namespace may not be deleted`);
    }
    const existing = this.get(s, ns, name);
    const ref = { kind: s.info.kind, group: s.info.group, name };
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== existing.metadata.uid) {
      throw conflict(
        s.info.plural,
        ref,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${existing.metadata.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== existing.metadata.resourceVersion) {
      throw conflict(
        s.info.plural,
        ref,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${existing.metadata.resourceVersion}`,
      );
    }
    const key = resourceKey(s.info);
    const dry = { dryRun: opts.dryRun?.includes('All') };
    // Pods: marked Terminating for their kubelet, which removes them with grace 0 when the containers stopped.
    const graceful = s.gracefulDelete?.(existing, opts, Date.now());
    if (graceful?.kind === 'unchanged') return { object: existing, deleted: false };
    if (graceful?.kind === 'mark') {
      const { deletionTimestamp, deletionGracePeriodSeconds } = graceful;
      const marked = { ...existing, metadata: { ...existing.metadata, deletionTimestamp, deletionGracePeriodSeconds } };
      return { object: this.put(key, marked, 'MODIFIED', dry), deleted: false };
    }
    let finalizers = finalizersFor(existing, propagationOf(existing, opts));
    // With no dependents there is nothing to orphan or wait for: the collector would drop its finalizer at once.
    if (!existing.metadata.uid || !this.store.hasDependents(existing.metadata.uid))
      finalizers = finalizers.filter((f) => f !== orphanFinalizer && f !== foregroundFinalizer);
    if (finalizers.length) {
      const m = existing.metadata;
      const same = m.deletionTimestamp && (m.finalizers ?? []).join('\u0000') === finalizers.join('\u0000');
      if (same) return { object: existing, deleted: false };
      const marked = {
        ...existing,
        metadata: { ...m, finalizers, deletionTimestamp: m.deletionTimestamp ?? rfc3339(), deletionGracePeriodSeconds: 0 },
      };
      return { object: this.put(key, marked, 'MODIFIED', dry), deleted: false };
    }
    // A dry run answers with the object as it is: nothing is removed, nor anything in a namespace.
    if (dry.dryRun) return { object: existing, deleted: true };
    // A namespace with spec.finalizers goes Terminating; the namespace controller empties it, clears the
    // `kubernetes` finalizer, and that write removes it (pkg/registry/core/namespace/storage Delete).
    if (isNamespace(s) && namespaceFinalizers(existing).length) {
      if (existing.metadata.deletionTimestamp) return { object: existing, deleted: false };
      const marked = {
        ...existing,
        metadata: { ...existing.metadata, deletionTimestamp: rfc3339(), deletionGracePeriodSeconds: 0 },
        status: { ...(existing.status as object), phase: 'Terminating' },
      };
      return { object: this.put(key, marked, 'MODIFIED', dry), deleted: false };
    }
    return { object: this.store.remove(key, ns, name)!, deleted: true };
  }

  /** GET of a sub-resource: its own representation when it has one (scale), else the parent (status). */
  getSubresource(s: Strategy, namespace: string | undefined, name: string, subresource: string): KubeObject {
    const parent = this.get(s, namespace, name);
    return s.subresources?.[subresource]?.get?.(parent) ?? parent;
  }

  /** POST to a sub-resource, e.g. pods/binding. */
  createSubresource(
    s: Strategy,
    namespace: string | undefined,
    name: string,
    subresource: string,
    body: unknown,
    opts: WriteOptions = {},
  ): WriteResult {
    const handler = s.subresources?.[subresource];
    if (!handler?.create) throw new StatusError('MethodNotAllowed', `POST is not supported on ${s.info.plural}/${subresource}`);
    const parent = this.get(s, namespace, name);
    const ctx = this.subresourceContext(s, parent, subresource, opts);
    return { object: handler.create(ctx, parent, this.subresourceBody(s, subresource, body)), warnings: [] };
  }

  private updateSubresource(
    s: Strategy,
    parent: KubeObject,
    subresource: string,
    handler: SubresourceHandler,
    body: unknown,
    opts: WriteOptions,
  ): WriteResult {
    if (!handler.update) throw new StatusError('MethodNotAllowed', `PUT is not supported on ${s.info.plural}/${subresource}`);
    const obj = this.subresourceBody(s, subresource, body);
    const rv = obj.metadata?.resourceVersion;
    if (rv && rv !== parent.metadata.resourceVersion) {
      throw conflict(
        s.info.plural,
        { kind: s.info.kind, group: s.info.group, name: parent.metadata.name },
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    return { object: handler.update(this.subresourceContext(s, parent, subresource, opts), parent, obj), warnings: [] };
  }

  private subresourceBody(s: Strategy, subresource: string, body: unknown): KubeObject {
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      throw badRequest(`the request body of ${s.info.plural}/${subresource} must be an object`);
    const obj = clone(body) as KubeObject;
    obj.metadata ??= {};
    return obj;
  }

  private subresourceContext(s: Strategy, parent: KubeObject, subresource: string, opts: WriteOptions): SubresourceContext {
    return {
      commit: (next) => {
        next.metadata = { ...next.metadata, ...this.identity(parent) };
        this.validate(s, next);
        // A scale write is recorded as its manager's, on the parent's fields (binding is not: kube-apiserver's
        // binding storage assigns the node without a field manager).
        if (subresource === 'scale') next = fieldManagerFor(s.info, subresource).update(parent, next, managerOf(opts));
        return this.persist(s, parent, next, opts);
      },
    };
  }

  /** Metadata no write may change, whatever the client sent. */
  private identity(old: KubeObject): Partial<KubeObject['metadata']> {
    const m = old.metadata;
    return {
      uid: m.uid,
      creationTimestamp: m.creationTimestamp,
      namespace: m.namespace,
      generation: m.generation,
      deletionTimestamp: m.deletionTimestamp,
      deletionGracePeriodSeconds: m.deletionGracePeriodSeconds,
    };
  }

  private persist(s: Strategy, old: KubeObject, obj: KubeObject, opts: WriteOptions): KubeObject {
    if (desiredState(s, obj) !== desiredState(s, old)) obj.metadata.generation = (old.metadata.generation ?? 1) + 1;
    // The write that removes the last finalizer of an object marked for deletion deletes it
    // (generic registry's ShouldDeleteDuringUpdate).
    const grace = old.metadata.deletionGracePeriodSeconds;
    const pending = obj.metadata.finalizers?.length || (isNamespace(s) && namespaceFinalizers(obj).length);
    if (old.metadata.deletionTimestamp && !pending && (grace === undefined || grace === 0)) {
      if (opts.dryRun) return obj;
      return this.store.remove(resourceKey(s.info), old.metadata.namespace, old.metadata.name!)!;
    }
    // A dry-run update answers at the stored version: nothing new was written.
    if (opts.dryRun) obj.metadata = { ...obj.metadata, resourceVersion: old.metadata.resourceVersion };
    return this.put(resourceKey(s.info), obj, 'MODIFIED', opts);
  }

  /** The one place writes reach the store: a dry run returns what would be stored, unstamped and unsent. */
  private put(key: string, obj: KubeObject, type: 'ADDED' | 'MODIFIED', opts: WriteOptions): KubeObject {
    return opts.dryRun ? obj : this.store.put(key, obj, type);
  }

  private write(s: Strategy, old: KubeObject, obj: KubeObject, subresource: string | undefined, opts: WriteOptions): WriteResult {
    // Immutable metadata stays as stored, whatever the client sent.
    obj.metadata = {
      ...obj.metadata,
      uid: old.metadata.uid,
      creationTimestamp: old.metadata.creationTimestamp,
      namespace: old.metadata.namespace,
      generation: old.metadata.generation,
      deletionTimestamp: old.metadata.deletionTimestamp,
      deletionGracePeriodSeconds: old.metadata.deletionGracePeriodSeconds,
    };
    const hasStatus = s.info.subresources?.includes('status');
    if (subresource === 'status') {
      // A status write changes status only (and nothing else of the stored object).
      obj = { ...clone(old), status: obj.status };
    } else if (subresource) {
      throw new StatusError('NotFound', `the server could not find the requested resource (${s.info.plural}/${subresource})`);
    } else if (hasStatus) {
      obj.status = old.status;
      s.prepareForUpdate?.(obj, old);
    } else {
      s.prepareForUpdate?.(obj, old);
    }
    this.validate(s, obj, old);
    const warnings = this.warnings(s, obj);
    if (!opts.applied) obj = fieldManagerFor(s.info, subresource).update(old, obj, managerOf(opts));
    return { object: this.persist(s, old, obj, opts), warnings };
  }

  /** Parses and checks the identity fields of a request body against the URL. */
  private checkBody(s: Strategy, namespace: string | undefined, body: unknown): KubeObject {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw badRequest(`the request body must be a ${s.info.kind} object`);
    }
    // Also a patch's result: a JSON patch can nest a body deeper than any one request did.
    assertNestingDepth(s.info, body);
    const obj = clone(body) as KubeObject;
    const expected = apiVersionOf(s.info);
    const errs: FieldError[] = [];
    if (obj.kind !== undefined && obj.kind !== s.info.kind) errs.push(field.invalid('kind', obj.kind, `must be ${s.info.kind}`));
    if (obj.apiVersion !== undefined && obj.apiVersion !== expected)
      errs.push(field.invalid('apiVersion', obj.apiVersion, `must be ${expected}`));
    if (obj.metadata === undefined || obj.metadata === null || typeof obj.metadata !== 'object') {
      throw invalid(s.info.kind, s.info.group, undefined, [field.required('metadata')]);
    }
    if (errs.length) throw invalid(s.info.kind, s.info.group, obj.metadata.name, errs);
    obj.kind = s.info.kind;
    obj.apiVersion = expected;
    if (s.info.namespaced) {
      const ns = namespace ?? obj.metadata.namespace ?? 'default';
      if (obj.metadata.namespace && obj.metadata.namespace !== ns) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = ns;
    } else {
      delete obj.metadata.namespace;
    }
    return obj;
  }

  private validate(s: Strategy, obj: KubeObject, old?: KubeObject): void {
    const errs = [
      ...validateObjectMeta(obj.metadata, { namespaced: s.info.namespaced, nameRule: s.nameRule }),
      ...(s.validate?.(obj, old) ?? []),
    ];
    if (errs.length) throw invalid(s.info.kind, s.info.group, obj.metadata.name ?? obj.metadata.generateName, errs);
  }

  private warnings(s: Strategy, obj: KubeObject): string[] {
    return [
      ...(s.ignoredFields?.(obj) ?? []).map(
        (f) => `${s.info.kind} "${obj.metadata.name}": ${f} is accepted but not modelled by kubelab (ignored)`,
      ),
      ...(s.warnings?.(obj) ?? []),
    ];
  }

  private scope(s: Strategy, namespace: string | undefined): string | undefined {
    return s.info.namespaced ? namespace : undefined;
  }

  private requireNamespace(ns: string, creating = false): void {
    const found = this.store.get('/namespaces', undefined, ns);
    if (!found) throw notFound('namespaces', { kind: 'Namespace', name: ns });
    // The NamespaceLifecycle admission plugin: nothing new goes into a namespace being emptied.
    if (creating && found.metadata.deletionTimestamp)
      throw new StatusError('Forbidden', `unable to create new content in namespace ${ns} because it is being terminated`);
  }
}

function isNamespace(s: Strategy): boolean {
  return s.info.plural === 'namespaces' && s.info.group === '';
}

/** spec.finalizers of a Namespace (`kubernetes` until the namespace controller has emptied it). */
export function namespaceFinalizers(o: KubeObject): string[] {
  const spec = o.spec as { finalizers?: string[] } | undefined;
  return Array.isArray(spec?.finalizers) ? spec.finalizers : [];
}
