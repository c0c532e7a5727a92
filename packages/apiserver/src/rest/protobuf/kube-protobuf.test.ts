// Protobuf request bodies as kubectl 1.32+ sends them (the "k8s\0" envelope around a runtime.Unknown),
// encoded here field by field with protobufjs' Writer the way Go's generated marshallers write them: every
// non-pointer scalar, zero or not.
import protobuf from 'protobufjs/minimal';
import { describe, expect, it } from 'vitest';
import { decodeKubeProtobuf } from './kube-protobuf';

type W = protobuf.Writer;
const msg = (id: number, w: W, body: (w: W) => void): W => {
  w.uint32((id << 3) | 2).fork();
  body(w);
  return w.ldelim();
};
const str = (w: W, id: number, v: string): W => w.uint32((id << 3) | 2).string(v);
const varint = (w: W, id: number, v: number): W => w.uint32(id << 3).int64(v);
const entry = (w: W, id: number, k: string, v: string): W =>
  msg(id, w, (e) => {
    str(e, 1, k);
    str(e, 2, v);
  });

function envelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const w = protobuf.Writer.create();
  msg(1, w, (t) => {
    str(t, 1, apiVersion);
    str(t, 2, kind);
  });
  w.uint32((2 << 3) | 2).bytes(raw);
  str(w, 3, '');
  str(w, 4, '');
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), w.finish()]);
}

const objectMeta = (w: W, name: string) =>
  msg(1, w, (m) => {
    str(m, 1, name);
    str(m, 2, ''); // generateName, written although empty
    str(m, 3, '');
    msg(8, m, () => {}); // creationTimestamp: the zero Time
    entry(m, 11, 'app', name);
  });

describe('decodeKubeProtobuf', () => {
  it('a ConfigMap and a Secret, zero values left out, bytes as base64', () => {
    const cm = protobuf.Writer.create();
    objectMeta(cm, 'cfg');
    entry(cm, 2, 'k', 'v');
    expect(decodeKubeProtobuf(envelope('v1', 'ConfigMap', cm.finish()))).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', labels: { app: 'cfg' } },
      data: { k: 'v' },
    });
    const secret = protobuf.Writer.create();
    objectMeta(secret, 's');
    msg(2, secret, (e) => {
      str(e, 1, 'a');
      e.uint32((2 << 3) | 2).bytes(Buffer.from('b'));
    });
    str(secret, 3, 'Opaque');
    expect(decodeKubeProtobuf(envelope('v1', 'Secret', secret.finish()))).toMatchObject({ data: { a: 'Yg==' }, type: 'Opaque' });
  });

  it('a Deployment: pointer fields keep their zero (replicas 0), IntOrString and nested lists', () => {
    const d = protobuf.Writer.create();
    objectMeta(d, 'web');
    msg(2, d, (spec) => {
      varint(spec, 1, 0); // replicas: 0, a *int32
      varint(spec, 5, 0); // minReadySeconds: 0, an int32: left out
      msg(3, spec, (tpl) =>
        msg(2, tpl, (pod) =>
          msg(2, pod, (c) => {
            str(c, 1, 'web');
            str(c, 2, 'nginx');
            msg(6, c, (p) => {
              str(p, 1, '');
              varint(p, 2, 0);
              varint(p, 3, 80);
              str(p, 4, 'TCP');
            });
            str(c, 14, '');
          }),
        ),
      );
      msg(4, spec, (s) => {
        str(s, 1, 'RollingUpdate');
        msg(2, s, (ru) =>
          msg(2, ru, (surge) => {
            varint(surge, 1, 1);
            varint(surge, 2, 0);
            str(surge, 3, '25%');
          }),
        );
      });
    });
    expect(decodeKubeProtobuf(envelope('apps/v1', 'Deployment', d.finish()))).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 0,
        template: { spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }] }] } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } },
      },
    });
  });

  it('an embedded struct (Volume.volumeSource) decodes into its parent, as JSON has it', () => {
    const pod = protobuf.Writer.create();
    objectMeta(pod, 'p');
    msg(2, pod, (spec) =>
      msg(1, spec, (v) => {
        str(v, 1, 'data');
        msg(2, v, (src) => msg(2, src, (empty) => str(empty, 1, '')));
      }),
    );
    expect(decodeKubeProtobuf(envelope('v1', 'Pod', pod.finish())).spec).toEqual({ volumes: [{ name: 'data', emptyDir: {} }] });
  });

  it('refuses what it cannot read with 400', () => {
    expect(() => decodeKubeProtobuf(Buffer.from('{"kind":"Pod"}'))).toThrow('provided object is not a Kubernetes protobuf message');
    expect(() => decodeKubeProtobuf(envelope('batch/v1', 'Job', new Uint8Array()))).toThrow(
      'no kind "Job" is registered for version "batch/v1"',
    );
  });
});
