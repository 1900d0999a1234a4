export {
  type CertificateRequirements,
  type CertificateSummary,
  checkCertificateFiles,
  coversSubdomainsOf,
} from './certificate-files.js';
export {
  type ClientCa,
  type ClientCertificateOptions,
  clientCaFiles,
  ensureClientCa,
  issueClientCertificate,
  MIN_P12_PASSWORD_LENGTH,
  openP12,
  type P12Contents,
  p12PasswordProblem,
  writeClientCertificate,
} from './client-certs.js';
export { PkiError } from './errors.js';
export { type CaSignedRequest, createCaSigned, createSelfSigned, type SelfSignedRequest } from './openssl.js';
export {
  generateSelfSignedServerCertificate,
  type HostIdentities,
  hostIdentities,
  type SelfSignedCertificate,
} from './server-cert.js';
