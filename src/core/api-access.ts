import * as kplus from 'cdk8s-plus-27';
import { PetService } from './pet-service';
import { PetStatefulSet } from './workload';

/** Where a pod's containers find the Kubernetes API credentials (the kubelet's own path). */
export const API_ACCESS_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Gives ONE container of the pet the credentials to call the Kubernetes API as the pod's
 * ServiceAccount, the way the kubelet's automount does (a projected volume with a
 * short-lived token, the cluster CA and the namespace at `API_ACCESS_PATH`), while the
 * pod keeps `automountServiceAccountToken: false`: no other container sees the token.
 *
 * @param expirationSeconds the token's lifetime (the kubelet rotates it before it expires)
 */
export function mountApiAccess(pet: PetService, container: kplus.Container, expirationSeconds = 3600): void {
  const sts = pet.statefulSet;
  if (!(sts instanceof PetStatefulSet)) throw new Error(`PetService ${pet.name}: mountApiAccess needs the pet's own StatefulSet`);
  const name = 'kube-api-access';
  let volume = pet.node.tryFindChild('KubeApiAccess') as kplus.Volume | undefined;
  if (!volume) {
    volume = kplus.Volume.fromEmptyDir(pet, 'KubeApiAccess', name);
    sts._projected.set(name, {
      defaultMode: 0o444,
      sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardApi: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    });
  }
  container.mount(API_ACCESS_PATH, volume, { readOnly: true });
}
