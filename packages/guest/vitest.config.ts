import { unitTestConfig } from '@rockpool/vitest-config';

// The tests start real processes (the gate as the guest runs it): the slow timeouts.
export default unitTestConfig({ slow: true });
