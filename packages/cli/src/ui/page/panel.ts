// The details panel: a pod's containers, IP, node, impairments and recent flows; a Service's ports,
// endpoints and its rules on every node with live counters (re-read every second while it is shown).
import type { Vertex } from '../../graph/model';

const esc = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

function rows(items: Array<[string, unknown]>): string {
  return `<table>${items
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`)
    .join('')}</table>`;
}

function impairments(v: Vertex): string {
  const lines = [...(v.netem ?? []).map((n) => `netem: ${n}`), ...(v.partitions ?? []).map((p) => `partitioned from ${p}`)];
  return lines.length ? `<h3>Faults</h3>${lines.map((l) => `<div class="netem">${esc(l)}</div>`).join('')}` : '';
}

async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

export class Panel {
  private refresh?: ReturnType<typeof setInterval>;
  private shown?: string;

  constructor(private readonly el: HTMLElement) {}

  show(v: Vertex | undefined): void {
    clearInterval(this.refresh);
    this.shown = v?.id;
    if (!v) {
      this.el.innerHTML = '<p class="hint">Click a pod or a Service for its details; hover a red edge for the policy that dropped it.</p>';
      return;
    }
    this.el.dataset.shown = v.id;
    if (v.kind === 'pod') this.pod(v);
    else if (v.kind === 'service') this.service(v);
    else this.other(v);
  }

  private pod(v: Vertex): void {
    const containers = (v.containers ?? [])
      .map(
        (c) =>
          `<tr><td>${esc(c.name)}</td><td>${esc(c.image)}</td><td>${c.ready ? 'ready' : esc(c.state ?? 'not ready')}</td><td>${c.restarts} restarts</td></tr>`,
      )
      .join('');
    this.el.innerHTML = `<h2>Pod ${esc(v.namespace)}/${esc(v.name)}</h2>${rows([
      ['IP', v.ip],
      ['Node', v.node],
      ['Status', v.status],
    ])}${impairments(v)}<h3>Containers</h3><table class="containers">${containers}</table><h3>Recent flows</h3><pre id="pod-flows">…</pre>`;
    const load = async () => {
      const r = await getJson<{ flows: string[] }>(
        `/api/pod?namespace=${encodeURIComponent(v.namespace ?? '')}&name=${encodeURIComponent(v.name ?? '')}`,
      );
      const pre = this.shown === v.id ? this.el.querySelector('#pod-flows') : null;
      if (pre) pre.textContent = r.flows.length ? r.flows.join('\n') : '(none in the last minutes)';
    };
    void load();
    this.refresh = setInterval(() => void load().catch(() => undefined), 2000);
  }

  private service(v: Vertex): void {
    const eps = (v.endpoints ?? [])
      .map((e) => `<tr><td>${esc(e.ip)}</td><td>${esc(e.pod ?? '')}</td><td>${e.ready ? 'ready' : 'not ready'}</td></tr>`)
      .join('');
    this.el.innerHTML = `<h2>Service ${esc(v.namespace)}/${esc(v.name)}</h2>${rows([
      ['Type', v.serviceType],
      ['ClusterIP', v.ip],
      ['Ports', (v.ports ?? []).join(', ')],
    ])}<h3>Endpoints</h3><table>${eps || '<tr><td>(none)</td></tr>'}</table><h3>Rules (iptables-save -c, live counters)</h3><div id="svc-rules">…</div>`;
    const load = async () => {
      const r = await getJson<{ rules: Array<{ node: string; text: string; packets: number }> | null }>(
        `/api/service?namespace=${encodeURIComponent(v.namespace ?? '')}&name=${encodeURIComponent(v.name ?? '')}`,
      );
      const box = this.shown === v.id ? this.el.querySelector('#svc-rules') : null;
      if (!box) return;
      box.innerHTML = r.rules
        ? r.rules.map((n) => `<h3>node ${esc(n.node)}: ${n.packets} packets</h3><pre>${esc(n.text)}</pre>`).join('')
        : '<p class="hint">(a replay has no live rules)</p>';
    };
    void load().catch((e: unknown) => this.fail('#svc-rules', e));
    this.refresh = setInterval(() => void load().catch(() => undefined), 1000);
  }

  private other(v: Vertex): void {
    this.el.innerHTML = `<h2>${esc(v.kind)} ${esc(v.namespace ? `${v.namespace}/` : '')}${esc(v.label)}</h2>${rows([
      ['IP', v.ip],
      ['Pod CIDR', v.cidr],
      ['Status', v.status],
      ['Selects', v.selector],
      ['Isolates', v.policyTypes?.join(', ')],
    ])}${impairments(v)}${
      v.routes?.length
        ? `<h3>Routes</h3><table>${v.routes.map((r) => `<tr><td>${esc(r.host)}${esc(r.path)}</td><td>→ ${esc(r.service)}:${esc(r.port)}</td></tr>`).join('')}</table>`
        : ''
    }`;
  }

  private fail(sel: string, e: unknown): void {
    const box = this.el.querySelector(sel);
    if (box) box.textContent = String(e);
  }
}
