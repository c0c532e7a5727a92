// Pure judgement of GET /api/v1/nodes against the nodes a cluster should have.

export interface NodesVerdict {
  /** Expected nodes the API server does not list yet. */
  missing: string[];
  /** Listed but without condition Ready=True (with the reason when one is given). */
  notReady: string[];
}

interface NodeLike {
  metadata?: { name?: string };
  status?: { conditions?: Array<{ type?: string; status?: string; reason?: string; lastHeartbeatTime?: string }> };
}

/** Nodes whose agent must have reported since a moment (a repaired node: its Ready may be a stale record). */
export interface FreshHeartbeat {
  nodes: string[];
  /** Epoch ms; heartbeats carry whole seconds, so the second it falls in counts. */
  sinceMs: number;
}

export function judgeNodes(list: unknown, expected: string[], fresh?: FreshHeartbeat): NodesVerdict {
  const items = ((list as { items?: NodeLike[] })?.items ?? []).filter((n) => n && typeof n === 'object');
  const byName = new Map(items.map((n) => [n.metadata?.name ?? '', n]));
  const missing: string[] = [];
  const notReady: string[] = [];
  for (const name of expected) {
    const node = byName.get(name);
    if (!node) {
      missing.push(name);
      continue;
    }
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True') {
      notReady.push(ready ? `${name} (Ready=${ready.status}${ready.reason ? `, ${ready.reason}` : ''})` : `${name} (no Ready condition)`);
    } else if (fresh?.nodes.includes(name) && !(Date.parse(ready.lastHeartbeatTime ?? '') >= Math.floor(fresh.sinceMs / 1000) * 1000)) {
      notReady.push(`${name} (no heartbeat since ${new Date(fresh.sinceMs).toISOString()})`);
    }
  }
  return { missing, notReady };
}

export function describeVerdict(v: NodesVerdict): string {
  const parts: string[] = [];
  if (v.missing.length) parts.push(`not registered: ${v.missing.join(', ')}`);
  if (v.notReady.length) parts.push(`not Ready: ${v.notReady.join(', ')}`);
  return parts.join('; ');
}
