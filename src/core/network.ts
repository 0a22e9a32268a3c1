import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { PetPort } from './pet-service-props';
import { assertDnsSubdomain, assertUnique, propError } from './validate';

/** Options for `PetService.isolateNetwork()`. */
export interface NetworkIsolationOptions {
  /**
   * Who may connect to the pets, on the pet ports only. Any cdk8s-plus network peer:
   * pods (`kplus.Pods.select(scope, 'App', { labels: { app: 'shop' } })`, optionally in
   * other namespaces with `namespaces: { names: ['shop'] }`), whole namespaces
   * (`kplus.Namespaces.select(scope, 'Ns', { names: ['monitoring'] })`), a workload
   * (a `kplus.Deployment`), or an IP block (`kplus.NetworkPolicyIpBlock.ipv4(...)`).
   *
   * @default - no clients: only the pets reach each other
   */
  readonly clients?: kplus.INetworkPolicyPeer[];

  /**
   * The names of the pet ports the clients may reach.
   *
   * @default - all pet ports
   */
  readonly clientPortNames?: string[];

  /**
   * The NetworkPolicy's name.
   *
   * @default - the StatefulSet's name
   */
  readonly name?: string;
}

/** The pods a PetNetworkPolicy isolates: a PetService (or a product's `pet`). */
export interface IPet extends IConstruct {
  /** The StatefulSet's name. */
  readonly name: string;
  /** The namespace, if one was set. */
  readonly namespace?: string;
  /** The labels of every object. */
  readonly labels: { [key: string]: string };
  /** The labels that select the pods. */
  readonly selectorLabels: { [key: string]: string };
  /** The pods' ports. */
  readonly ports: PetPort[];
}

/** Props of a PetNetworkPolicy. */
export interface PetNetworkPolicyProps extends NetworkIsolationOptions {
  /** The PetService whose pods the policy isolates. */
  readonly pet: IPet;
}

const C = 'PetService';

/**
 * Ingress isolation of a PetService's pods, as a cdk8s-plus NetworkPolicy: every other
 * connection to the pets is denied, except
 *
 * - from the pets themselves, on any port (replication, gossip and cluster-bus ports that
 *   are not published as pet ports), and
 * - from the chosen clients, on the pet ports (the container ports, which is what a
 *   NetworkPolicy sees) only.
 *
 * Egress is not restricted. Add more rules with `addIngressRule(peer, ports)`, e.g. for a
 * metrics scraper on an exporter sidecar's port.
 *
 * Usually created through `PetService.isolateNetwork()`.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export class PetNetworkPolicy extends kplus.NetworkPolicy {
  constructor(scope: Construct, id: string, props: PetNetworkPolicyProps) {
    const pet = props?.pet;
    if (pet === undefined || pet === null || typeof pet.selectorLabels !== 'object' || !Array.isArray(pet.ports)) {
      throw propError('PetNetworkPolicy', 'pet', pet, 'must be a PetService');
    }
    const name = assertDnsSubdomain(C, 'isolateNetwork name', props.name ?? pet.name);
    const clients = props.clients ?? [];
    if (!Array.isArray(clients)) throw propError(C, 'isolateNetwork clients', clients, 'must be a list of network peers');
    clients.forEach((c, i) => {
      if (c === null || typeof c !== 'object' || typeof (c as kplus.INetworkPolicyPeer).toNetworkPolicyPeerConfig !== 'function') {
        throw propError(C, `isolateNetwork clients[${i}]`, c, 'must be a cdk8s-plus network peer: kplus.Pods.select(), kplus.Namespaces.select(), a workload or a kplus.NetworkPolicyIpBlock');
      }
    });
    const petPorts = pet.ports;
    const names = props.clientPortNames ?? petPorts.map(p => p.name);
    if (!Array.isArray(names) || names.length === 0) {
      throw propError(C, 'isolateNetwork clientPortNames', names, 'must name at least one pet port');
    }
    assertUnique(C, 'isolateNetwork clientPortNames', names);
    const ports = names.map(n => {
      const p = petPorts.find(x => x.name === n);
      if (!p) throw propError(C, 'isolateNetwork clientPortNames', n, `must name a pet port: ${petPorts.map(x => JSON.stringify(x.name)).join(', ')}`);
      const protocol = (p.protocol ?? kplus.Protocol.TCP) as string as kplus.NetworkProtocol;
      return kplus.NetworkPolicyPort.of({ port: p.containerPort ?? p.port, protocol });
    });

    super(scope, id, {
      metadata: { name, namespace: pet.namespace, labels: pet.labels },
      // The selector labels (not cdk8s-plus' per-construct address label), like the Services.
      selector: kplus.Pods.select(scope, `${id}Pods`, { labels: pet.selectorLabels }),
      ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
    });
    // The pets, on every port; a peer without namespaces is in the policy's namespace.
    this.addIngressRule(kplus.Pods.select(this, 'Pets', { labels: pet.selectorLabels }));
    clients.forEach((c, i) => {
      try {
        this.addIngressRule(c, ports);
      } catch (e) {
        throw propError(C, `isolateNetwork clients[${i}]`, c.node?.path ?? c, `cannot be used as a network peer: ${(e as Error)?.message ?? e}`);
      }
    });
  }
}
