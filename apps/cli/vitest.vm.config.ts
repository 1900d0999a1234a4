import { vmTestConfig } from '@rockpool/vitest-config';

export default vmTestConfig();
