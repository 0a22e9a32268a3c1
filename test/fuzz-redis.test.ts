import * as fc from 'fast-check';
import { fuzz, FUZZ_RUNS, fuzzValid, validRecord } from './util/fuzz';
import { coherentRedis, redisPropsSpec, statefulRedisTarget } from './util/fuzz-targets';

test(`StatefulRedis: ${FUZZ_RUNS} generated props cases are each rejected with a prop error or synthesize valid, restricted, data-safe manifests`, () => {
  const stats = fuzz(statefulRedisTarget);
  if (process.env.FUZZ_REPORT) console.log(JSON.stringify(stats));
  expect(stats.failures).toBe(0);
  expect(stats.cases).toBe(FUZZ_RUNS);
  expect(stats.accepted).toBeGreaterThan(FUZZ_RUNS / 20);
  expect(stats.rejected).toBeGreaterThan(FUZZ_RUNS / 20);
});

test('StatefulRedis: valid props that agree with each other are all accepted (no over-strict validation)', () => {
  const arbitrary = fc.record({ id: fc.constantFrom('redis', 'cache'), props: validRecord(redisPropsSpec).map(coherentRedis) });
  expect(fuzzValid(statefulRedisTarget, arbitrary)).toBeGreaterThanOrEqual(100);
});
