import { unitTestConfig } from '@rockpool/vitest-config';

// The tests run the real openssl CLI (key generation, signing, PKCS#12).
export default unitTestConfig({ slow: true });
