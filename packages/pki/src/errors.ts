/** A failure of the PKI tools or a bad certificate file, with a code the CLI and the API can act on. */
export class PkiError extends Error {
  constructor(
    readonly code:
      | 'openssl_failed'
      | 'wrong_p12_password'
      | 'invalid_client_name'
      | 'invalid_p12_password'
      | 'certificate_unreadable'
      | 'certificate_expired'
      | 'certificate_key_mismatch'
      | 'certificate_not_wildcard'
      | 'invalid_domain',
    message: string,
  ) {
    super(message);
    this.name = 'PkiError';
  }
}
