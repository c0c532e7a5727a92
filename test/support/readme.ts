// The README's walk-through block: the shell lines a learner types, extracted for the test that runs them.
export function walkthrough(readme: string): string {
  const m = readme.match(/<!-- walkthrough:start -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/);
  if (!m) throw new Error('README.md has no walk-through block');
  return m[1];
}

/** A further marked block, e.g. `walkthrough-dns` for `<!-- walkthrough-dns:start -->` ... `<!-- walkthrough-dns:end -->`. */
export function markedBlock(readme: string, marker: string): string {
  const m = readme.match(new RegExp(`<!-- ${marker}:start -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${marker}:end -->`));
  if (!m) throw new Error(`README.md has no ${marker} block`);
  return m[1];
}
