// A port of Go's text/tabwriter column algorithm (flags 0, left-aligned, space padding), because kubectl's
// describe output is that algorithm's output: a cell is text terminated by '\t', consecutive lines that have
// a cell in column k form one block, and each block is as wide as its widest cell plus the padding. A line
// with fewer cells ends the block, which is why `IPs:` (no tab) restarts the alignment below it.
// https://pkg.go.dev/text/tabwriter, src/text/tabwriter/tabwriter.go format().

export interface TabwriterOptions {
  minWidth?: number;
  padding?: number;
}

/** Width as Go counts it for cells: runes, not UTF-16 units. */
function width(text: string): number {
  return [...text].length;
}

/**
 * Aligns `text` (lines separated by '\n'). A trailing newline is kept. The last cell of a line (the text after
 * its last tab) is never padded, exactly as tabwriter leaves unterminated cells alone.
 */
export function tabwrite(text: string, opts: TabwriterOptions = {}): string {
  const minWidth = opts.minWidth ?? 0;
  const padding = opts.padding ?? 2;
  const endsWithNewline = text.endsWith('\n');
  const lines = (endsWithNewline ? text.slice(0, -1) : text).split('\n').map((l) => l.split('\t'));
  const out: string[] = new Array(lines.length);
  const widths: number[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      out[i] = lines[i]
        .map((cell, j) => (j < widths.length && j < lines[i].length - 1 ? cell + ' '.repeat(Math.max(0, widths[j] - width(cell))) : cell))
        .join('');
    }
  };

  // Mirrors Writer.format: recursion over columns, one block at a time.
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let cur = line0; cur < line1; cur++) {
      if (column >= lines[cur].length - 1) continue;
      writeLines(start, cur);
      start = cur;
      let w = minWidth;
      for (; cur < line1 && column < lines[cur].length - 1; cur++) w = Math.max(w, width(lines[cur][column]) + padding);
      widths.push(w);
      format(start, cur);
      widths.pop();
      start = cur;
      // Like Go, the loop's increment skips the line that ended the block: it has no cell in this column.
    }
    writeLines(start, line1);
  };

  format(0, lines.length);
  return out.join('\n') + (endsWithNewline ? '\n' : '');
}

/**
 * Collects describe output in kubectl's PrefixWriter style: LEVEL_n indents by two spaces per level, and
 * flush() aligns what was written so far on its own, as kubectl flushes before the Events table.
 */
export class PrefixWriter {
  private pending = '';
  private done = '';

  write(level: number, text: string): void {
    this.pending += '  '.repeat(level) + text;
  }

  /** Writes a line, adding the newline. */
  line(level: number, text: string): void {
    this.write(level, `${text}\n`);
  }

  flush(): void {
    this.done += tabwrite(this.pending);
    this.pending = '';
  }

  toString(): string {
    this.flush();
    return this.done;
  }
}
