// The answer section of an encoded response as short text for the query log ("A 10.96.0.10",
// "CNAME web.example.", "SRV 0 100 80 web.default.svc.cluster.local."), so `kubelab dns trace` can show
// what each query got. Pure; reads names with compression pointers (RFC 1035 §4.1.4) and stops at anything
// malformed rather than throwing.

function readName(buf: Buffer, start: number): { name: string; end: number } | undefined {
  const labels: string[] = [];
  let o = start;
  let end = -1;
  for (let hops = 0; hops < 64; hops++) {
    if (o >= buf.length) return undefined;
    const len = buf[o];
    if (len === 0) {
      if (end < 0) end = o + 1;
      return { name: `${labels.join('.')}.`, end };
    }
    if ((len & 0xc0) === 0xc0) {
      if (o + 1 >= buf.length) return undefined;
      if (end < 0) end = o + 2;
      o = ((len & 0x3f) << 8) | buf[o + 1];
      continue;
    }
    if (o + 1 + len > buf.length) return undefined;
    labels.push(buf.toString('latin1', o + 1, o + 1 + len));
    o += 1 + len;
  }
  return undefined;
}

export function answerSummary(resp: Buffer): string[] {
  if (resp.length < 12) return [];
  const qd = resp.readUInt16BE(4);
  const an = resp.readUInt16BE(6);
  let o = 12;
  for (let i = 0; i < qd; i++) {
    const n = readName(resp, o);
    if (!n) return [];
    o = n.end + 4;
  }
  const out: string[] = [];
  for (let i = 0; i < an; i++) {
    const n = readName(resp, o);
    if (!n || n.end + 10 > resp.length) break;
    const type = resp.readUInt16BE(n.end);
    const rdlen = resp.readUInt16BE(n.end + 8);
    const rd = n.end + 10;
    if (rd + rdlen > resp.length) break;
    if (type === 1 && rdlen === 4) out.push(`A ${resp[rd]}.${resp[rd + 1]}.${resp[rd + 2]}.${resp[rd + 3]}`);
    else if (type === 28 && rdlen === 16) {
      const parts: string[] = [];
      for (let k = 0; k < 16; k += 2) parts.push(resp.readUInt16BE(rd + k).toString(16));
      out.push(`AAAA ${parts.join(':')}`);
    } else if (type === 5 || type === 12) out.push(`${type === 5 ? 'CNAME' : 'PTR'} ${readName(resp, rd)?.name ?? '?'}`);
    else if (type === 33 && rdlen >= 7) {
      const target = readName(resp, rd + 6)?.name ?? '?';
      out.push(`SRV ${resp.readUInt16BE(rd)} ${resp.readUInt16BE(rd + 2)} ${resp.readUInt16BE(rd + 4)} ${target}`);
    } else out.push(`TYPE${type}`);
    o = rd + rdlen;
  }
  return out;
}
