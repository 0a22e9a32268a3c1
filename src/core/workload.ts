import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

/**
 * Everything cdk8s-plus-27's StatefulSet and Service cannot express, added to their
 * specs in this one place, with the Kubernetes 1.27 types so the compiler checks it.
 */
export interface StatefulSetExtras {
  readonly volumeClaimTemplates: kplus.k8s.KubePersistentVolumeClaimProps[];
  /** Claim-template names; placeholder pod volumes of these names are dropped. */
  readonly claimNames: ReadonlySet<string>;
  /** Block-mode claims: container name → devices. */
  readonly blockDevices: ReadonlyMap<string, kplus.k8s.VolumeDevice[]>;
  readonly retention: kplus.k8s.StatefulSetPersistentVolumeClaimRetentionPolicy;
  readonly ordinalsStart: number;
  readonly revisionHistoryLimit?: number;
  readonly seccompRuntimeDefault: boolean;
  /** Merged into the pod's affinity (kplus scheduling rules are kept). */
  readonly podAntiAffinity?: kplus.k8s.PodAntiAffinity;
  readonly topologySpreadConstraints?: kplus.k8s.TopologySpreadConstraint[];
  readonly capabilitiesDropAll: boolean;
  readonly enableServiceLinks: boolean;
}

/**
 * cdk8s-plus labels pods with `cdk8s.io/metadata.addr`, a hash of the construct path, and
 * selects them by it. A pet's identity is its name: moving the construct to another chart
 * or renaming its id must not change the pod template (which would roll every pod) or any
 * selector. The label is dropped from pods and selectors; pets are selected by their
 * `app.kubernetes.io/*` labels only.
 */
const ADDRESS_LABEL = kplus.Pod.ADDRESS_LABEL;

function withoutAddress<T extends { [key: string]: string } | undefined>(labels: T): T {
  if (!labels || !(ADDRESS_LABEL in labels)) return labels;
  const { [ADDRESS_LABEL]: _, ...rest } = labels;
  return rest as T;
}

/** A cdk8s-plus StatefulSet whose spec is completed with `StatefulSetExtras`. */
export class PetStatefulSet extends kplus.StatefulSet {
  /**
   * Projected volumes (kplus 27 has no projected volume): a placeholder volume of the
   * same name (an emptyDir) is replaced by this source in the pod spec.
   *
   * @internal
   */
  public readonly _projected = new Map<string, kplus.k8s.ProjectedVolumeSource>();

  constructor(
    scope: Construct, id: string, props: kplus.StatefulSetProps,
    private readonly extras: () => StatefulSetExtras,
    private readonly isClaim: (name: string) => boolean,
  ) {
    super(scope, id, props);
  }

  /** Selects the pets by their identity labels (never by the construct path). */
  public toPodSelectorConfig(): kplus.PodSelectorConfig {
    return {
      labelSelector: kplus.LabelSelector.of({ labels: withoutAddress(this.matchLabels) }),
      namespaces: this.metadata.namespace ? { names: [this.metadata.namespace] } : undefined,
    };
  }

  public addVolume(vol: kplus.Volume): void {
    if (this.isClaim(vol.name)) {
      throw new Error(`PetService ${this.name}: pod volume "${vol.name}" would shadow the claim template of the same name; give the volume another name`);
    }
    super.addVolume(vol);
  }

  /** @internal */
  public _toKube(): kplus.k8s.StatefulSetSpec {
    const extras = this.extras();
    const spec = super._toKube();
    const pod = spec.template.spec!;
    const volumes = (pod.volumes ?? [])
      .filter(v => !(extras.claimNames.has(v.name) && v.emptyDir !== undefined))
      .map(v => (this._projected.has(v.name) && v.emptyDir !== undefined ? { name: v.name, projected: this._projected.get(v.name) } : v));
    const completeContainer = (c: kplus.k8s.Container): kplus.k8s.Container => {
      const devices = extras.blockDevices.get(c.name);
      const securityContext = extras.capabilitiesDropAll
        ? { ...c.securityContext, capabilities: c.securityContext?.capabilities ?? { drop: ['ALL'] } }
        : c.securityContext;
      return {
        ...c,
        securityContext,
        volumeMounts: c.volumeMounts?.filter(m => !(devices ?? []).some(d => d.name === m.name)),
        volumeDevices: devices && devices.length > 0 ? devices : c.volumeDevices,
      };
    };
    return {
      ...spec,
      revisionHistoryLimit: extras.revisionHistoryLimit,
      persistentVolumeClaimRetentionPolicy: extras.retention,
      ordinals: extras.ordinalsStart > 0 ? { start: extras.ordinalsStart } : undefined,
      volumeClaimTemplates: extras.volumeClaimTemplates.length > 0 ? extras.volumeClaimTemplates : undefined,
      selector: { ...spec.selector, matchLabels: withoutAddress(spec.selector.matchLabels) },
      template: {
        ...spec.template,
        metadata: { ...spec.template.metadata, labels: withoutAddress(spec.template.metadata?.labels) },
        spec: {
          ...pod,
          enableServiceLinks: extras.enableServiceLinks,
          containers: pod.containers.map(completeContainer),
          initContainers: pod.initContainers?.map(completeContainer),
          volumes: volumes.length > 0 ? volumes : undefined,
          securityContext: extras.seccompRuntimeDefault
            ? { ...pod.securityContext, seccompProfile: { type: 'RuntimeDefault' } }
            : pod.securityContext,
          affinity: mergeAntiAffinity(pod.affinity, extras.podAntiAffinity),
          topologySpreadConstraints: extras.topologySpreadConstraints,
        },
      },
    };
  }
}

/** A cdk8s-plus Service with `publishNotReadyAddresses`. */
export class PetHeadlessService extends kplus.Service {
  constructor(scope: Construct, id: string, props: kplus.ServiceProps, private readonly publishNotReady: boolean) {
    super(scope, id, props);
  }

  /** @internal */
  public _toKube(): kplus.k8s.ServiceSpec {
    const spec = super._toKube();
    return { ...spec, selector: withoutAddress(spec.selector), publishNotReadyAddresses: this.publishNotReady || undefined };
  }
}

function mergeAntiAffinity(affinity: kplus.k8s.Affinity | undefined, extra: kplus.k8s.PodAntiAffinity | undefined): kplus.k8s.Affinity | undefined {
  if (!extra) return affinity;
  const cur = affinity?.podAntiAffinity;
  const concat = <T>(a?: T[], b?: T[]): T[] | undefined => (a || b ? [...(a ?? []), ...(b ?? [])] : undefined);
  return {
    ...affinity,
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: concat(cur?.preferredDuringSchedulingIgnoredDuringExecution,
        extra.preferredDuringSchedulingIgnoredDuringExecution),
      requiredDuringSchedulingIgnoredDuringExecution: concat(cur?.requiredDuringSchedulingIgnoredDuringExecution,
        extra.requiredDuringSchedulingIgnoredDuringExecution),
    },
  };
}
