'use strict';

// Runs the example mini-program's app and pages in Node, with the wx stand-in:
// the App/Page/getApp globals of the mini-program engine, and a setData that
// merges into page.data as the engine does (without rendering).
const Module = require('node:module');
const path = require('node:path');

const EXAMPLE = path.resolve(__dirname, '../../../examples/miniprogram');
const SDK = path.resolve(__dirname, '../../src/index.js');

// 构建 npm puts this package where the example's require('wxauth-miniprogram')
// finds it; in Node the example has no node_modules, so point the name here.
const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveSdk(request, ...rest) {
  return request === 'wxauth-miniprogram' ? SDK : resolve.call(this, request, ...rest);
};

/** Loads the example's own module fresh (its state must not leak between tests). */
function fresh(relative) {
  const file = path.join(EXAMPLE, relative);
  delete require.cache[require.resolve(file)];
  return require(file);
}

function instantiate(definition) {
  const instance = {};
  for (const [key, value] of Object.entries(definition)) {
    instance[key] = typeof value === 'function' ? value.bind(instance) : value;
  }
  instance.data = structuredClone(definition.data || {});
  instance.setData = (patch) => Object.assign(instance.data, patch);
  return instance;
}

/** Launches the example app against `baseUrl` on the installed device. */
function launchApp(baseUrl) {
  fresh('config.js').baseUrl = baseUrl;
  let definition = null;
  global.App = (d) => {
    definition = d;
  };
  fresh('app.js');
  const app = instantiate(definition);
  global.getApp = () => app;
  app.onLaunch();
  return {
    app,
    /** Opens a page (e.g. 'pages/account/account'), running onLoad and onShow to completion. */
    async open(route) {
      let page = null;
      global.Page = (d) => {
        page = d;
      };
      fresh(`${route}.js`);
      const instance = instantiate(page);
      if (instance.onLoad) await instance.onLoad({});
      if (instance.onShow) await instance.onShow();
      return instance;
    },
  };
}

module.exports = { launchApp, EXAMPLE };
