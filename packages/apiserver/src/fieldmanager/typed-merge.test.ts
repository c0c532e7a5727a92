// Merge triplets (live, applied config, result) from structured-merge-diff's typed/merge_test.go, run against
// this port with the same schemas built in code: empty and null values, sets of scalars (order, duplicates in
// the live list), associative lists keyed by two fields, atomic lists.
import { describe, expect, it } from 'vitest';
import type { JsonValue } from './fieldpath';
import { type Atom, Schema } from './schema';
import { jsonEquals, merge } from './typed';

const schema = new Schema();
const atomic = '__untyped_atomic_';
const scalar = schema.define('scalar', { scalar: true });
const fields = (f: Record<string, string>) => ({
  map: { fields: new Map(Object.entries(f).map(([k, type]) => [k, { type }])), atomic: false },
});
const def = (name: string, atom: Atom) => schema.define(name, atom);

const roots = {
  stringPair: def('stringPair', fields({ key: scalar, value: atomic })),
  nestedMap: def('nestedMap', fields({ inner: def('innerMap', { map: { elementType: atomic, atomic: false } }) })),
  nestedStruct: def('nestedStruct', fields({ inner: def('innerStruct', fields({ value: atomic })) })),
  nestedList: def('nestedList', fields({ inner: def('innerList', { list: { elementType: atomic, associative: false, keys: [] } }) })),
  myStruct: def(
    'myStruct',
    fields({
      numeric: scalar,
      string: scalar,
      bool: scalar,
      setStr: def('setStr', { list: { elementType: scalar, associative: true, keys: [] } }),
      setBool: def('setBool', { list: { elementType: scalar, associative: true, keys: [] } }),
      setNumeric: def('setNumeric', { list: { elementType: scalar, associative: true, keys: [] } }),
    }),
  ),
  myRoot: def(
    'myRoot',
    fields({
      list: def('myList', {
        list: {
          elementType: def(
            'myElement',
            fields({
              key: scalar,
              id: scalar,
              value: def('myValue', { map: { elementType: scalar, atomic: false } }),
              bv: scalar,
              nv: scalar,
            }),
          ),
          associative: true,
          keys: ['key', 'id'],
        },
      }),
      atomicList: def('mySequence', { list: { elementType: scalar, associative: false, keys: [] } }),
    }),
  ),
};

const cases: [keyof typeof roots, string, string, string][] = [
  ['stringPair', '{"key":"foo","value":{}}', '{"key":"foo","value":1}', '{"key":"foo","value":1}'],
  ['stringPair', '{"key":"foo","value":1}', '{"key":"foo","value":{}}', '{"key":"foo","value":{}}'],
  ['stringPair', '{"key":"foo","value":null}', '{"key":"foo","value":{}}', '{"key":"foo","value":{}}'],
  ['stringPair', '{"key":"foo"}', '{"value":true}', '{"key":"foo","value":true}'],
  ['nestedMap', '{}', '{"inner":{}}', '{"inner":{}}'],
  ['nestedMap', '{}', '{"inner":null}', '{"inner":null}'],
  ['nestedMap', '{"inner":null}', '{"inner":{}}', '{"inner":{}}'],
  ['nestedMap', '{"inner":{}}', '{"inner":null}', '{"inner":null}'],
  ['nestedStruct', '{"inner":null}', '{"inner":{}}', '{"inner":{}}'],
  ['nestedStruct', '{"inner":{}}', '{"inner":null}', '{"inner":null}'],
  ['nestedList', '{}', '{"inner":[]}', '{"inner":[]}'],
  ['nestedList', '{"inner":[]}', '{"inner":null}', '{"inner":null}'],
  ['myStruct', '{"numeric":1}', '{"numeric":3.14159}', '{"numeric":3.14159}'],
  ['myStruct', '{"string":"aoeu"}', '{"bool":true}', '{"string":"aoeu","bool":true}'],
  ['myStruct', '{"setStr":["a","b","c"]}', '{"setStr":["a","b"]}', '{"setStr":["a","b","c"]}'],
  ['myStruct', '{"setStr":["a","b"]}', '{"setStr":["a","b","c"]}', '{"setStr":["a","b","c"]}'],
  ['myStruct', '{"setStr":["a","b","c"]}', '{"setStr":[]}', '{"setStr":["a","b","c"]}'],
  ['myStruct', '{"setStr":["a","b"]}', '{"setStr":["b","a"]}', '{"setStr":["b","a"]}'],
  ['myStruct', '{"setStr":["a","b","c"]}', '{"setStr":["d","e","f"]}', '{"setStr":["a","b","c","d","e","f"]}'],
  ['myStruct', '{"setStr":["a","b","c","g","f"]}', '{"setStr":["c","d","e","f"]}', '{"setStr":["a","b","c","g","d","e","f"]}'],
  ['myStruct', '{"setStr":["c","d","e","f"]}', '{"setStr":["a","c","e"]}', '{"setStr":["a","c","d","e","f"]}'],
  [
    'myStruct',
    '{"setStr":["a","b","c","x","y","z"]}',
    '{"setStr":["d","e","f","x","y","z"]}',
    '{"setStr":["a","b","c","d","e","f","x","y","z"]}',
  ],
  ['myStruct', '{"setStr":["c","a","g","f"]}', '{"setStr":["c","f","a","g"]}', '{"setStr":["c","f","a","g"]}'],
  ['myStruct', '{"setStr":["a","b","c","d"]}', '{"setStr":["d","e","f","a"]}', '{"setStr":["b","c","d","e","f","a"]}'],
  [
    'myStruct',
    '{"setStr":["c","d","e","f","g","h","i","j"]}',
    '{"setStr":["2","h","3","e","4","k","l"]}',
    '{"setStr":["c","d","f","g","2","h","i","j","3","e","4","k","l"]}',
  ],
  [
    'myStruct',
    '{"setStr":["a","b","c","d","e","f","g","h","i","j"]}',
    '{"setStr":["1","b","2","h","3","e","4","k","l"]}',
    '{"setStr":["a","1","b","c","d","f","g","2","h","i","j","3","e","4","k","l"]}',
  ],
  ['myStruct', '{"setStr":["a","b","b"]}', '{"setStr":["c"]}', '{"setStr":["a","b","b","c"]}'],
  ['myStruct', '{"setStr":["a","b","b"]}', '{"setStr":["b"]}', '{"setStr":["a","b"]}'],
  ['myStruct', '{"setStr":["a","b","b"]}', '{"setStr":["a"]}', '{"setStr":["a","b","b"]}'],
  ['myStruct', '{"setStr":["a","b","c","d","e","c"]}', '{"setStr":["1","b","2","e","d"]}', '{"setStr":["a","1","b","c","2","e","c","d"]}'],
  ['myStruct', '{"setStr":["a","b","c","d","e","c"]}', '{"setStr":["1","b","2","c","e","d"]}', '{"setStr":["a","1","b","2","c","e","d"]}'],
  ['myStruct', '{"setStr":["a","a","b","b"]}', '{"setStr":["b","c","d"]}', '{"setStr":["a","a","b","c","d"]}'],
  ['myStruct', '{"setBool":[true]}', '{"setBool":[false]}', '{"setBool":[true,false]}'],
  ['myStruct', '{"setNumeric":[1,2,3.14159]}', '{"setNumeric":[1,2,3]}', '{"setNumeric":[1,2,3.14159,3]}'],
  ['myStruct', '{"setStr":["c","a","g","f","c","a"]}', '{"setStr":["c","f","a","g"]}', '{"setStr":["c","f","a","g"]}'],
  ['myStruct', '{"setBool":[true,false,true]}', '{"setBool":[true]}', '{"setBool":[true,false]}'],
  [
    'myRoot',
    '{"list":[{"key":"a","id":1,"value":{"a":"a"}}]}',
    '{"list":[{"key":"a","id":2,"value":{"a":"a"}}]}',
    '{"list":[{"key":"a","id":1,"value":{"a":"a"}},{"key":"a","id":2,"value":{"a":"a"}}]}',
  ],
  [
    'myRoot',
    '{"list":[{"key":"a","id":1},{"key":"b","id":1}]}',
    '{"list":[{"key":"a","id":1},{"key":"a","id":2}]}',
    '{"list":[{"key":"a","id":1},{"key":"b","id":1},{"key":"a","id":2}]}',
  ],
  [
    'myRoot',
    '{"list":[{"key":"b","id":2}]}',
    '{"list":[{"key":"a","id":1},{"key":"b","id":2},{"key":"c","id":3}]}',
    '{"list":[{"key":"a","id":1},{"key":"b","id":2},{"key":"c","id":3}]}',
  ],
  [
    'myRoot',
    '{"list":[{"key":"a","id":1},{"key":"b","id":2},{"key":"c","id":3}]}',
    '{"list":[{"key":"c","id":3},{"key":"b","id":2}]}',
    '{"list":[{"key":"a","id":1},{"key":"c","id":3},{"key":"b","id":2}]}',
  ],
  [
    'myRoot',
    '{"list":[{"key":"a","id":1},{"key":"b","id":2},{"key":"c","id":3}]}',
    '{"list":[{"key":"c","id":3},{"key":"a","id":1}]}',
    '{"list":[{"key":"b","id":2},{"key":"c","id":3},{"key":"a","id":1}]}',
  ],
  ['myRoot', '{"atomicList":["a","a","a"]}', '{"atomicList":null}', '{"atomicList":null}'],
  ['myRoot', '{"atomicList":["a","b","c"]}', '{"atomicList":[]}', '{"atomicList":[]}'],
  [
    'myRoot',
    '{"list":[{"key":"a","id":1,"bv":true},{"key":"b","id":2},{"key":"a","id":1,"bv":false,"nv":2}]}',
    '{"list":[{"key":"a","id":1,"nv":3},{"key":"c","id":3},{"key":"b","id":2}]}',
    '{"list":[{"key":"a","id":1,"nv":3},{"key":"c","id":3},{"key":"b","id":2}]}',
  ],
  [
    'myRoot',
    '{"list":[{"key":"a","id":1,"nv":1},{"key":"a","id":1,"nv":2}]}',
    '{"list":[]}',
    '{"list":[{"key":"a","id":1,"nv":1},{"key":"a","id":1,"nv":2}]}',
  ],
  [
    'myRoot',
    '{"list":[{"key":"a","id":1,"nv":1},{"key":"a","id":1,"nv":2}]}',
    '{}',
    '{"list":[{"key":"a","id":1,"nv":1},{"key":"a","id":1,"nv":2}]}',
  ],
];

describe('merge (structured-merge-diff typed/merge_test.go)', () => {
  it.each(cases)('%s: %s + %s', (root, lhs, rhs, out) => {
    const got = merge(schema, roots[root], JSON.parse(lhs) as JsonValue, JSON.parse(rhs) as JsonValue);
    expect(jsonEquals(got, JSON.parse(out) as JsonValue), `got ${JSON.stringify(got)}`).toBe(true);
  });
});
