import { fuzzSuite } from './util/fuzz';
import { coherentPet, petPropsSpec, petServiceTarget } from './util/fuzz-targets';

fuzzSuite(petServiceTarget, ['web', 'db', 'Pets'], petPropsSpec, coherentPet);
