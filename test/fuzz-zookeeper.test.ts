import { fuzzSuite } from './util/fuzz';
import { coherentZooKeeper, statefulZooKeeperTarget, zookeeperPropsSpec } from './util/fuzz-targets';

fuzzSuite(statefulZooKeeperTarget, ['zk', 'zookeeper'], zookeeperPropsSpec, coherentZooKeeper);
