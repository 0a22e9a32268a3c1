/**
 * Seed 003 (nginx `web` with hand-made hostPath PVs): StatefulSet `web` with 2 replicas
 * behind the headless Service `nginx`, claim `www` (1Gi, class `nginx-storage-class`) at
 * /usr/share/nginx/html, and 4 pre-created hostPath PersistentVolumes
 * /data/nas/web/nginx0..3 named pv-nginx-0..3.
 *
 * Unlike the seed, each volume is pre-bound to the claim of its ordinal (pod N always gets
 * volume N; the seed's pod 0 got pv-nginx-2) and is Retained (the seed's Recycle wipes
 * the data). The image is the unprivileged nginx build, which runs as uid 101 on port
 * 8080, so the pods meet Pod Security Standards "restricted". Readiness is "nginx accepts
 * connections on 8080", not `GET /`: on a new cluster the volume is empty, nginx answers
 * `/` with 403 (no index.html, autoindex off), and with OrderedReady `web-1` would never be
 * created.
 */
import { App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PetService, StaticVolumeSource } from '../src';

export function build(app: App): Chart {
  const chart = new Chart(app, 'nginx-web');
  new PetService(chart, 'web', {
    namespace: 'k8s-learning',
    serviceName: 'nginx',
    appName: 'nginx',
    image: 'nginxinc/nginx-unprivileged:1.27',
    containerName: 'nginx',
    replicas: 2,
    runAsUser: 101,
    ports: [{ name: 'web', port: 80, containerPort: 8080 }],
    readiness: kplus.Probe.fromTcpSocket({ port: 8080 }),
    claimTemplates: [{
      name: 'www',
      size: Size.gibibytes(1),
      storageClassName: 'nginx-storage-class',
      mountPath: '/usr/share/nginx/html',
      staticVolumes: {
        source: StaticVolumeSource.hostPath({ path: '/data/nas/web/nginx{ordinal}' }),
        count: 4, // room to scale to 4 pods, as in the seed
        namePrefix: 'pv-nginx',
      },
    }],
  });
  return chart;
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
