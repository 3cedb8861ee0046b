// The API's one error shape: {"error": {"code", "message", "path"?}} with a 4xx for anything a client
// can send and 500 only for our own faults. Zod issues become 400s naming the first bad field's path.
import type { ZodError } from 'zod';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

export interface ErrorBody {
  error: { code: string; message: string; path?: string };
}

export function errorBody(code: string, message: string, path?: string): ErrorBody {
  return { error: { code, message, ...(path ? { path } : {}) } };
}

/** A 400 for the first issue of a failed parse; `where` is body, query or params. */
export function invalid(where: string, error: ZodError): ApiError {
  const issue = error.issues[0];
  // An unknown key's issue has the object's path; name the key itself, so the client sees which one.
  const unknown = issue?.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [];
  const path = [where, ...(issue?.path ?? []).map(String), ...unknown].join('.');
  return new ApiError(400, 'invalid_request', issue ? `${path}: ${issue.message}` : `invalid ${where}`, path);
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
