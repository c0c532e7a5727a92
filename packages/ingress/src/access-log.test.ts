import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AccessLog } from './access-log';

describe('access log', () => {
  it('writes pino-shaped JSON lines, escaping what clients send', () => {
    const out: string[] = [];
    const log = new AccessLog(pino({ level: 'info' }), { write: (d: string) => out.push(d) });
    log.request({
      remote: '10.0.0.1',
      method: 'GET',
      host: 'a.localhost',
      path: '/x"y\\z',
      status: 200,
      upstream: '10.244.1.2:8080',
      duration: 1.5,
      requestId: 'id"1',
    });
    log.request({
      remote: '10.0.0.1',
      method: 'GET',
      host: 'a.localhost',
      path: '/',
      status: 502,
      upstream: '',
      duration: 2,
      requestId: 'b',
      err: 'refused',
    });
    log.close();
    // Lines go out in batches: the first with the failure that followed it.
    const lines = out.join('').split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    const [a, b] = lines.map((l) => JSON.parse(l));
    expect(a).toMatchObject({
      level: 30,
      host: 'a.localhost',
      path: '/x"y\\z',
      status: 200,
      upstream: '10.244.1.2:8080',
      duration: 1.5,
      requestId: 'id"1',
      msg: 'request',
    });
    expect(typeof a.time).toBe('number');
    expect(b).toMatchObject({ level: 40, status: 502, err: 'refused' });
  });
  it('says nothing below info, except failures', () => {
    const out: string[] = [];
    const log = new AccessLog(pino({ level: 'warn' }), { write: (d: string) => out.push(d) });
    log.request({ remote: 'r', method: 'GET', host: 'h', path: '/', status: 200, upstream: '', duration: 1, requestId: 'a' });
    log.request({ remote: 'r', method: 'GET', host: 'h', path: '/', status: 502, upstream: '', duration: 1, requestId: 'b', err: 'x' });
    log.close();
    expect(out).toHaveLength(1);
  });
});
