import { describe, expect, it } from 'vitest';
import { answerSummary } from './answer-summary';

// A response to "A web.default.svc.cluster.local." with two A answers and a CNAME, names compressed.
function response(): Buffer {
  const q = Buffer.from([3, ...Buffer.from('web'), 7, ...Buffer.from('default'), 3, ...Buffer.from('svc'), 0]);
  const header = Buffer.from([0x12, 0x34, 0x85, 0x00, 0, 1, 0, 3, 0, 0, 0, 0]);
  const rr = (type: number, rdata: number[]) => Buffer.from([0xc0, 12, 0, type, 0, 1, 0, 0, 0, 30, 0, rdata.length, ...rdata]);
  return Buffer.concat([
    header,
    q,
    Buffer.from([0, 1, 0, 1]),
    rr(1, [10, 96, 0, 10]),
    rr(1, [10, 96, 0, 11]),
    rr(5, [4, ...Buffer.from('echo'), 0xc0, 16]),
  ]);
}

describe('answerSummary', () => {
  it('reads A and CNAME answers through compression pointers', () => {
    expect(answerSummary(response())).toEqual(['A 10.96.0.10', 'A 10.96.0.11', 'CNAME echo.default.svc.']);
  });

  it('stops quietly at a truncated or looping message', () => {
    expect(answerSummary(response().subarray(0, 52))).toEqual(['A 10.96.0.10']);
    expect(answerSummary(Buffer.from([0, 0, 0x80, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0xc0, 12]))).toEqual([]);
    expect(answerSummary(Buffer.alloc(3))).toEqual([]);
  });
});
