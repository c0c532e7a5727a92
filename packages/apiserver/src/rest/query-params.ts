// Query parameters as kube-apiserver decodes them into its *Options structs (metainternalversionscheme's
// ParameterCodec): booleans by runtime.Convert_Slice_string_To_bool, and `dryRun` checked by
// validation.ValidateDryRun, whose failure each handler answers with errors.NewInvalid on the options kind.
import { StatusError } from '@kubelab/api';

/** A query value as express hands it over: repeated parameters come as an array. */
export type QueryValue = unknown;

/** Every value of a (possibly repeated) query parameter, in order. */
export function queryValues(v: QueryValue): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

/**
 * A boolean query parameter, as Convert_Slice_string_To_bool reads it: absent is false; the first value
 * "0" or "false" in any case is false; anything else (`true`, `True`, `1`, `t`, even an empty `?watch=`) is
 * true. This accepts every spelling strconv.ParseBool calls true, and the Python client's `watch=True`.
 */
export function queryBool(v: QueryValue): boolean {
  const values = queryValues(v);
  if (values.length === 0) return false;
  const first = values[0];
  return !(first === '0' || first.toLowerCase() === 'false');
}

/** The options struct each verb decodes its query into: the kind named in a 422 about `dryRun`. */
export type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions';

/** Go's %#v of a []string, as field.NotSupported prints the bad value. */
function goStringSlice(values: string[]): string {
  return `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}

/**
 * Whether a write is a dry run: `dryRun=All` (metav1.DryRunAll, the only value Kubernetes defines; the
 * parameter is a list and may repeat). Any other value is refused before anything runs, with the 422 that
 * ValidateDryRun's NotSupported error becomes: `CreateOptions.meta.k8s.io "" is invalid: dryRun: ...`.
 */
export function parseDryRun(values: string[], kind: OptionsKind): boolean {
  if (values.length === 0) return false;
  if (values.every((v) => v === 'All')) return true;
  const message = `Unsupported value: ${goStringSlice(values)}: supported values: "All"`;
  throw new StatusError('Invalid', `${kind}.meta.k8s.io "" is invalid: dryRun: ${message}`, {
    name: '',
    group: 'meta.k8s.io',
    kind,
    causes: [{ reason: 'FieldValueNotSupported', message, field: 'dryRun' }],
  });
}
