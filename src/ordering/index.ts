/** ordering/: the order of batches (DESIGN §7). `solo` now; `etcd` later behind the same interface. */
export { SoloOrderer } from './solo.ts';
export type { SoloOptions } from './solo.ts';
export { ORDERING_ERRORS, orderingError } from './errors.ts';
export type { OrderingErrorCode } from './errors.ts';
export { systemClock } from './types.ts';
export type { Orderer, OrderedBatch, Clock } from './types.ts';
