import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseAllDocuments } from 'yaml';
import { type CheckResult, parseLab, reportLines, score } from './lab-schema';
import { expand } from './probes';

const minimal = { name: 'x', task: 'do it', checks: [{ name: 'c', command: { run: 'true' } }] };

describe('lab.yaml', () => {
  it('fills the defaults: namespace lab-NAME, weight 1, a 30 s wait every second, exit 0', () => {
    const lab = parseLab(minimal, '/labs/x', 'x/lab.yaml');
    expect(lab.namespace).toBe('lab-x');
    expect(lab.checks[0]).toMatchObject({
      weight: 1,
      wait: { timeoutMs: 30_000, intervalMs: 1000 },
      kind: 'command',
      command: { exit: 0 },
    });
  });

  it('names the file and field of what is wrong', () => {
    const bad = (doc: unknown) => () => parseLab(doc, '/d', 'l.yaml');
    expect(bad({ ...minimal, name: 'Bad_Name' })).toThrow('l.yaml.name: must be a DNS label');
    expect(bad({ ...minimal, task: undefined })).toThrow('l.yaml.task: Required value');
    expect(bad({ ...minimal, checks: [] })).toThrow('l.yaml.checks: needs at least one check');
    expect(bad({ ...minimal, checks: [{ name: 'c' }] })).toThrow('l.yaml: checks[0]: needs exactly one of reachable');
    expect(bad({ ...minimal, checks: [{ name: 'c', reachable: { from: 'a' } }] })).toThrow(
      'l.yaml: checks[0].reachable.to: Required value',
    );
    expect(bad({ ...minimal, checks: [{ name: 'c', verdict: { from: 'a', to: 'b', port: 80 } }] })).toThrow(
      'verdict.allowed: must be true or false',
    );
    expect(bad({ ...minimal, checks: [{ name: 'c', command: { run: 'x' }, wait: { timeout: 'soon' } }] })).toThrow(
      'checks[0].wait: invalid duration',
    );
    expect(bad({ ...minimal, checks: [minimal.checks[0], minimal.checks[0]] })).toThrow('duplicate name "c"');
  });

  it('scores by weight and quotes the evidence of a failure with --hint', () => {
    const lab = parseLab(
      {
        ...minimal,
        checks: [
          { name: 'a', weight: 3, command: { run: 'true' }, message: 'm', hint: 'h' },
          { name: 'b', command: { run: 'true' } },
        ],
      },
      '/d',
      'l.yaml',
    );
    const results: CheckResult[] = [
      { check: lab.checks[0], passed: false, evidence: 'curl: (7) refused\nline 2', attempts: 2 },
      { check: lab.checks[1], passed: true, evidence: '', attempts: 1 },
    ];
    expect(score(results)).toEqual({ got: 1, total: 4, passed: false });
    expect(reportLines(lab, results, true)).toEqual([
      '✗ a (3 points)',
      '    m',
      '    hint: h',
      '    evidence (command, 2 attempts):',
      '      | curl: (7) refused',
      '      | line 2',
      '✓ b (1 point)',
      'x: 1/4 points',
    ]);
    expect(reportLines(lab, results, false)).not.toContain('    hint: h');
  });

  it('expands the template values probes may use', () => {
    expect(expand('{{ingress}}/api on {{ nodeIP }} {{unknown}}', { ingress: '127.0.0.1:8080', nodeIP: '172.30.0.3' })).toBe(
      '127.0.0.1:8080/api on 172.30.0.3 {{unknown}}',
    );
  });
});

describe('the shipped labs', () => {
  const root = path.resolve(__dirname, '../../../../labs');
  const names = readdirSync(root).filter((n) => !n.includes('.'));
  it('ship at least eight', () => expect(names.length).toBeGreaterThanOrEqual(8));
  it.each(names)('%s parses, and its setup and solution are manifests in no fixed namespace', (name) => {
    const dir = path.join(root, name);
    const lab = parseLab(parse(readFileSync(path.join(dir, 'lab.yaml'), 'utf8')), dir, `${name}/lab.yaml`);
    expect(lab.name).toBe(name);
    expect(lab.solution.length).toBeGreaterThan(0);
    for (const f of [...lab.setup, ...lab.solution]) {
      const docs = parseAllDocuments(readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS());
      for (const d of docs) {
        expect(d.kind, `${name}/${f}`).toBeTruthy();
        expect(d.metadata.namespace, `${name}/${f}: lab start applies into the lab namespace`).toBeUndefined();
      }
    }
  });
});
