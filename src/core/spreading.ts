import * as kplus from 'cdk8s-plus-27';
import { PodSpreading } from './pet-service-props';

/** The scheduling rules that spread a pet's pods across nodes. */
export function spreadingRules(spreading: PodSpreading, selectorLabels: { [key: string]: string }): {
  affinity?: kplus.k8s.Affinity;
  topologySpreadConstraints?: kplus.k8s.TopologySpreadConstraint[];
} {
  const selector = { matchLabels: selectorLabels };
  const hostname = 'kubernetes.io/hostname';
  let affinity: kplus.k8s.Affinity | undefined;
  let topologySpreadConstraints: kplus.k8s.TopologySpreadConstraint[] | undefined;
  switch (spreading) {
    case PodSpreading.SOFT_ANTI_AFFINITY:
      affinity = {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: selector, topologyKey: hostname } }],
        },
      };
      break;
    case PodSpreading.REQUIRED_ANTI_AFFINITY:
      affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: selector, topologyKey: hostname }] } };
      break;
    case PodSpreading.TOPOLOGY_SPREAD:
      topologySpreadConstraints = [{ maxSkew: 1, topologyKey: hostname, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector }];
      break;
    default:
      break;
  }
  return { affinity, topologySpreadConstraints };
}
