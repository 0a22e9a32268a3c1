import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { NetworkIsolationOptions, PetNetworkPolicy } from './network';
import { PetService } from './pet-service';
import { ClientServiceOptions } from './pet-service-props';
import { withProductErrors } from './product-pet';

/**
 * What every product (StatefulRedis, StatefulMySql, StatefulZooKeeper, …) is: a construct
 * around a PetService, with one vocabulary: `pet` (the core), `headlessService`, `name`,
 * `replicas`, `namespace`, `podHost(n)`, `isolateNetwork()`, `addClientService()`. Errors
 * raised through a product name the product, never a construct the user did not create.
 */
export abstract class StatefulProduct extends Construct {
  /** The core: StatefulSet, headless Service, claims, PDB (escape hatch). */
  public abstract readonly pet: PetService;

  /** The class users create, named in errors (e.g. "StatefulRedis"). */
  protected abstract readonly productClass: string;

  protected constructor(scope: Construct, id: string) {
    super(scope, id);
  }

  /** The StatefulSet's name. */
  public get name(): string {
    return this.pet.name;
  }

  /** The number of pods. */
  public get replicas(): number {
    return this.pet.replicas;
  }

  /** The namespace, when known (the prop, else the enclosing Chart's). */
  public get namespace(): string | undefined {
    return this.pet.namespace;
  }

  /** The headless governing Service (per-pod DNS names). */
  public get headlessService(): kplus.Service {
    return this.pet.service;
  }

  /** The cdk8s-plus StatefulSet. */
  public get statefulSet(): kplus.StatefulSet {
    return this.pet.statefulSet;
  }

  /**
   * The stable host name of pod `ordinal` for clients in the cluster:
   * `<name>-<ordinal>.<serviceName>`, plus `.<namespace>.svc.<clusterDomain>` when the
   * namespace is known.
   */
  public podHost(ordinal: number): string {
    return this._withErrors(() => this.pet.podHost(ordinal));
  }

  /**
   * Isolates the pods' ingress with a NetworkPolicy: only the pods themselves (any port)
   * and the listed `clients` (the product's ports, or `clientPortNames`) may connect.
   */
  public isolateNetwork(options: NetworkIsolationOptions = {}): PetNetworkPolicy {
    return this._withErrors(() => this.pet.isolateNetwork(options));
  }

  /** Adds a client Service over the pods (or one pod, with `ordinal`). */
  public addClientService(id: string, options: ClientServiceOptions = {}): kplus.Service {
    return this._withErrors(() => this.pet.addClientService(id, options));
  }

  /**
   * Runs `fn`, renaming a core error ("PetService: …") after the product.
   * @internal
   */
  protected _withErrors<T>(fn: () => T): T {
    return withProductErrors(this.productClass, fn);
  }
}
