// Kubernetes resource quantities for Docker's limits: "128Mi" -> bytes, "500m" -> nano-CPUs. Pure.

const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimal: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** The quantity's value as a number (e.g. "1.5Gi" -> 1610612736, "250m" -> 0.25), or undefined when malformed. */
export function parseQuantity(text: string | number | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (typeof text === 'number') return Number.isFinite(text) ? text : undefined;
  const m = String(text)
    .trim()
    .match(/^([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/);
  if (!m) return undefined;
  const base = Number(m[1]) * (m[2] ? 10 ** Number(m[2]) : 1);
  const suffix = m[3] ?? '';
  const factor = binary[suffix] ?? decimal[suffix];
  return base * factor;
}

export function memoryBytes(text: string | undefined): number | undefined {
  const v = parseQuantity(text);
  return v === undefined || v <= 0 ? undefined : Math.ceil(v);
}

export function nanoCpus(text: string | undefined): number | undefined {
  const v = parseQuantity(text);
  return v === undefined || v <= 0 ? undefined : Math.round(v * 1e9);
}
