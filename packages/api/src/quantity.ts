// Resource quantities ("100m", "128Mi", "1.5", 2) as k8s.io/apimachinery/pkg/api/resource parses them, to
// the precision kubelab needs: validating manifests, comparing requests with limits, fitting pods onto
// nodes, and turning limits into Docker's bytes and nano-CPUs. One parser for the API server, the scheduler,
// the kubelet and the CLI.

export const quantityPattern = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
const quantityRe = new RegExp(quantityPattern);

const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimal: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** The value in base units (cores, bytes), or undefined when the text is not a quantity. */
export function parseQuantity(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  const m = quantityRe.exec(String(q).trim());
  if (!m || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(m[1])) return undefined;
  const n = Number(m[1]);
  const suffix = m[2];
  if (suffix in binary) return n * binary[suffix];
  if (suffix in decimal) return n * decimal[suffix];
  const exp = /^[eE]([-+]?\d+)$/.exec(suffix);
  return exp ? n * 10 ** Number(exp[1]) : undefined;
}

/** YAML numbers (`cpu: 0.5`) are stored as the strings Kubernetes would show (`500m`). */
export function normalizeQuantity(q: unknown): unknown {
  if (typeof q !== 'number' || !Number.isFinite(q)) return q;
  if (Number.isInteger(q)) return String(q);
  const milli = q * 1000;
  return Math.abs(milli - Math.round(milli)) < 1e-9 ? `${Math.round(milli)}m` : String(q);
}

/** A memory quantity in whole bytes (rounded up, as Quantity.Value does); undefined when unset, bad or not positive. */
export function memoryBytes(text: string | number | undefined): number | undefined {
  const v = parseQuantity(text);
  return v === undefined || v <= 0 ? undefined : Math.ceil(v);
}

/** A cpu quantity in Docker's nano-CPUs; undefined when unset, bad or not positive. */
export function nanoCpus(text: string | number | undefined): number | undefined {
  const v = parseQuantity(text);
  return v === undefined || v <= 0 ? undefined : Math.round(v * 1e9);
}
