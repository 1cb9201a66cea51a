'use strict';

/**
 * Wraps an async function so that callers arriving while a call is in flight
 * share it instead of starting another: one login, one refresh at a time.
 */
function singleFlight(fn) {
  let pending = null;
  return function shared() {
    if (!pending) {
      pending = Promise.resolve()
        .then(fn)
        .finally(() => {
          pending = null;
        });
    }
    return pending;
  };
}

module.exports = { singleFlight };
