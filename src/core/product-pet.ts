import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { PetService } from './pet-service';
import { PetServiceProps } from './pet-service-props';
import { StatefulProductProps } from './product-props';

/** Runs `fn`; an error of the core ("PetService: invalid `x` …") is rethrown naming `productClass`. */
export function withProductErrors<T>(productClass: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Error && /^(PetService|PetNetworkPolicy): /.test(e.message)) {
      const renamed = new Error(e.message.replace(/^(PetService|PetNetworkPolicy): /, `${productClass}: `));
      renamed.stack = `${renamed.message}\n${(e.stack ?? '').split('\n').slice(1).join('\n')}`;
      throw renamed;
    }
    throw e;
  }
}

/** What a product decides for the shared props. */
export interface ProductPetDefaults {
  readonly replicas: number;
  readonly image: string;
  readonly runAsUser: number;
  readonly storageSize: Size;
  readonly resources: kplus.ContainerResources;
  readonly terminationGracePeriod: Duration;
  readonly readOnlyRootFilesystem?: boolean;
  readonly maxUnavailable?: number;
}

/**
 * The PetService of a product: the shared props (with the product's defaults) plus the
 * props only the product sets, and the data claim template mounted at `dataPath`. Errors
 * name `productClass` and the product's props.
 */
export function productPet(scope: Construct, productClass: string, props: StatefulProductProps, defaults: ProductPetDefaults,
  dataPath: string, own: Omit<PetServiceProps, keyof StatefulProductProps>): PetService {
  return withProductErrors(productClass, () => {
    const pet = new PetService(scope, 'Resource', {
      name: props.name ?? scope.node.id.toLowerCase(),
      serviceName: props.serviceName,
      namespace: props.namespace,
      clusterDomain: props.clusterDomain,
      labels: props.labels,
      podAnnotations: props.podAnnotations,
      replicas: props.replicas ?? defaults.replicas,
      ordinalsStart: props.ordinalsStart,
      updateStrategy: props.updateStrategy,
      partition: props.partition,
      minReady: props.minReady,
      revisionHistoryLimit: props.revisionHistoryLimit,
      image: props.image ?? defaults.image,
      imagePullPolicy: props.imagePullPolicy,
      resources: props.resources ?? defaults.resources,
      claimRetentionWhenDeleted: props.claimRetentionWhenDeleted,
      claimRetentionWhenScaled: props.claimRetentionWhenScaled,
      runAsUser: props.runAsUser ?? defaults.runAsUser,
      runAsGroup: props.runAsGroup,
      fsGroup: props.fsGroup,
      readOnlyRootFilesystem: props.readOnlyRootFilesystem ?? defaults.readOnlyRootFilesystem ?? true,
      terminationGracePeriod: props.terminationGracePeriod ?? defaults.terminationGracePeriod,
      spreading: props.spreading,
      disruptionBudget: props.disruptionBudget,
      maxUnavailable: props.maxUnavailable ?? (props.disruptionBudget === false ? undefined : defaults.maxUnavailable),
      initContainers: props.initContainers,
      sidecars: props.sidecars,
      serviceAccount: props.serviceAccount,
      enableServiceLinks: props.enableServiceLinks,
      ...own,
    });
    pet._addProductClaimTemplate({
      name: props.storageClaimName ?? 'data',
      size: props.storageSize ?? defaults.storageSize,
      storageClassName: props.storageClassName,
      accessModes: props.storageAccessModes,
      mountPath: dataPath,
      staticVolumes: props.storageStaticVolumes,
    }, {
      name: 'storageClaimName',
      size: 'storageSize',
      storageClassName: 'storageClassName',
      accessModes: 'storageAccessModes',
      staticVolumes: 'storageStaticVolumes',
    });
    return pet;
  });
}
