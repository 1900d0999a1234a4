import { unitTestConfig } from '@rockpool/vitest-config';

// Unit tests of the parsing and reporting only: the benchmarks themselves never run under `test`.
export default unitTestConfig();
