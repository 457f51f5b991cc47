/**
 * The state key scheme. Each namespace has a fixed sequence of parts, each
 * either a username or org (`[a-z0-9._-]`, no "/"), a lowercase hex id, or a
 * decimal version, so no key of one namespace can be read as another.
 */
export const KEY = Object.freeze({
  /** UserState */
  user: (username: string) => `user/${username}`,
  /** The username holding a skeleton (the name without separators): no two registered names are lookalikes. */
  skeleton: (skeleton: string) => `skeleton/${skeleton}`,
  /** KeyState: every key ever registered, current or rotated out (old wraps still name them). */
  key: (keyId: string) => `key/${keyId}`,
  /** RoleState, role ∈ doctor | admin */
  role: (username: string, role: string) => `role/${username}/${role}`,
  /** NodeKeyState: a node's sig key id, from genesis, so no user can register it as theirs */
  nodeKey: (keyId: string) => `node-key/${keyId}`,
  /** OrgState, from genesis */
  org: (org: string) => `org/${org}`,
  /** RecordState */
  record: (recordId: string) => `record/${recordId}`,
  /** VersionState: manifest and its signature */
  version: (recordId: string, version: number) => `version/${recordId}/${version}`,
  /**
   * WrapState: the DEK of one version wrapped for one user (the value names the
   * enc key, which may be one the user has since rotated out: the vault keeps it).
   * Keyed by user, not key id, so "is this version wrapped for one of X's keys" is one read.
   */
  wrapFor: (recordId: string, version: number, username: string) => `wrap/${recordId}/${version}/${username}`,
  /** ChartState: how many records a patient has */
  chart: (patient: string) => `chart/${patient}`,
  /** recordId of the patient's i-th record (0-based, in order of AddRecord) */
  chartEntry: (patient: string, index: number) => `chart/${patient}/${index}`,
  /** GrantState: read grant on one record */
  grant: (recordId: string, grantee: string) => `grant/${recordId}/${grantee}`,
  /** ContributeState: the patient lets this doctor add records to the chart */
  contribute: (patient: string, grantee: string) => `contribute/${patient}/${grantee}`,
  /** RequestState, by the hash of its RequestAccess */
  request: (requestId: string) => `request/${requestId}`,
  /** requestId of the doctor's request naming this record */
  pending: (doctor: string, recordId: string) => `pending/${doctor}/${recordId}`,
  /** requestId of the doctor's request for all of the patient's records */
  pendingAll: (doctor: string, patient: string) => `pending-all/${doctor}/${patient}`,
  /** notAfter of a used (actor, nonce) pair, until pruned (nonces.ts) */
  nonce: (actor: string, nonce: string) => `nonce/${actor}/${nonce}`,
  /** `{count, pruned, offset}`: groups in expiry bucket b, how many are forgotten, and how far the next one is (nonces.ts) */
  nonceBucket: (bucket: number) => `nonce-expiry/${bucket}`,
  /** `["<actor>/<nonce>", …]`: the i-th group of bucket b, the nonces of one block */
  nonceExpiry: (bucket: number, index: number) => `nonce-expiry/${bucket}/${index}`,
  /** `[b, …]`: the expiry buckets holding groups, ascending */
  nonceBuckets: () => 'nonce-buckets',
});
