import { fuzzSuite } from './util/fuzz';
import { coherentRedis, redisPropsSpec, statefulRedisTarget } from './util/fuzz-targets';

fuzzSuite(statefulRedisTarget, ['redis', 'cache'], redisPropsSpec, coherentRedis);
