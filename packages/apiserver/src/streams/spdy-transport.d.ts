// spdy-transport ships no types; the API server uses only a server connection over a duplex stream.
declare module 'spdy-transport' {
  import type { Duplex } from 'node:stream';
  export interface Connection {
    start(version: number): void;
    // biome-ignore lint/suspicious/noExplicitAny: the stream's shape is declared where it is used
    on(event: 'stream', listener: (stream: any) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    // biome-ignore lint/suspicious/noExplicitAny: internal parser hook (portforward-spdy.ts)
    _spdyState: { parser: { parseKVs: (...args: any[]) => void } };
  }
  const spdy: {
    connection: { create(socket: Duplex, options: { protocol: 'spdy' | 'http2'; isServer: boolean; windowSize?: number }): Connection };
  };
  export default spdy;
}
