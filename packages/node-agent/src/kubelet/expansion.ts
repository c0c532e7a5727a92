// `$(VAR)` expansion in command, args and env values, exactly as Kubernetes does it
// (third_party/forked/golang/expansion): `$$` escapes a `$`, a reference to an undefined variable stays as
// written, an unterminated `$(` stays as written.

export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance: number;
    if (rest[0] === '$') {
      out += '$';
      advance = 1;
    } else if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close < 0) {
        out += '$(';
        advance = 1;
      } else {
        const name = rest.slice(1, close);
        const value = lookup(name);
        out += value === undefined ? `$(${name})` : value;
        advance = close + 1;
      }
    } else {
      out += `$${rest[0]}`;
      advance = 1;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

export function mapLookup(env: ReadonlyMap<string, string>): (name: string) => string | undefined {
  return (name) => env.get(name);
}
