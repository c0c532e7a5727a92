import { describe, expect, it } from 'vitest';
import { field, invalid, StatusError } from '@kubelab/api';
import { CliError, describeError, describeFinalError } from './errors';

// kubectl cmdutil.checkErr and StandardErrorMessage.
describe('error wording', () => {
  it('spells out an Invalid status from its details, as kubectl does', () => {
    const one = invalid('Pod', '', 'bad', [field.required('spec.containers[0].image')]);
    expect(describeFinalError(one)).toBe('The Pod "bad" is invalid: spec.containers[0].image: Required value');
    const two = invalid('Pod', '', 'bad', [field.required('spec.containers[0].image'), field.required('spec.containers[0].name')]);
    expect(describeFinalError(two)).toBe(
      'The Pod "bad" is invalid: \n* spec.containers[0].image: Required value\n* spec.containers[0].name: Required value',
    );
  });

  it('keeps the server form for other errors and inside aggregates', () => {
    const nf = new StatusError('NotFound', 'pods "x" not found');
    expect(describeFinalError(nf)).toBe('Error from server (NotFound): pods "x" not found');
    const one = invalid('Pod', '', 'bad', [field.required('spec.containers[0].image')]);
    expect(describeError(one)).toBe('Error from server (Invalid): Pod "bad" is invalid: spec.containers[0].image: Required value');
    expect(describeFinalError(new CliError('nope'))).toBe('error: nope');
  });
});
