/**
 * protocol/: the HTTP API's contract (DESIGN §3, §9), pure and shared by the
 * server and its clients: the route table, the TypeBox schemas of every body,
 * path parameter, query string and answer, and the error table (every code of every layer with its HTTP status).
 */
export { API_ERRORS, ERROR_STATUS, RETRY_AFTER_CODES, isErrorCode, isErrorBody, statusOf } from './errors.ts';
export type { ApiErrorCode, ErrorCode, ErrorBody } from './errors.ts';
export * from './schemas.ts';
export * from './schemas-reads.ts';
export { ROUTES, openApiPath, pathParams, urlOf } from './routes.ts';
export type { RouteSpec, RouteName, Auth, Tag, BodyOf, AnswerOf, RequestOf, ParamsOf, QueryOf } from './routes.ts';
export * from './files.ts';
