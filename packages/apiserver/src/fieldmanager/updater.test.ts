// Appliers sharing an associative list, from structured-merge-diff's merge/key_test.go and
// merge/multiple_appliers_test.go: what each apply leaves in the object, who owns what, and the conflict
// when a second applier changes a value the first one owns.
import { describe, expect, it } from 'vitest';
import { FieldSet, type JsonValue, keyElement, type Path } from './fieldpath';
import { Schema } from './schema';
import { ConflictError, type ManagedFields, Updater } from './updater';

const schema = new Schema();
const scalar = schema.define('scalar', { scalar: true });
const element = schema.define('myElement', {
  map: {
    fields: new Map([
      ['name', { type: scalar }],
      ['value', { type: scalar }],
    ]),
    atomic: false,
  },
});
const list = schema.define('associativeList', { list: { elementType: element, associative: true, keys: ['name'] } });
const root = schema.define('type', { map: { fields: new Map([['list', { type: list }]]), atomic: false } });
const updater = new Updater(schema, root);

type Op = { manager: string; object: JsonValue; conflicts?: string[] };

/** Applies each op in turn (as merge/update.go's Apply); returns the object and the managers' field sets. */
function run(ops: Op[]): { object: JsonValue | undefined; managed: Record<string, string[]> } {
  let object: JsonValue | undefined = {};
  let managers: ManagedFields = new Map();
  for (const op of ops) {
    const copy: ManagedFields = new Map([...managers].map(([k, v]) => [k, { ...v }]));
    try {
      const r = updater.apply(object, op.object, 'v1', copy, op.manager, false);
      expect(op.conflicts, `${op.manager} should have conflicted`).toBeUndefined();
      object = r.object;
      managers = r.managers;
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      expect(err.conflicts.map((c) => `${c.manager} ${c.path.map((p) => JSON.stringify(p)).join('')}`)).toEqual(op.conflicts);
    }
  }
  const managed: Record<string, string[]> = {};
  for (const [m, vs] of managers) managed[m] = vs.set.paths().map((p) => p.map((e) => JSON.stringify(e)).join(''));
  return { object, managed };
}

const item = (name: string, field?: string): Path => [{ field: 'list' }, keyElement([['name', name]]), ...(field ? [{ field }] : [])];
const paths = (...ps: Path[]) =>
  FieldSet.of(...ps)
    .paths()
    .map((p) => p.map((e) => JSON.stringify(e)).join(''));
const items = (...names: string[]) => ({ list: names.map((name) => ({ name })) });

describe('appliers sharing an associative list (structured-merge-diff merge tests)', () => {
  it('removing_obsolete_applied_structs', () => {
    const r = run([
      { manager: 'default', object: { list: [{ name: 'a', value: 1 }] } },
      { manager: 'default', object: { list: [{ name: 'b', value: 2 }] } },
    ]);
    expect(r.object).toEqual({ list: [{ name: 'b', value: 2 }] });
    expect(r.managed).toEqual({ default: paths(item('b'), item('b', 'name'), item('b', 'value')) });
  });

  it('remove_one', () => {
    const r = run([
      { manager: 'apply-one', object: items('a', 'b') },
      { manager: 'apply-two', object: items('c') },
      { manager: 'apply-one', object: items('a') },
    ]);
    expect(r.object).toEqual(items('a', 'c'));
    expect(r.managed).toEqual({ 'apply-one': paths(item('a'), item('a', 'name')), 'apply-two': paths(item('c'), item('c', 'name')) });
  });

  it('same_value_no_conflict', () => {
    const a0 = { list: [{ name: 'a', value: 0 }] };
    const r = run([
      { manager: 'apply-one', object: a0 },
      { manager: 'apply-two', object: a0 },
    ]);
    expect(r.object).toEqual(a0);
    const owned = paths(item('a'), item('a', 'name'), item('a', 'value'));
    expect(r.managed).toEqual({ 'apply-one': owned, 'apply-two': owned });
  });

  it('change_value_yes_conflict', () => {
    const r = run([
      { manager: 'apply-one', object: { list: [{ name: 'a', value: 0 }] } },
      {
        manager: 'apply-two',
        object: { list: [{ name: 'a', value: 1 }] },
        conflicts: [
          `apply-one ${item('a', 'value')
            .map((p) => JSON.stringify(p))
            .join('')}`,
        ],
      },
    ]);
    expect(r.object).toEqual({ list: [{ name: 'a', value: 0 }] });
    expect(Object.keys(r.managed)).toEqual(['apply-one']);
  });

  it('remove_one_keep_one', () => {
    const r = run([
      { manager: 'apply-one', object: items('a', 'b', 'c') },
      { manager: 'apply-two', object: items('c', 'd') },
      { manager: 'apply-one', object: items('a') },
    ]);
    expect(r.object).toEqual(items('a', 'c', 'd'));
    expect(r.managed).toEqual({
      'apply-one': paths(item('a'), item('a', 'name')),
      'apply-two': paths(item('c'), item('d'), item('c', 'name'), item('d', 'name')),
    });
  });
});
