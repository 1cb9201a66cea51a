'use strict';

/** The few events the SDK tells the app about: 'login', 'logout', 'sessionEnded'. */
class Emitter {
  constructor(names) {
    this.listeners = {};
    for (const name of names) this.listeners[name] = [];
  }

  on(name, listener) {
    if (!this.listeners[name]) throw new TypeError(`unknown event ${name}`);
    this.listeners[name].push(listener);
    return () => {
      this.listeners[name] = this.listeners[name].filter((l) => l !== listener);
    };
  }

  emit(name, payload) {
    for (const listener of this.listeners[name].slice()) {
      try {
        listener(payload);
      } catch (err) {
        // A page's listener must not break the SDK's own flow.
        console.error(`wxauth: a '${name}' listener threw`, err && err.message);
      }
    }
  }
}

module.exports = { Emitter };
