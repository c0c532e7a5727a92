// Server-side apply requests: the body (`application/apply-patch+yaml`: YAML, or the JSON kubectl sends)
// and the PatchOptions checks kube-apiserver runs before anything else (ValidatePatchOptions): an apply needs
// a fieldManager, `force` belongs to apply alone, and a manager name is at most 128 printable bytes.
import { badRequest, ManifestError, parseYamlDocument, StatusError, type StatusCause } from '@kubelab/api';
import { queryBool, queryValues } from './query-params';

/**
 * Flow nesting and indentation past which a YAML body is refused unread: the yaml library needs seconds and
 * unbounded memory for such input (see body.ts), and no object kubelab stores nests beyond 100 levels.
 */
const maxFlowDepth = 1000;
const maxIndent = 10_000;

function shapeTooDeep(text: string): boolean {
  let depth = 0;
  let indent = 0;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart && c === 32) {
      if (++indent > maxIndent) return true;
      continue;
    }
    lineStart = false;
    if (c === 91 || c === 123) {
      if (++depth > maxFlowDepth) return true;
    } else if (c === 93 || c === 125) depth = Math.max(0, depth - 1);
  }
  return false;
}

/** The applied configuration: JSON when it parses as JSON, else one YAML document. */
export function parseApplyBody(body: unknown): unknown {
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : undefined;
  if (text === undefined) {
    if (body !== undefined) return body;
    throw badRequest('error decoding YAML: the body of an apply patch is empty');
  }
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON: YAML, below.
  }
  if (shapeTooDeep(text)) throw badRequest('error decoding YAML: the document is nested too deeply');
  try {
    return parseYamlDocument(text);
  } catch (err) {
    if (err instanceof ManifestError) throw badRequest(`error decoding YAML: ${err.message.replace(/^<body>: /, '')}`);
    throw err;
  }
}

function invalidPatchOptions(causes: StatusCause[]): StatusError {
  const detail = causes.map((c) => `${c.field}: ${c.message}`);
  const message = `PatchOptions.meta.k8s.io "" is invalid: ${detail.length === 1 ? detail[0] : `[${detail.join(', ')}]`}`;
  return new StatusError('Invalid', message, { name: '', group: 'meta.k8s.io', kind: 'PatchOptions', causes });
}

/** ValidateFieldManager's checks, shared by every write. */
function fieldManagerCauses(fieldManager: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (Buffer.byteLength(fieldManager) > 128)
    causes.push({ reason: 'FieldValueTooLong', message: 'Too long: may not be more than 128 bytes', field: 'fieldManager' });
  [...fieldManager].forEach((ch, i) => {
    if (!/\P{C}/u.test(ch)) {
      const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(fieldManager)}: invalid character U+${code} (at position ${i})`,
        field: 'fieldManager',
      });
    }
  });
  return causes;
}

export interface PatchOptions {
  fieldManager?: string;
  force: boolean;
}

/** ?fieldManager= and ?force= of a PATCH, checked as ValidatePatchOptions does (422 on PatchOptions). */
export function patchOptions(query: Record<string, unknown>, apply: boolean): PatchOptions {
  const fieldManager = queryValues(query.fieldManager)[0] ?? '';
  const forceGiven = queryValues(query.force).length > 0;
  const causes: StatusCause[] = [];
  if (!apply && forceGiven)
    causes.push({ reason: 'FieldValueForbidden', message: 'Forbidden: may not be specified for non-apply patch', field: 'force' });
  if (apply && !fieldManager)
    causes.push({ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' });
  causes.push(...fieldManagerCauses(fieldManager));
  if (causes.length) throw invalidPatchOptions(causes);
  return { fieldManager: fieldManager || undefined, force: queryBool(query.force) };
}

/** ?fieldManager= of a create or update (CreateOptions / UpdateOptions). */
export function writeFieldManager(query: Record<string, unknown>, kind: 'CreateOptions' | 'UpdateOptions'): string | undefined {
  const fieldManager = queryValues(query.fieldManager)[0] ?? '';
  const causes = fieldManagerCauses(fieldManager);
  if (causes.length) {
    const detail = causes.map((c) => `${c.field}: ${c.message}`);
    throw new StatusError('Invalid', `${kind}.meta.k8s.io "" is invalid: ${detail.length === 1 ? detail[0] : `[${detail.join(', ')}]`}`, {
      name: '',
      group: 'meta.k8s.io',
      kind,
      causes,
    });
  }
  return fieldManager || undefined;
}
