import { fuzzSuite } from './util/fuzz';
import { coherentMySql, mysqlPropsSpec, statefulMySqlTarget } from './util/fuzz-targets';

fuzzSuite(statefulMySqlTarget, ['mysql', 'db'], mysqlPropsSpec, coherentMySql);
