/**
 * Errors as HTTP answers (STYLE §4–6): every error leaves as `{code, message}`
 * with the status its code has in protocol's table. Messages are the
 * registries' own texts with ids, sizes and field names, never a request's
 * content; Fastify's and the plugins' errors are turned into our codes here,
 * and anything else is a generic 500 whose details go to the log without the
 * message (it could quote input).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { API_ERRORS, ERROR_STATUS, RETRY_AFTER_CODES, isErrorCode, type ApiErrorCode, type ErrorBody, type ErrorCode } from '../protocol/index.ts';
import { defineErrors, isDhlError, type DhlError } from './node-port.ts';

const API = defineErrors(Object.fromEntries(Object.entries(API_ERRORS).map(([code, e]) => [code, e.message])) as Record<ApiErrorCode, string>);

/** An api-layer error; details name fields, ids and sizes only. */
export function apiError(code: ApiErrorCode, details: Record<string, string | number | boolean> = {}): DhlError<ApiErrorCode> {
  return API.make(code, details);
}

/** Seconds a client should wait before retrying an overloaded or rate-limited request. */
const RETRY_AFTER_SECONDS = 1;

/** Fastify's own error codes (and @fastify/rate-limit's) as ours. */
function frameworkCode(err: FastifyError): ErrorCode | undefined {
  if (err.validation) return 'REQUEST_INVALID';
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'MEDIA_TYPE_UNSUPPORTED';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'REQUEST_TOO_LARGE';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'REQUEST_NOT_JSON';
    case 'RATE_LIMITED':
      return 'RATE_LIMITED';
  }
  // The JSON parser's SyntaxError (also prototype poisoning) carries statusCode 400.
  if (err instanceof SyntaxError && err.statusCode === 400) return 'REQUEST_NOT_JSON';
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) return err.statusCode === 413 ? 'REQUEST_TOO_LARGE' : 'REQUEST_INVALID';
  return undefined;
}

/** The answer for a validation failure names the place and the rule, never the value. */
function validationMessage(err: FastifyError): string {
  const first = err.validation?.[0];
  const where = `${err.validationContext ?? 'request'}${first?.instancePath ?? ''}`;
  return `${API_ERRORS.REQUEST_INVALID.message} (${where}: ${first?.keyword ?? 'invalid'})`;
}

export function errorAnswer(err: unknown): { status: number; body: ErrorBody } {
  if (isDhlError(err) && isErrorCode(err.code)) return { status: ERROR_STATUS[err.code], body: { code: err.code, message: err.message } };
  const fastifyErr = err as FastifyError;
  const code = typeof fastifyErr === 'object' && fastifyErr !== null ? frameworkCode(fastifyErr) : undefined;
  if (code === 'REQUEST_INVALID' && fastifyErr.validation) return { status: 400, body: { code, message: validationMessage(fastifyErr) } };
  if (code) return { status: ERROR_STATUS[code], body: { code, message: API_ERRORS[code as ApiErrorCode]?.message ?? code } };
  return { status: 500, body: { code: 'INTERNAL', message: API_ERRORS.INTERNAL.message } };
}

/** Fastify's error handler: the answer, Retry-After where retrying helps, and a log line for the node's own faults. */
export function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = errorAnswer(err);
  if (status >= 500 && body.code === 'INTERNAL') {
    const e = err as Error;
    // The first stack line repeats the message, which may quote input: log the frames only.
    request.log.error({ errName: e?.name, errCode: (e as { code?: unknown })?.code, frames: String(e?.stack ?? '').split('\n').slice(1, 8).join('\n') }, 'internal error');
  }
  if (RETRY_AFTER_CODES.includes(body.code) && !reply.hasHeader('retry-after')) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  reply.code(status).send(body);
}
