// Docker's multiplexed stream format for non-TTY exec and logs output, read by the API server's pod streams,
// the kubelet's exec probes, the cluster's log reads and the CLI's look-inside commands. Pure.

/**
 * Splits Docker's multiplexed frames ([stream, 0, 0, 0, size BE32] + payload) into their payloads. A buffer
 * that is not multiplexed (TTY output) comes back whole. With `lenient`, frames are read up to the first bytes
 * that are not a frame header, and the rest (or a truncated last frame's header) is kept as it is.
 */
export function demuxFrames(buf: Buffer, { lenient = false } = {}): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    if (buf[i] > 2 || buf[i + 1] !== 0 || buf[i + 2] !== 0 || buf[i + 3] !== 0) {
      if (lenient) break;
      return [buf]; // not multiplexed
    }
    const size = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  if (lenient) {
    if (i < buf.length) out.push(buf.subarray(i));
    return out;
  }
  if (out.length === 0 && buf.length > 0) return [buf];
  return out;
}

/** The payloads of demuxFrames as one UTF-8 text. */
export function demuxText(buf: Buffer, opts: { lenient?: boolean } = {}): string {
  return Buffer.concat(demuxFrames(buf, opts)).toString('utf8');
}
