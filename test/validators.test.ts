// The checks every other suite relies on must be able to fail.
import { Size, Testing } from 'cdk8s';
import { PetService, StaticVolumeSource } from '../src';
import { crossReference, Doc, one, unknownFields, validateManifests } from './util/k8s';

function docs(): Doc[] {
  const chart = Testing.chart();
  new PetService(chart, 'web', {
    image: 'nginx',
    namespace: 'default',
    replicas: 2,
    ports: [{ name: 'http', port: 80 }],
    claimTemplates: [{ name: 'www', size: Size.gibibytes(1), mountPath: '/www', staticVolumes: { source: StaticVolumeSource.hostPath({ path: '/d{ordinal}' }) } }],
  });
  return JSON.parse(JSON.stringify(Testing.synth(chart)));
}

test('valid output passes', () => {
  const d = docs();
  expect(() => validateManifests(d)).not.toThrow();
  expect(() => crossReference(d)).not.toThrow();
});

test('the validator rejects a wrong type and an unknown field', () => {
  const d = docs();
  one(d, 'StatefulSet').spec.replicas = 'two';
  expect(() => validateManifests(d)).toThrow(/replicas must be integer/);
  const e = docs();
  one(e, 'StatefulSet').spec.template.spec.containers[0].volumeMount = [];
  expect(unknownFields(one(e, 'StatefulSet'))).toEqual(['StatefulSet.spec.template.spec.containers[0].volumeMount']);
  expect(() => validateManifests(e)).toThrow(/unknown field/);
});

test('cross-reference: an unresolved mount, a shadowing volume, a wrong claimRef, a non-matching selector', () => {
  const a = docs();
  one(a, 'StatefulSet').spec.template.spec.containers[0].volumeMounts.push({ name: 'ghost', mountPath: '/g' });
  expect(() => crossReference(a)).toThrow(/mounts ghost, which is neither a pod volume nor a claim template/);
  const b = docs();
  one(b, 'StatefulSet').spec.template.spec.volumes = [{ name: 'www', emptyDir: {} }];
  expect(() => crossReference(b)).toThrow(/pod volume www shadows the claim template/);
  const c = docs();
  one(c, 'PersistentVolume', 'default-www-web-1').spec.claimRef.name = 'www-other-1';
  expect(() => crossReference(c)).toThrow(/claimRef default\/www-other-1 matches no claim/);
  const d = docs();
  one(d, 'StatefulSet').spec.selector.matchLabels.extra = 'x';
  expect(() => crossReference(d)).toThrow(/selector is not a subset of the template labels/);
  const e = docs();
  one(e, 'Service').spec.clusterIP = undefined;
  expect(() => crossReference(e)).toThrow(/is not headless/);
});
