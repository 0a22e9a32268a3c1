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
}

/** A cdk8s-plus StatefulSet whose spec is completed with `StatefulSetExtras`. */
export class PetStatefulSet extends kplus.StatefulSet {
  constructor(
    scope: Construct, id: string, props: kplus.StatefulSetProps,
    private readonly extras: () => StatefulSetExtras,
    private readonly isClaim: (name: string) => boolean,
  ) {
    super(scope, id, props);
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
    const volumes = (pod.volumes ?? []).filter(v => !(extras.claimNames.has(v.name) && v.emptyDir !== undefined));
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
      template: {
        ...spec.template,
        spec: {
          ...pod,
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
    return { ...super._toKube(), publishNotReadyAddresses: this.publishNotReady || undefined };
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
