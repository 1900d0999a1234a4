/** What is wrong with an edge security setting; `code` says which kind of problem. */
export class EdgeConfigError extends Error {
  constructor(
    readonly code:
      | 'invalid_ip_range'
      | 'invalid_access_mode'
      | 'invalid_tls_mode'
      | 'invalid_tls_settings'
      | 'invalid_workspace_domain',
    message: string,
  ) {
    super(message);
    this.name = 'EdgeConfigError';
  }
}
