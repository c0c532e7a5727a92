// JSON Patch (RFC 6902), the `application/json-patch+json` flavour of PATCH, with JSON Pointers (RFC 6901).
// As the Kubernetes API server does: a body that is not a list of operations is a 400 Bad Request; an
// operation that does not apply (a failed `test`, a missing path) is a 422 Invalid, with the reason given
// as a cause.
import { badRequest, StatusError } from '@kubelab/api';
import { stableJson } from '@kubelab/api';

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

type Container = Record<string, unknown> | unknown[];

class NotApplicable extends Error {}

/** Applies `patch` to a copy of `doc`; throws a Status error when it is malformed or does not apply. */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) {
    throw badRequest(`json: cannot unmarshal ${patch === null ? 'null' : typeof patch} into Go value of type jsonpatch.Patch`);
  }
  let out = structuredClone(doc);
  for (const [i, raw] of patch.entries()) {
    try {
      out = applyOperation(out, operation(raw));
    } catch (err) {
      if (!(err instanceof NotApplicable)) throw err;
      throw new StatusError('Invalid', 'the server rejected our request due to an error in our request', {
        causes: [{ message: `operation ${i}: ${err.message}` }],
      });
    }
  }
  return out;
}

function operation(raw: unknown): Operation {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new NotApplicable('an operation must be an object');
  const op = raw as Record<string, unknown>;
  if (typeof op.op !== 'string') throw new NotApplicable('missing "op"');
  if (typeof op.path !== 'string') throw new NotApplicable(`${op.op} operation is missing "path"`);
  if ((op.op === 'move' || op.op === 'copy') && typeof op.from !== 'string')
    throw new NotApplicable(`${op.op} operation is missing "from"`);
  if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !('value' in op))
    throw new NotApplicable(`${op.op} operation is missing "value"`);
  return op as unknown as Operation;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new NotApplicable(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function isContainer(v: unknown): v is Container {
  return v !== null && typeof v === 'object';
}

function arrayIndex(arr: unknown[], token: string, path: string, allowEnd: boolean): number {
  if (allowEnd && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new NotApplicable(`invalid array index "${token}" in "${path}"`);
  const i = Number(token);
  if (i > arr.length || (!allowEnd && i === arr.length)) throw new NotApplicable(`array index ${i} out of bounds in "${path}"`);
  return i;
}

/** The container holding the last token of `path`, and that token. */
function parentOf(doc: unknown, path: string): [Container, string] {
  const tokens = pointer(path);
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, path, false)];
    else if (isContainer(cur) && Object.hasOwn(cur, t)) cur = (cur as Record<string, unknown>)[t];
    else throw new NotApplicable(`doc is missing path: "${path}"`);
  }
  if (!isContainer(cur)) throw new NotApplicable(`doc is missing path: "${path}"`);
  return [cur, tokens[tokens.length - 1]];
}

/** Sets an own property, even one named `__proto__` (as JSON.parse does), never the prototype. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

function get(doc: unknown, path: string): unknown {
  if (path === '') return doc;
  const [parent, key] = parentOf(doc, path);
  if (Array.isArray(parent)) return parent[arrayIndex(parent, key, path, false)];
  if (!Object.hasOwn(parent, key)) throw new NotApplicable(`doc is missing key: "${path}"`);
  return parent[key];
}

function add(doc: unknown, path: string, value: unknown): unknown {
  if (path === '') return value;
  const [parent, key] = parentOf(doc, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, path, true), 0, value);
  else setOwn(parent, key, value);
  return doc;
}

function remove(doc: unknown, path: string): unknown {
  if (path === '') throw new NotApplicable('cannot remove the whole document');
  const [parent, key] = parentOf(doc, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, path, false), 1);
  else if (Object.hasOwn(parent, key)) delete parent[key];
  else throw new NotApplicable(`unable to remove nonexistent key: "${path}"`);
  return doc;
}

function applyOperation(doc: unknown, op: Operation): unknown {
  switch (op.op) {
    case 'add':
      return add(doc, op.path, structuredClone(op.value));
    case 'remove':
      return remove(doc, op.path);
    case 'replace': {
      if (op.path === '') return structuredClone(op.value);
      const [parent, key] = parentOf(doc, op.path);
      if (Array.isArray(parent)) parent[arrayIndex(parent, key, op.path, false)] = structuredClone(op.value);
      else if (Object.hasOwn(parent, key)) setOwn(parent, key, structuredClone(op.value));
      else throw new NotApplicable(`doc is missing key: "${op.path}"`);
      return doc;
    }
    case 'move': {
      if (op.path.startsWith(`${op.from}/`)) throw new NotApplicable(`cannot move "${op.from}" into its own child "${op.path}"`);
      const value = get(doc, op.from!);
      return add(remove(doc, op.from!), op.path, value);
    }
    case 'copy':
      return add(doc, op.path, structuredClone(get(doc, op.from!)));
    case 'test':
      if (stableJson(get(doc, op.path)) !== stableJson(op.value)) throw new NotApplicable(`testing value ${op.path} failed`);
      return doc;
    default:
      throw new NotApplicable(`unexpected operation "${op.op}"`);
  }
}
