// Docker's multiplexed stream format for non-TTY exec and logs output, read by the API server's pod streams
// and the CLI's `node iptables`. Pure.

/** Splits Docker's multiplexed frames ([stream, 0, 0, 0, size BE32] + payload) into their payloads. */
export function demuxFrames(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    if (buf[i] > 2 || buf[i + 1] !== 0 || buf[i + 2] !== 0 || buf[i + 3] !== 0) return [buf]; // not multiplexed
    const size = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  if (out.length === 0 && buf.length > 0) return [buf];
  return out;
}
