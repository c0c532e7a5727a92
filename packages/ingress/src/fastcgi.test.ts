// FastCGI wire format (FastCGI 1.0 spec §3, §5) and the params ingress-nginx's FCGI location sends.
import { describe, expect, it } from 'vitest';
import { buildParams, expand, headEnd, parseCgiHead, resolveFastcgiParams, type FcgiRequest } from './fastcgi-params';
import {
  beginRequest,
  decodeParams,
  encodeParams,
  encodeRecord,
  endRequestBody,
  RecordDecoder,
  RecordType,
  stream,
} from './fastcgi-records';
import { encodeRequest } from './fastcgi-client';

describe('FastCGI records', () => {
  it('encodes the 8-byte header and pads content to a multiple of 8', () => {
    const r = encodeRecord(RecordType.Stdout, 1, Buffer.from('hello'));
    expect([...r.subarray(0, 8)]).toEqual([1, 6, 0, 1, 0, 5, 3, 0]);
    expect(r.length).toBe(16);
    expect(r.subarray(8, 13).toString()).toBe('hello');
    expect([...encodeRecord(RecordType.Params, 258)]).toEqual([1, 4, 1, 2, 0, 0, 0, 0]);
  });
  it('BEGIN_REQUEST asks for the RESPONDER role without FCGI_KEEP_CONN (nginx fastcgi_keep_conn off)', () => {
    expect([...beginRequest(1)]).toEqual([1, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(beginRequest(1, true)[10]).toBe(1);
  });
  it('splits a long stream into records of at most 65535 bytes and closes it with an empty record', () => {
    const data = Buffer.alloc(150_000, 7);
    const records = new RecordDecoder().push(Buffer.concat(stream(RecordType.Stdin, 1, data, true)));
    expect(records.map((r) => r.content.length)).toEqual([65528, 65528, 150_000 - 2 * 65528, 0]);
    expect(Buffer.concat(records.map((r) => r.content)).equals(data)).toBe(true);
    expect(stream(RecordType.Stdin, 1, Buffer.alloc(0), false)).toEqual([]);
  });
  it('decodes records split at any byte across reads', () => {
    const wire = Buffer.concat([
      encodeRecord(RecordType.Stdout, 1, Buffer.from('Status: 200\r\n\r\nbody')),
      encodeRecord(RecordType.Stderr, 1, Buffer.from('warning')),
      encodeRecord(RecordType.EndRequest, 1, endRequestBody(0, 0)),
    ]);
    for (let cut = 1; cut < wire.length; cut++) {
      const d = new RecordDecoder();
      const got = [...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut))];
      expect(got.map((r) => [r.type, r.content.toString('latin1')])).toEqual([
        [RecordType.Stdout, 'Status: 200\r\n\r\nbody'],
        [RecordType.Stderr, 'warning'],
        [RecordType.EndRequest, '\0\0\0\0\0\0\0\0'],
      ]);
      expect(d.pending).toBe(0);
    }
    expect(() => new RecordDecoder().push(Buffer.from([2, 6, 0, 1, 0, 0, 0, 0]))).toThrow('version 2');
  });
  it('encodes name-value pairs with 1-byte lengths below 128 and 4-byte lengths above', () => {
    expect([...encodeParams([['A', 'B']])]).toEqual([1, 1, 65, 66]);
    const long = 'x'.repeat(300);
    const b = encodeParams([['SCRIPT_FILENAME', long]]);
    expect([...b.subarray(0, 5)]).toEqual([15, 0x80, 0, 1, 44]);
    expect(decodeParams(b)).toEqual([['SCRIPT_FILENAME', long]]);
    expect(
      decodeParams(
        encodeParams([
          ['', ''],
          ['K'.repeat(200), 'v'],
        ]),
      ),
    ).toEqual([
      ['', ''],
      ['K'.repeat(200), 'v'],
    ]);
    expect(() => decodeParams(Buffer.from([5, 1, 65]))).toThrow('truncated');
  });
  it('a request on the wire: BEGIN_REQUEST, PARAMS ... empty PARAMS, STDIN ... empty STDIN', () => {
    const records = new RecordDecoder().push(encodeRequest([['REQUEST_METHOD', 'POST']], Buffer.from('a=1')));
    expect(records.map((r) => [r.type, r.content.length])).toEqual([
      [RecordType.BeginRequest, 8],
      [RecordType.Params, 2 + 'REQUEST_METHOD'.length + 4],
      [RecordType.Params, 0],
      [RecordType.Stdin, 3],
      [RecordType.Stdin, 0],
    ]);
    expect(records.every((r) => r.requestId === 1)).toBe(true);
  });
});

const request = (over: Partial<FcgiRequest> = {}): FcgiRequest => ({
  method: 'GET',
  requestUri: '/app/?x=1',
  uri: '/app/',
  args: 'x=1',
  headers: ['Host', 'php.localhost', 'User-Agent', 'curl/8', 'X-Custom-Thing', 'v', 'Cookie', 'a=1', 'cookie', 'b=2'],
  protocol: 'HTTP/1.1',
  secure: false,
  remoteAddr: '10.0.0.9',
  remotePort: 40000,
  serverAddr: '10.244.1.5',
  serverPort: 80,
  serverName: 'php.localhost',
  host: 'php.localhost',
  requestId: 'abc',
  ...over,
});

describe('FastCGI params', () => {
  it("sends nginx's fastcgi_params in order, then HTTP_* for the request headers", () => {
    const p = buildParams(request({ index: 'index.php' }));
    expect(p.slice(0, 18)).toEqual([
      ['QUERY_STRING', 'x=1'],
      ['REQUEST_METHOD', 'GET'],
      ['CONTENT_TYPE', ''],
      ['CONTENT_LENGTH', ''],
      ['SCRIPT_NAME', '/app/index.php'],
      ['REQUEST_URI', '/app/?x=1'],
      ['DOCUMENT_URI', '/app/'],
      ['DOCUMENT_ROOT', '/usr/local/nginx/html'],
      ['SERVER_PROTOCOL', 'HTTP/1.1'],
      ['REQUEST_SCHEME', 'http'],
      ['GATEWAY_INTERFACE', 'CGI/1.1'],
      ['SERVER_SOFTWARE', 'nginx/1.25.5'],
      ['REMOTE_ADDR', '10.0.0.9'],
      ['REMOTE_PORT', '40000'],
      ['SERVER_ADDR', '10.244.1.5'],
      ['SERVER_PORT', '80'],
      ['SERVER_NAME', 'php.localhost'],
      ['REDIRECT_STATUS', '200'],
    ]);
    expect(p.slice(18)).toEqual([
      ['HTTP_HOST', 'php.localhost'],
      ['HTTP_USER_AGENT', 'curl/8'],
      ['HTTP_X_CUSTOM_THING', 'v'],
      ['HTTP_COOKIE', 'a=1; b=2'],
    ]);
  });
  it('HTTPS only over TLS (if_not_empty); the body length as CONTENT_LENGTH', () => {
    const p = new Map(buildParams(request({ secure: true, method: 'POST', contentLength: 12, headers: ['Content-Type', 'text/plain'] })));
    expect(p.get('HTTPS')).toBe('on');
    expect(p.get('REQUEST_SCHEME')).toBe('https');
    expect(p.get('CONTENT_LENGTH')).toBe('12');
    expect(p.get('CONTENT_TYPE')).toBe('text/plain');
    expect(new Map(buildParams(request())).has('HTTPS')).toBe(false);
  });
  it('the ConfigMap params follow, with nginx variables expanded; a key already set is replaced', () => {
    const p = buildParams(
      request({
        uri: '/index.php',
        params: { SCRIPT_FILENAME: '$document_root$fastcgi_script_name', SERVER_NAME: '${host}-x', HTTP_HOST: 'forced' },
      }),
    );
    const m = new Map(p);
    expect(m.get('SCRIPT_FILENAME')).toBe('/usr/local/nginx/html/index.php');
    expect(m.get('SERVER_NAME')).toBe('php.localhost-x');
    // A fastcgi_param HTTP_HOST keeps the header of the same name out.
    expect(m.get('HTTP_HOST')).toBe('forced');
    expect(p.filter(([k]) => k === 'HTTP_HOST')).toHaveLength(1);
    expect(expand(request(), '$request_method ${uri} $unknown $http_user_agent$is_args$args')).toBe('GET /app/  curl/8?x=1');
  });
  it('resolves fastcgi-params-configmap as ingress-nginx: same namespace, missing denies, bad characters ignored', () => {
    const maps: Record<string, Record<string, string>> = {
      'web/ok': { SCRIPT_FILENAME: '/var/www/html/index.php' },
      'web/bad': { SCRIPT_FILENAME: '/var/www/html/index.php; rm' },
    };
    const get = (ns: string, n: string) => (maps[`${ns}/${n}`] ? { data: maps[`${ns}/${n}`] } : undefined);
    const ok: { fastcgiParamsConfigMap?: string; fastcgiParams?: Record<string, string>; denied?: string } = {
      fastcgiParamsConfigMap: 'web/ok',
    };
    expect(resolveFastcgiParams(ok, 'web', get)).toBeUndefined();
    expect(ok.fastcgiParams).toEqual({ SCRIPT_FILENAME: '/var/www/html/index.php' });
    const other = { fastcgiParamsConfigMap: 'other/ok' } as typeof ok;
    expect(resolveFastcgiParams(other, 'web', get)).toContain('different namespace is not supported on fast_cgi param configmap');
    expect(other.fastcgiParams).toBeUndefined();
    const missing = { fastcgiParamsConfigMap: 'nope' } as typeof ok;
    expect(resolveFastcgiParams(missing, 'web', get)).toContain('every request to this Ingress is denied');
    expect(missing.denied).toBe('unexpected error reading configmap web/nope: configmap "web/nope" not found');
    const bad = { fastcgiParamsConfigMap: 'bad' } as typeof ok;
    expect(resolveFastcgiParams(bad, 'web', get)).toContain('fcgi contains invalid key or value (SCRIPT_FILENAME)');
    expect(bad.fastcgiParams).toBeUndefined();
  });
});

describe('CGI response head', () => {
  it('finds the blank line with CRLF or LF line ends', () => {
    expect(headEnd(Buffer.from('A: b\r\n\r\nbody'))).toEqual([5, 8]);
    expect(headEnd(Buffer.from('A: b\n\nbody'))).toEqual([4, 6]);
    expect(headEnd(Buffer.from('A: b\r\n'))).toBeUndefined();
  });
  it('Status sets the status; Location alone means 302; otherwise 200', () => {
    expect(parseCgiHead('Status: 404 Not Found\r\nContent-Type: text/plain\r\nX-Powered-By: PHP/8.3')).toEqual({
      status: 404,
      statusText: 'Not Found',
      headers: ['Content-Type', 'text/plain', 'X-Powered-By', 'PHP/8.3'],
    });
    expect(parseCgiHead('Location: /login\n')).toEqual({ status: 302, statusText: 'Moved Temporarily', headers: ['Location', '/login'] });
    expect(parseCgiHead('Content-Type: text/html\nConnection: close\nSet-Cookie: a=1\nSet-Cookie: b=2')).toEqual({
      status: 200,
      statusText: 'OK',
      headers: ['Content-Type', 'text/html', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'],
    });
    expect(() => parseCgiHead('<html>')).toThrow('upstream sent invalid header');
    expect(() => parseCgiHead('Status: abc')).toThrow('invalid status');
  });
});
