// Output of a process in a container (tcpdump, tail -F, conntrack) as lines: a stream to pipe it into that hands
// each whole line to a callback.
import { PassThrough } from 'node:stream';

/** Each `\n`-terminated line written to it goes to `onLine`; with `flush`, at the end, an unterminated last line too. */
export function lineSink(onLine: (line: string) => void, { flush = false } = {}): PassThrough {
  const s = new PassThrough();
  let rest = '';
  s.on('data', (c: Buffer) => {
    const parts = (rest + c.toString('utf8')).split('\n');
    rest = parts.pop() ?? '';
    for (const l of parts) onLine(l);
  });
  if (flush)
    s.on('end', () => {
      if (rest) onLine(rest);
    });
  return s;
}
