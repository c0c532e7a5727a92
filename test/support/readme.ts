// The README's walk-through block: the shell lines a learner types, extracted for the test that runs them.
export function walkthrough(readme: string): string {
  const m = readme.match(/<!-- walkthrough:start -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/);
  if (!m) throw new Error('README.md has no walk-through block');
  return m[1];
}
