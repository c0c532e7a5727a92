// The field managers' bookkeeping of structured-merge-diff's merge/update.go: Update (an ordinary write:
// the writer takes every field it changed, from whoever had it) and Apply (merge the applier's config,
// prune what it stopped applying and nobody else owns, refuse to change fields other managers own unless
// forced). Each kind is served in one version here, so the version conversions of the original are the
// identity; managers still carry their apiVersion.
import { FieldSet, type JsonValue, type Path, pathString } from './fieldpath';
import type { Schema, TypeRef } from './schema';
import { type Comparison, compare, ensureNamedFieldsAreMembers, jsonEquals, merge, removeItems, toFieldSet } from './typed';

export interface VersionedSet {
  set: FieldSet;
  apiVersion: string;
  applied: boolean;
}

/** Manager identifier -> the fields it owns. */
export type ManagedFields = Map<string, VersionedSet>;

export interface Conflict {
  manager: string;
  path: Path;
}

/** merge.Conflicts: what an apply would have taken from other managers. */
export class ConflictError extends Error {
  constructor(readonly conflicts: Conflict[]) {
    super(conflicts.map((c) => `conflict with ${JSON.stringify(c.manager)}: ${pathString(c.path)}`).join('\n'));
  }
}

type Value = JsonValue | undefined;

export class Updater {
  constructor(
    private readonly schema: Schema,
    private readonly type: TypeRef,
    /** Fields no manager of this operation can own (reset fields: status on the main resource). */
    private readonly ignored?: FieldSet,
  ) {}

  private filtered(c: Comparison): Comparison {
    if (!this.ignored || this.ignored.empty()) return c;
    return {
      added: c.added.recursiveDifference(this.ignored),
      modified: c.modified.recursiveDifference(this.ignored),
      removed: c.removed.recursiveDifference(this.ignored),
    };
  }

  private filter(s: FieldSet): FieldSet {
    return this.ignored && !this.ignored.empty() ? s.recursiveDifference(this.ignored) : s;
  }

  private update(oldObject: Value, newObject: Value, managers: ManagedFields, workflow: string, force: boolean): Comparison {
    const cmp = this.filtered(compare(this.schema, this.type, oldObject, newObject));
    const conflicts = new Map<string, FieldSet>();
    const removed = new Map<string, FieldSet>();
    const changed = cmp.modified.union(cmp.added);
    for (const [manager, vs] of managers) {
      if (manager === workflow) continue;
      const conflictSet = vs.set.intersection(changed);
      if (!conflictSet.empty()) conflicts.set(manager, conflictSet);
      if (!cmp.removed.empty()) removed.set(manager, cmp.removed);
    }
    if (!force && conflicts.size) {
      throw new ConflictError([...conflicts].flatMap(([manager, set]) => set.paths().map((path) => ({ manager, path }))));
    }
    for (const [manager, set] of [...conflicts, ...removed]) {
      const vs = managers.get(manager)!;
      managers.set(manager, { ...vs, set: vs.set.difference(set) });
    }
    for (const [manager, vs] of managers) if (vs.set.empty()) managers.delete(manager);
    return cmp;
  }

  /** Updater.Update: `manager` owns what it changed on top of what it had; others lose those fields. */
  updateManaged(live: Value, next: Value, apiVersion: string, managers: ManagedFields, manager: string): ManagedFields {
    const cmp = this.update(live, next, managers, manager, true);
    const prev = managers.get(manager)?.set ?? new FieldSet();
    const set = this.filter(prev.difference(cmp.removed).union(cmp.modified).union(cmp.added));
    if (set.empty()) managers.delete(manager);
    else managers.set(manager, { set, apiVersion, applied: false });
    return managers;
  }

  /**
   * Updater.Apply: the live object merged with `config`, owned by `manager` as exactly the config's fields;
   * `undefined` when nothing changed. Throws ConflictError unless `force`.
   */
  apply(
    live: Value,
    config: Value,
    apiVersion: string,
    managers: ManagedFields,
    manager: string,
    force: boolean,
  ): { object: Value; managers: ManagedFields } {
    let next = merge(this.schema, this.type, live, config);
    const lastSet = managers.get(manager);
    managers.set(manager, { set: this.filter(toFieldSet(this.schema, this.type, config)), apiVersion, applied: true });
    next = this.prune(next, managers, lastSet);
    this.update(live, next, managers, manager, force);
    return { object: next, managers };
  }

  /** Removes what the applier applied last time (`lastSet`), not this time, and nobody else owns. */
  private prune(merged: Value, managers: ManagedFields, lastSet: VersionedSet | undefined): Value {
    if (!lastSet || lastSet.set.empty()) return merged;
    const named = (s: FieldSet) => ensureNamedFieldsAreMembers(this.schema, this.type, s);
    let pruned = removeItems(this.schema, this.type, merged, named(lastSet.set));
    // addBackOwnedItems: whatever any manager (the applier's new config included) owns comes back.
    let managed = new FieldSet();
    for (const vs of managers.values()) managed = managed.union(vs.set);
    const mergedSet = named(toFieldSet(this.schema, this.type, merged));
    let prunedSet = named(toFieldSet(this.schema, this.type, pruned));
    pruned = removeItems(this.schema, this.type, merged, mergedSet.difference(prunedSet.union(named(managed))));
    // addBackDanglingItems: only what this applier owned last time may go.
    prunedSet = named(toFieldSet(this.schema, this.type, pruned));
    return removeItems(this.schema, this.type, merged, mergedSet.difference(prunedSet).intersection(named(lastSet.set)));
  }
}

export { jsonEquals };
