/** ordering/: the order of batches (DESIGN §7). `solo` now; `etcd` later behind the same interface. */
export { SoloLog, SoloOrderer, soloOrderer } from './solo.ts';
export type { SoloLogOptions, SoloOptions } from './solo.ts';
export { ORDERING_ERRORS, orderingError } from './errors.ts';
export type { OrderingErrorCode } from './errors.ts';
export { systemClock } from './types.ts';
export type { Clock, OrderedBatch, Orderer, OrdererFactory, OrdererStart } from './types.ts';
