/** RegisterUser, RotateKeys, AssignRole, RevokeRole (DESIGN §6). */
import { usernameSkeleton } from '../../crypto/manifest.ts';
import { KEY } from '../keys.ts';
import { checkRole, read } from '../model.ts';
import type { AssignRoleBody, RegisterUserBody, RevokeRoleBody, RoleState, RotateKeysBody, UserState } from '../types.ts';
import { ASSIGNABLE_ROLES } from '../types.ts';
import { ACCEPTED, reject, type Rule, type Scope } from './scope.ts';
import { keyWrites } from '../identity.ts';

type KeyPair = { encSpki: string; encKeyId: string; sigSpki: string; sigKeyId: string };

/**
 * A key id belongs to one user for ever, so a wrap or signature naming it can
 * never be claimed by another, and a rotated-out key is never brought back.
 * Genesis reserves its admins' key ids under their names before they register,
 * and its nodes' key ids for good: a node's key is never a user's.
 */
function keysTaken(s: Scope, keys: KeyPair, reservedFor?: string): boolean {
  return [keys.sigKeyId, keys.encKeyId].some((id) => {
    if (read.nodeKey(s.state, id)) return true;
    const known = read.key(s.state, id);
    return known !== undefined && (reservedFor === undefined || known.username !== reservedFor);
  });
}

function writeKeys(s: Scope, username: string, keys: KeyPair): void {
  for (const [key, value] of keyWrites(username, keys, s.now, s.tx.hash)) s.state.set(key, value!);
}

/** Genesis names its admins with their keys; their RegisterUser must bring exactly those. */
function genesisKeysDiffer(s: Scope, body: RegisterUserBody): boolean {
  return ASSIGNABLE_ROLES.some((role) => {
    const reserved = read.role(s.state, body.username, role);
    return reserved !== undefined && (reserved.sigKeyId !== body.sigKeyId || reserved.encKeyId !== body.encKeyId);
  });
}

export const registerUser: Rule<RegisterUserBody> = (s, body) => {
  if (body.username !== s.actor) return reject('USERNAME_NOT_ACTOR');
  // Proof of possession of the sig key: the precheck verified the signature under header.keyId.
  if (s.tx.header.keyId !== body.sigKeyId) return reject('KEY_NOT_SIGNER');
  if (read.user(s.state, body.username)) return reject('USER_EXISTS');
  // No lookalikes (DESIGN §2): one name per skeleton; a genesis admin's skeleton is reserved for them.
  const holder = read.pointer(s.state, KEY.skeleton(usernameSkeleton(body.username)));
  if (holder !== undefined && holder !== body.username) return reject('USERNAME_LOOKALIKE');
  if (keysTaken(s, body, body.username)) return reject('KEY_ALREADY_REGISTERED');
  if (genesisKeysDiffer(s, body)) return reject('GENESIS_KEYS_MISMATCH');
  const user: UserState = { username: body.username, sigKeyId: body.sigKeyId, encKeyId: body.encKeyId, registeredAt: s.now, keysSince: s.now };
  s.state.set(KEY.user(body.username), user);
  s.state.set(KEY.skeleton(usernameSkeleton(body.username)), body.username);
  writeKeys(s, body.username, body);
  return ACCEPTED;
};

/**
 * Signed by the current sig key (checked by apply). The old keys stay under
 * `key/` for old wraps and signatures; roles keep naming the old ones until an
 * admin assigns the role again naming the new ones.
 */
export const rotateKeys: Rule<RotateKeysBody> = (s, body) => {
  if (keysTaken(s, body)) return reject('KEY_ALREADY_REGISTERED');
  const user = read.user(s.state, s.actor)!;
  s.state.set(KEY.user(s.actor), { ...user, sigKeyId: body.sigKeyId, encKeyId: body.encKeyId, keysSince: s.now });
  writeKeys(s, s.actor, body);
  return ACCEPTED;
};

/**
 * By an admin of the same organisation, naming the user's current key ids: the
 * admin vouches for those keys (patients encrypt for a doctor's key only when
 * an AssignRole names it). Assigning again after a revocation starts a new
 * term; re-assigning an active role (after a key rotation) keeps the term.
 */
export const assignRole: Rule<AssignRoleBody> = (s, body) => {
  const asAdmin = checkRole(s.state, s.actor, 'admin', 'ADMIN_REQUIRED', body.org);
  if (asAdmin) return reject(asAdmin);
  // Four eyes: nobody vouches for their own keys.
  if (body.username === s.actor) return reject('ROLE_SELF_ASSIGN');
  const user = read.user(s.state, body.username);
  if (!user) return reject('USER_UNKNOWN');
  if (user.sigKeyId !== body.sigKeyId || user.encKeyId !== body.encKeyId) return reject('ROLE_KEYS_NOT_CURRENT');
  const held = read.role(s.state, body.username, body.role);
  if (held?.active && held.org !== body.org) return reject('ROLE_HELD_IN_OTHER_ORG');
  if (held?.active && held.sigKeyId === body.sigKeyId && held.encKeyId === body.encKeyId) return reject('ROLE_ALREADY_ASSIGNED');
  const term = held === undefined ? 1 : held.active ? held.term : held.term + 1;
  const role: RoleState = {
    username: body.username, role: body.role, org: body.org, sigKeyId: body.sigKeyId, encKeyId: body.encKeyId,
    term, active: true, assignedBy: s.actor, since: s.now,
  };
  s.state.set(KEY.role(body.username, body.role), role);
  return ACCEPTED;
};

/** Ends the role's term: grants and requests made in it are void for good. */
export const revokeRole: Rule<RevokeRoleBody> = (s, body) => {
  const asAdmin = checkRole(s.state, s.actor, 'admin', 'ADMIN_REQUIRED', body.org);
  if (asAdmin) return reject(asAdmin);
  const held = read.role(s.state, body.username, body.role);
  if (!held || !held.active || held.org !== body.org) return reject('ROLE_NOT_HELD');
  s.state.set(KEY.role(body.username, body.role), { ...held, active: false, since: s.now });
  return ACCEPTED;
};
