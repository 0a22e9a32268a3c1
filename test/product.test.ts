/**
 * The core's product facility (StatefulProduct, the shared StatefulProductProps): a
 * minimal product built on it gets every shared prop into its pod spec, and errors that
 * name the product. (The same table runs over every real product in products.test.ts.)
 */
import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { PetService, StatefulProduct, StatefulProductProps } from '../src';
import { Doc, one } from './util/k8s';
import { productPet } from '../src/core/product-pet';

class TinyProduct extends StatefulProduct {
  public readonly pet: PetService;
  protected readonly productClass = 'TinyProduct';
  constructor(scope: Construct, id: string, props: StatefulProductProps = {}) {
    super(scope, id);
    this.pet = productPet(this, 'TinyProduct', props, {
      replicas: 3,
      image: 'tiny:1',
      runAsUser: 4242,
      storageSize: Size.gibibytes(1),
      resources: { memory: { limit: Size.mebibytes(256) } },
      terminationGracePeriod: Duration.seconds(45),
    }, '/var/lib/tiny', { ports: [{ name: 'tiny', port: 7000 }], appName: 'tiny' });
  }
}

test('defaults come from the product', () => {
  const chart = Testing.chart();
  const p = new TinyProduct(chart, 'tp');
  const sts = one(Testing.synth(chart) as Doc[], 'StatefulSet');
  expect(p.name).toBe('tp');
  expect(p.replicas).toBe(3);
  expect(sts.spec.template.spec.containers[0].image).toBe('tiny:1');
  expect(sts.spec.template.spec.securityContext.runAsUser).toBe(4242);
  expect(sts.spec.template.spec.terminationGracePeriodSeconds).toBe(45);
  expect(sts.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/var/lib/tiny' }]);
});

test('an error raised through the product names the product and its prop', () => {
  const chart = Testing.chart();
  expect(() => new TinyProduct(chart, 'a', { storageSize: Size.kibibytes(0) })).toThrow(/^TinyProduct: invalid `storageSize`/);
  expect(() => new TinyProduct(chart, 'b', { replicas: 0 })).toThrow(/^TinyProduct: invalid `replicas` 0/);
  const p = new TinyProduct(chart, 'c');
  expect(() => p.podHost(7)).toThrow(/^TinyProduct: invalid `ordinal` 7/);
  expect(() => p.isolateNetwork({ clientPortNames: ['nope'] })).toThrow(/^TinyProduct: invalid `isolateNetwork clientPortNames` "nope"/);
  expect(() => p.addClientService('x', { portNames: ['nope'] })).toThrow(/^TinyProduct: /);
});

test('isolateNetwork and addClientService on the product itself', () => {
  const chart = Testing.chart();
  const p = new TinyProduct(chart, 'tp', { namespace: 'prod' });
  const client = new kplus.Deployment(chart, 'app', { containers: [{ image: 'app' }] });
  p.isolateNetwork({ clients: [client] });
  const svc = p.addClientService('all');
  const docs = Testing.synth(chart) as Doc[];
  expect(one(docs, 'NetworkPolicy').spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'tiny', 'app.kubernetes.io/instance': 'tp' });
  expect(svc.name).toBe('tp-all');
  expect(p.podHost(1)).toBe('tp-1.tp.prod.svc.cluster.local');
  expect(p.headlessService.name).toBe('tp');
});
