import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PetNetworkPolicy, PetService, PetServiceProps, StatefulMySql, StatefulRedis } from '../src';
import { byKind, crossReference, Doc, one, validateManifests } from './util/k8s';

const PROPS: PetServiceProps = {
  namespace: 'data',
  image: 'redis:7.4',
  replicas: 3,
  ports: [{ name: 'redis', port: 6379 }, { name: 'admin', port: 80, containerPort: 8080 }, { name: 'gossip', port: 7946, protocol: kplus.Protocol.UDP }],
};

function synth(chart: Chart): Doc[] {
  const docs = Testing.synth(chart) as Doc[];
  validateManifests(docs);
  crossReference(docs);
  return docs;
}

/** A pod as a NetworkPolicy sees it. */
interface Endpoint {
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly namespaceLabels?: Record<string, string>;
  readonly ip?: string;
}

const matches = (selector: any, labels: Record<string, string>) =>
  Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v) && !(selector?.matchExpressions?.length);

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const n = (a: string) => a.split('.').reduce((acc, x) => acc * 256 + Number(x), 0);
  const block = 2 ** (32 - Number(bits));
  return Math.floor(n(ip) / block) === Math.floor(n(base) / block);
}

/**
 * Whether the policies among `docs` let `from` connect to `to` on port/protocol: the
 * NetworkPolicy semantics (a pod selected by no ingress policy accepts everything; else
 * the union of the rules of the policies that select it).
 */
function allows(docs: Doc[], from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
  const policies = byKind(docs, 'NetworkPolicy').filter(p => (p.metadata.namespace ?? 'default') === to.namespace
    && matches(p.spec.podSelector, to.labels) && (p.spec.policyTypes ?? ['Ingress']).includes('Ingress'));
  if (policies.length === 0) return true;
  const nsLabels = { 'kubernetes.io/metadata.name': from.namespace, ...from.namespaceLabels };
  return policies.some(p => (p.spec.ingress ?? []).some((rule: any) => {
    const portOk = !rule.ports?.length || rule.ports.some((x: any) => (x.protocol ?? 'TCP') === protocol && (x.port === undefined || x.port === port));
    const peerOk = !rule.from?.length || rule.from.some((peer: any) => {
      if (peer.ipBlock) return from.ip !== undefined && inCidr(from.ip, peer.ipBlock.cidr);
      const nsOk = peer.namespaceSelector ? matches(peer.namespaceSelector, nsLabels) : from.namespace === to.namespace;
      return nsOk && (peer.podSelector === undefined || matches(peer.podSelector, from.labels));
    });
    return portOk && peerOk;
  }));
}

describe('isolateNetwork() with no clients', () => {
  const chart = Testing.chart();
  const pet = new PetService(chart, 'cache', PROPS);
  const policy = pet.isolateNetwork();
  const docs = synth(chart);
  const np = one(docs, 'NetworkPolicy');
  const petPod: Endpoint = { namespace: 'data', labels: one(docs, 'StatefulSet').spec.template.metadata.labels };

  test('snapshot', () => expect(np).toMatchSnapshot());

  test('one NetworkPolicy named after the StatefulSet, in its namespace, selecting the pets by their selector labels', () => {
    expect(policy).toBeInstanceOf(kplus.NetworkPolicy);
    expect(policy).toBeInstanceOf(PetNetworkPolicy);
    expect(np.metadata).toMatchObject({ name: 'cache', namespace: 'data', labels: pet.labels });
    expect(np.spec.podSelector).toEqual({ matchLabels: pet.selectorLabels });
    expect(np.spec.policyTypes).toEqual(['Ingress']);
  });

  test('the pets reach each other on any port and protocol (replication, cluster bus), nobody else reaches them', () => {
    for (const [port, proto] of [[6379, 'TCP'], [16379, 'TCP'], [7946, 'UDP'], [8080, 'TCP']] as const) {
      expect(allows(docs, petPod, petPod, port, proto)).toBe(true);
    }
    expect(allows(docs, { namespace: 'data', labels: { app: 'shop' } }, petPod, 6379)).toBe(false);
    expect(allows(docs, { namespace: 'other', labels: petPod.labels }, petPod, 6379)).toBe(false);
    expect(allows(docs, { namespace: 'data', labels: {}, ip: '10.1.2.3' }, petPod, 6379)).toBe(false);
  });

  test('egress is not restricted', () => {
    expect(np.spec.egress).toBeUndefined();
    expect(np.spec.policyTypes).not.toContain('Egress');
  });
});

describe('isolateNetwork() with clients', () => {
  const chart = Testing.chart();
  const pet = new PetService(chart, 'cache', PROPS);
  pet.isolateNetwork({
    clients: [
      kplus.Pods.select(chart, 'Shop', { labels: { app: 'shop' } }),
      kplus.Namespaces.select(chart, 'Monitoring', { names: ['monitoring'] }),
      kplus.Pods.select(chart, 'Batch', { labels: { app: 'batch' }, namespaces: kplus.Namespaces.select(chart, 'BatchNs', { names: ['jobs', 'cron'] }) }),
      kplus.NetworkPolicyIpBlock.ipv4(chart, 'Office', '192.0.2.0/24'),
    ],
  });
  const docs = synth(chart);
  const petPod: Endpoint = { namespace: 'data', labels: one(docs, 'StatefulSet').spec.template.metadata.labels };
  const shop: Endpoint = { namespace: 'data', labels: { app: 'shop', tier: 'web' } };

  test('snapshot', () => expect(one(docs, 'NetworkPolicy')).toMatchSnapshot());

  test('clients reach the pet ports: the container ports (what a NetworkPolicy sees), with their protocols', () => {
    const rules = one(docs, 'NetworkPolicy').spec.ingress;
    expect(rules).toHaveLength(5);
    for (const rule of rules.slice(1)) {
      expect(rule.ports).toEqual([{ port: 6379, protocol: 'TCP' }, { port: 8080, protocol: 'TCP' }, { port: 7946, protocol: 'UDP' }]);
    }
    expect(allows(docs, shop, petPod, 6379)).toBe(true);
    expect(allows(docs, shop, petPod, 8080)).toBe(true);
    expect(allows(docs, shop, petPod, 7946, 'UDP')).toBe(true);
  });

  test('clients do not reach other ports; the pets still reach each other on all of them', () => {
    expect(allows(docs, shop, petPod, 16379)).toBe(false);
    expect(allows(docs, shop, petPod, 80)).toBe(false); // the Service port, not a container port
    expect(allows(docs, shop, petPod, 7946, 'TCP')).toBe(false);
    expect(allows(docs, petPod, petPod, 16379)).toBe(true);
  });

  test('pods by labels only in the same namespace; a namespace selects all its pods; named namespaces for pods elsewhere', () => {
    expect(allows(docs, { namespace: 'shop', labels: { app: 'shop' } }, petPod, 6379)).toBe(false);
    expect(allows(docs, { namespace: 'monitoring', labels: { app: 'prometheus' } }, petPod, 6379)).toBe(true);
    expect(allows(docs, { namespace: 'jobs', labels: { app: 'batch' } }, petPod, 6379)).toBe(true);
    expect(allows(docs, { namespace: 'cron', labels: { app: 'batch' } }, petPod, 6379)).toBe(true);
    expect(allows(docs, { namespace: 'jobs', labels: { app: 'other' } }, petPod, 6379)).toBe(false);
    expect(allows(docs, { namespace: 'data', labels: { app: 'batch' } }, petPod, 6379)).toBe(false);
  });

  test('an IP block reaches the pet ports', () => {
    expect(allows(docs, { namespace: 'x', labels: {}, ip: '192.0.2.77' }, petPod, 6379)).toBe(true);
    expect(allows(docs, { namespace: 'x', labels: {}, ip: '198.51.100.1' }, petPod, 6379)).toBe(false);
  });
});

describe('isolateNetwork() options', () => {
  test('clientPortNames limits the clients to some pet ports', () => {
    const chart = Testing.chart();
    const pet = new PetService(chart, 'cache', PROPS);
    pet.isolateNetwork({ clients: [kplus.Pods.select(chart, 'Shop', { labels: { app: 'shop' } })], clientPortNames: ['redis'], name: 'cache-clients' });
    const docs = synth(chart);
    const np = one(docs, 'NetworkPolicy', 'cache-clients');
    expect(np.spec.ingress[1].ports).toEqual([{ port: 6379, protocol: 'TCP' }]);
    const petPod = { namespace: 'data', labels: pet.labels };
    expect(allows(docs, { namespace: 'data', labels: { app: 'shop' } }, petPod, 6379)).toBe(true);
    expect(allows(docs, { namespace: 'data', labels: { app: 'shop' } }, petPod, 8080)).toBe(false);
  });

  test('the returned policy takes more rules after the call (synthesis is lazy), e.g. a scraper on a sidecar port', () => {
    const chart = Testing.chart();
    const pet = new PetService(chart, 'cache', PROPS);
    const policy = pet.isolateNetwork();
    policy.addIngressRule(kplus.Namespaces.select(chart, 'Mon', { names: ['monitoring'] }), [kplus.NetworkPolicyPort.tcp(9121)]);
    const docs = synth(chart);
    const petPod = { namespace: 'data', labels: pet.labels };
    expect(allows(docs, { namespace: 'monitoring', labels: {} }, petPod, 9121)).toBe(true);
    expect(allows(docs, { namespace: 'monitoring', labels: {} }, petPod, 6379)).toBe(false);
  });

  test('without a namespace the policy has none either (the kubectl context\'s)', () => {
    const chart = Testing.chart();
    const pet = new PetService(chart, 'web', { image: 'nginx', ports: [{ name: 'http', port: 8080 }] });
    pet.isolateNetwork();
    const np = one(synth(chart), 'NetworkPolicy');
    expect(np.metadata.namespace).toBeUndefined();
    expect(np.metadata.name).toBe('web');
  });

  test('the products isolate through their pet: Redis replicas reach the primary, an app reaches the Redis port only', () => {
    const chart = Testing.chart();
    const redis = new StatefulRedis(chart, 'redis', { namespace: 'cache' });
    redis.pet.isolateNetwork({ clients: [kplus.Pods.select(chart, 'App', { labels: { app: 'shop' } })] });
    const mysql = new StatefulMySql(chart, 'mysql', { namespace: 'db' });
    mysql.pet.isolateNetwork();
    const docs = synth(chart);
    const redisPod = { namespace: 'cache', labels: one(docs, 'StatefulSet', 'redis').spec.template.metadata.labels };
    const mysqlPod = { namespace: 'db', labels: one(docs, 'StatefulSet', 'mysql').spec.template.metadata.labels };
    expect(allows(docs, redisPod, redisPod, 6379)).toBe(true);
    expect(allows(docs, { namespace: 'cache', labels: { app: 'shop' } }, redisPod, 6379)).toBe(true);
    expect(allows(docs, { namespace: 'cache', labels: { app: 'shop' } }, redisPod, 16379)).toBe(false);
    expect(allows(docs, mysqlPod, mysqlPod, 3306)).toBe(true);
    expect(allows(docs, redisPod, mysqlPod, 3306)).toBe(false);
  });

  test('PetNetworkPolicy can be created directly, with the same rules', () => {
    const chart = Testing.chart();
    const pet = new PetService(chart, 'cache', PROPS);
    new PetNetworkPolicy(chart, 'Isolation', { pet, name: 'cache-isolation' });
    const np = one(synth(chart), 'NetworkPolicy', 'cache-isolation');
    expect(np.spec.podSelector).toEqual({ matchLabels: pet.selectorLabels });
    expect(np.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: pet.selectorLabels } }], ports: [] }]);
    expect(() => new PetNetworkPolicy(chart, 'Bad', { pet: {} as any })).toThrow(/PetNetworkPolicy: invalid `pet`/);
  });

  test('no NetworkPolicy unless asked', () => {
    const chart = Testing.chart();
    new PetService(chart, 'cache', PROPS);
    expect(byKind(synth(chart), 'NetworkPolicy')).toHaveLength(0);
  });
});

describe('isolateNetwork() fails', () => {
  const make = () => {
    const chart = Testing.chart();
    return { chart, pet: new PetService(chart, 'cache', PROPS) };
  };
  test('fails on an unknown or empty clientPortNames', () => {
    expect(() => make().pet.isolateNetwork({ clientPortNames: ['nope'] })).toThrow(/invalid `isolateNetwork clientPortNames` "nope": must name a pet port: "redis", "admin", "gossip"/);
    expect(() => make().pet.isolateNetwork({ clientPortNames: [] })).toThrow(/invalid `isolateNetwork clientPortNames` \[\]: must name at least one pet port/);
    expect(() => make().pet.isolateNetwork({ clientPortNames: ['redis', 'redis'] })).toThrow(/invalid `isolateNetwork clientPortNames` "redis": must be unique/);
  });
  test('fails on a client that is not a network peer', () => {
    expect(() => make().pet.isolateNetwork({ clients: [{ labels: { app: 'x' } } as any] })).toThrow(/invalid `isolateNetwork clients\[0\]`/);
    expect(() => make().pet.isolateNetwork({ clients: 'app=x' as any })).toThrow(/invalid `isolateNetwork clients`/);
  });
  test('fails on a bad name', () => {
    expect(() => make().pet.isolateNetwork({ name: 'Not_A_Name' })).toThrow(/invalid `isolateNetwork name` "Not_A_Name"/);
  });
  test('fails when called twice', () => {
    const { pet } = make();
    pet.isolateNetwork();
    expect(() => pet.isolateNetwork()).toThrow(/invalid `isolateNetwork`.*may be called once/);
  });
});
