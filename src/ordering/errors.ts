import { defineErrors } from '../crypto/errors.ts';

export const ORDERING_ERRORS = defineErrors({
  ORDERING_OVERLOADED: 'the ordering queue is full; retry later',
  ORDERING_CLOSED: 'the orderer is closed',
  ORDERING_ITEM_INVALID: 'an ordering item must be non-empty bytes',
  ORDERING_ARGUMENT_INVALID: 'an orderer option is out of range',
  ORDERING_COMPACTED: 'the batches after this position are no longer held by the orderer; catch up from a peer',
});
export type OrderingErrorCode = keyof typeof ORDERING_ERRORS.registry;
export const orderingError = ORDERING_ERRORS.make;
