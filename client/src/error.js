'use strict';

/**
 * Every failure of the SDK. `code` is wxauth's error code (docs/api.md,
 * "Errors") or one of the SDK's own: `network_error`, `user_denied`,
 * `not_registered`, `bad_response`, `throttled` (API Gateway's own 429, which
 * carries no wxauth code: the route's limits in template.yaml). `status` is the HTTP status (0 when no
 * answer came). `retryAfter` is the answer's `Retry-After` in seconds, or null.
 * `requestId` is wxauth's id of the request (its logs carry it), or null when
 * wxauth did not answer: report it with a bug, search the logs for it.
 */
class WxauthError extends Error {
  constructor(code, message, status, retryAfter, requestId) {
    super(message || code);
    this.name = 'WxauthError';
    this.code = code;
    this.status = status || 0;
    this.retryAfter = retryAfter == null ? null : retryAfter;
    this.requestId = requestId || null;
  }
}

/** Header lookup that ignores case: wx.request keeps the server's spelling. */
function headerValue(header, name) {
  if (!header) return undefined;
  const wanted = name.toLowerCase();
  for (const key of Object.keys(header)) {
    if (key.toLowerCase() === wanted) return header[key];
  }
  return undefined;
}

/** The `error.code` of a wxauth answer, or undefined (API Gateway's own 401/403 have none). */
function errorCodeOf(res) {
  const data = res && res.data;
  return data && typeof data === 'object' && data.error && typeof data.error.code === 'string'
    ? data.error.code
    : undefined;
}

/** The code of an answer without a wxauth code: API Gateway's 429 is its throttling. */
function codeOfBareAnswer(status) {
  return status === 429 ? 'throttled' : `http_${status}`;
}

/** A WxauthError for a non-2xx answer, keeping the server's code and message. */
function errorFromResponse(res) {
  const error = res.data && typeof res.data === 'object' ? res.data.error : undefined;
  const retry = Number(headerValue(res.header, 'Retry-After'));
  return new WxauthError(
    errorCodeOf(res) || codeOfBareAnswer(res.statusCode),
    (error && error.message) || `HTTP ${res.statusCode}`,
    res.statusCode,
    Number.isFinite(retry) ? retry : null,
    error && typeof error.requestId === 'string' ? error.requestId : null,
  );
}

module.exports = { WxauthError, errorFromResponse, errorCodeOf, headerValue };
