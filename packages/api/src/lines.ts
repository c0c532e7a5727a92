// Newline-delimited streams (Kubernetes watches, Docker events) arrive in chunks that split lines, and
// sometimes split a multi-byte UTF-8 character: decode as a stream and hand out whole lines only.
export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';

  /** The complete, non-empty lines this chunk finished. */
  push(chunk: Uint8Array): string[] {
    this.buffer += this.decoder.decode(chunk, { stream: true });
    const parts = this.buffer.split('\n');
    this.buffer = parts.pop() ?? '';
    return parts.map((l) => l.trim()).filter(Boolean);
  }
}
