import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterInput, dropped, forwarded } from '../graph/testdata/cluster';
import { BUNDLE_KIND, captureMember, type RecordBundle, readBundle, writeBundle } from './bundle';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bundle-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pcap = Buffer.from([0x0a, 0x0d, 0x0d, 0x0a, 0, 1, 2, 3, 255]);
const { flows: _none, ...objects } = clusterInput();
const bundle: RecordBundle = {
  kind: BUNDLE_KIND,
  version: 1,
  cluster: 'demo',
  started: '2026-11-30T12:00:00.000Z',
  ended: '2026-11-30T12:00:30.000Z',
  flows: [dropped(40010, Date.parse('2026-11-30T12:00:01.500Z')), forwarded(40001, '10.244.1.3', 'default/web-1')],
  events: [
    { time: '2026-11-30T12:00:05.000Z', kind: 'trace', args: ['trace', 'client', 'web'], exitCode: 1, output: 'DROPPED' },
    {
      time: '2026-11-30T12:00:06.000Z',
      kind: 'capture',
      args: ['capture', 'web', '-w', 'web one.pcapng'],
      exitCode: 0,
      output: '',
      file: { name: 'web one.pcapng', base64: pcap.toString('base64') },
    },
    {
      time: '2026-11-30T12:00:07.000Z',
      kind: 'capture',
      args: ['capture', 'web', '-w', 'big.pcapng'],
      exitCode: 0,
      output: '',
      file: { name: 'big.pcapng', base64: '' },
    },
  ],
  objects,
};

describe('record bundles', () => {
  it('writes a tar of JSON parts and each capture as its own member, and reads it back', async () => {
    const file = path.join(dir, 'session.tar');
    await writeBundle(file, bundle);
    expect(execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n')).toEqual([
      'session/recording.json',
      'session/flows.json',
      'session/objects.json',
      'session/captures/001-web_one.pcapng',
      'session/events.json',
    ]);
    // The capture is the file itself, not base64, for Wireshark after `tar xf`.
    expect(execFileSync('tar', ['-xOf', file, 'session/captures/001-web_one.pcapng'])).toEqual(pcap);
    const header = JSON.parse(execFileSync('tar', ['-xOf', file, 'session/recording.json'], { encoding: 'utf8' }));
    expect(header).toEqual({ kind: BUNDLE_KIND, version: 1, cluster: 'demo', started: bundle.started, ended: bundle.ended });

    const back = await readBundle(file);
    expect(back.flows).toEqual(bundle.flows);
    expect(back.objects).toEqual(bundle.objects);
    expect(back.events[1].file).toEqual({ name: 'web one.pcapng', base64: pcap.toString('base64'), member: 'captures/001-web_one.pcapng' });
    expect(back.events[2].file).toEqual({ name: 'big.pcapng', base64: '' });
    expect(back.events[0]).toEqual(bundle.events[0]);
  });

  it('reads a tar by its content whatever it is named, and the first version JSON bundles', async () => {
    const renamed = path.join(dir, 'grading-copy.bin');
    await writeBundle(path.join(dir, 'x.tar'), bundle);
    execFileSync('cp', [path.join(dir, 'x.tar'), renamed]);
    expect((await readBundle(renamed)).cluster).toBe('demo');

    const json = path.join(dir, 'old.json');
    await writeBundle(json, bundle);
    expect(await readBundle(json)).toEqual(bundle);
  });

  it('refuses what is not a recording', async () => {
    const other = path.join(dir, 'other.json');
    writeFileSync(other, '{"kind":"Pod"}');
    await expect(readBundle(other)).rejects.toThrow(`${other} is not a kubelab recording (kind KubelabRecording, version 1)`);
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, 'not json');
    await expect(readBundle(broken)).rejects.toThrow(/^cannot read recording .*broken\.json: /);
    await expect(readBundle(path.join(dir, 'missing.tar'))).rejects.toThrow(/^cannot read recording .*missing\.tar: ENOENT/);
  });

  it('names capture members in order with a safe file name', () => {
    expect(captureMember(7, '/tmp/a b/web;x.pcapng')).toBe('captures/007-web_x.pcapng');
  });
});
