// kubectl's `-o jsonpath=TEMPLATE`, the subset lessons use: `{.status.podIP}`, `{.items[*].metadata.name}`,
// `{.items[0].spec.nodeName}`, `{range .items[*]}{.metadata.name}{"\t"}{.status.podIP}{"\n"}{end}`.
// Several results of one expression are joined by a space, as kubectl does.

type Step = { field: string } | { index: number } | { all: true };
type Piece = { text: string } | { path: Step[] } | { range: Step[]; body: Piece[] };

export class JsonPathError extends Error {
  constructor(template: string, why: string) {
    super(`error parsing jsonpath ${template}, ${why}`);
    this.name = 'JsonPathError';
  }
}

function parsePath(expr: string, template: string): Step[] {
  const steps: Step[] = [];
  const re = /\.([A-Za-z0-9_-]+)|\[(\*|\d+)\]|\.\[?'?([^.'\]]+)'?\]?/y;
  let rest = expr.trim().replace(/^\$/, '');
  if (rest === '' || rest === '.') return steps;
  if (!rest.startsWith('.') && !rest.startsWith('[')) rest = `.${rest}`;
  re.lastIndex = 0;
  while (re.lastIndex < rest.length) {
    const start = re.lastIndex;
    const m = re.exec(rest);
    if (!m || m.index !== start) throw new JsonPathError(template, `unrecognized identifier ${rest.slice(start)}`);
    if (m[1] !== undefined) steps.push({ field: m[1] });
    else if (m[2] === '*') steps.push({ all: true });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    else steps.push({ field: m[3] });
  }
  return steps;
}

export function parseJsonPath(template: string): Piece[] {
  const stack: Piece[][] = [[]];
  const ranges: Step[][] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      stack[stack.length - 1].push({ text: template.slice(i) });
      break;
    }
    if (open > i) stack[stack.length - 1].push({ text: template.slice(i, open) });
    const close = template.indexOf('}', open);
    if (close < 0) throw new JsonPathError(template, 'unclosed action');
    const inner = template.slice(open + 1, close).trim();
    if (inner.startsWith('"')) stack[stack.length - 1].push({ text: JSON.parse(inner) as string });
    else if (inner.startsWith('range ')) {
      ranges.push(parsePath(inner.slice(6), template));
      stack.push([]);
    } else if (inner === 'end') {
      if (ranges.length === 0) throw new JsonPathError(template, 'not in range, nothing to end');
      const body = stack.pop()!;
      stack[stack.length - 1].push({ range: ranges.pop()!, body });
    } else stack[stack.length - 1].push({ path: parsePath(inner, template) });
    i = close + 1;
  }
  if (ranges.length) throw new JsonPathError(template, 'unclosed range');
  return stack[0];
}

function walk(values: unknown[], step: Step): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    if ('field' in step) {
      if (v && typeof v === 'object' && !Array.isArray(v) && step.field in v) out.push((v as Record<string, unknown>)[step.field]);
    } else if ('index' in step) {
      if (Array.isArray(v) && step.index < v.length) out.push(v[step.index]);
    } else if (Array.isArray(v)) out.push(...v);
    else if (v && typeof v === 'object') out.push(...Object.values(v));
  }
  return out;
}

function evaluate(path: Step[], root: unknown): unknown[] {
  return path.reduce<unknown[]>((vals, step) => walk(vals, step), [root]);
}

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function render(pieces: Piece[], ctx: unknown): string {
  return pieces
    .map((p) => {
      if ('text' in p) return p.text;
      if ('path' in p) return evaluate(p.path, ctx).map(show).join(' ');
      return evaluate(p.range, ctx)
        .map((item) => render(p.body, item))
        .join('');
    })
    .join('');
}

export function formatJsonPath(template: string, data: unknown): string {
  return render(parseJsonPath(template), data);
}
