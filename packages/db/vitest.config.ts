import { unitTestConfig } from '@rockpool/vitest-config';

export default unitTestConfig({ slow: true });
