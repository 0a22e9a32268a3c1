/**
 * Seed 000 (a stateful WebSocket server): each pod keeps its connections' state on its
 * own claim and is reachable at a stable DNS name (`ws-N.ws.<ns>.svc…`) so a client (or
 * a router) can reconnect to the pod that holds its session. A client Service spreads new
 * connections over all ready pods; `publishNotReadyAddresses` lets peers resolve each
 * other while starting; an ordinal init step writes each pod's node id.
 */
import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { OrdinalStep, PetService } from '../src';

export function build(app: App): Chart {
  const chart = new Chart(app, 'websocket');
  const ws = new PetService(chart, 'ws', {
    namespace: 'default',
    image: 'jmalloc/echo-server:v0.3.7',
    containerName: 'websocket',
    replicas: 3,
    podManagementPolicy: kplus.PodManagementPolicy.PARALLEL,
    publishNotReadyAddresses: true,
    ports: [{ name: 'ws', port: 8080 }],
    envVariables: { PORT: kplus.EnvValue.fromValue('8080'), STATE_DIR: kplus.EnvValue.fromValue('/var/lib/ws') },
    claimTemplates: [{ name: 'state', size: Size.gibibytes(1), mountPath: '/var/lib/ws' }],
    readiness: kplus.Probe.fromTcpSocket({ port: 8080 }),
    readOnlyRootFilesystem: true,
    terminationGracePeriod: Duration.seconds(60), // let open connections drain
  });
  ws.addOrdinalInit({
    steps: [OrdinalStep.writeId({ path: '/etc/ws/node-id', prefix: 'ws-node-' })],
    outputPath: '/etc/ws',
    image: 'busybox:1.36',
  });
  ws.addClientService('client');
  return chart;
}

if (require.main === module) {
  const app = new App();
  build(app);
  app.synth();
}
