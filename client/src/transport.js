'use strict';

const wxp = require('./wx-promise');

// A lost answer to an idempotent request is safe to ask again; a POST might
// have done its work already (a spent SMS code, a created user), so it is not.
const IDEMPOTENT = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'];
// Waits before each retry after a network failure: short enough for a page,
// long enough for a flaky mobile link to come back.
const NETWORK_RETRY_DELAYS_MS = [300, 1000];

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isIdempotent(method) {
  return IDEMPOTENT.indexOf(method) !== -1;
}

/** Joins the base URL and a path; an absolute URL is taken as it is. */
function urlFor(baseUrl, url) {
  if (/^https?:\/\//i.test(url)) return url;
  return baseUrl.replace(/\/+$/, '') + (url.charAt(0) === '/' ? url : `/${url}`);
}

/**
 * Sends one HTTP request and resolves with {statusCode, data, header} for any
 * status; rejects with `network_error` only when no answer came, after the
 * retries an idempotent method gets.
 */
async function send(baseUrl, { url, method, data, header, token, noRetry }) {
  const verb = (method || 'GET').toUpperCase();
  const headers = Object.assign({}, header);
  if (token) headers.Authorization = `Bearer ${token}`;
  const options = { url: urlFor(baseUrl, url), method: verb, header: headers };
  if (data !== undefined) {
    // wx.request only promises to JSON-encode POST bodies: encode the rest
    // ourselves (a GET's data stays the query string wx.request makes of it).
    if (verb === 'GET' || typeof data === 'string') {
      options.data = data;
    } else {
      options.data = JSON.stringify(data);
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
        headers['content-type'] = 'application/json';
      }
    }
  }
  const delays = isIdempotent(verb) && !noRetry ? NETWORK_RETRY_DELAYS_MS : [];
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await wxp.request(options);
    } catch (err) {
      if (err.code !== 'network_error' || attempt >= delays.length) throw err;
      await sleep(delays[attempt]);
    }
  }
}

/**
 * Uploads a file as multipart `name` (wx.uploadFile) and resolves like send(),
 * the answer's text parsed as JSON when it is JSON. A POST: not retried.
 */
async function upload(baseUrl, { url, filePath, name, formData, token }) {
  const res = await wxp.uploadFile({
    url: urlFor(baseUrl, url),
    filePath,
    name,
    formData,
    header: token ? { Authorization: `Bearer ${token}` } : {},
  });
  let data = res.data;
  try {
    data = JSON.parse(res.data);
  } catch (_) {
    // not JSON (an API Gateway error page): the caller sees the text
  }
  return { statusCode: res.statusCode, data, header: res.header || {} };
}

module.exports = { send, upload, isIdempotent, urlFor, NETWORK_RETRY_DELAYS_MS };
