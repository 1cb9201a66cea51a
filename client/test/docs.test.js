'use strict';

// Every error code of the server's catalogue (docs/api.md, "Errors") is
// documented in the package's README (both languages) and in its typings.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const read = (relative) => fs.readFileSync(path.resolve(__dirname, relative), 'utf8');

function serverCodes() {
  const api = read('../../docs/api.md');
  const table = api.slice(api.indexOf('## Errors'));
  const codes = [...table.matchAll(/^\| `([a-z_]+)` \| \d{3} \|/gm)].map((m) => m[1]);
  assert.ok(codes.length > 30, `found only ${codes.length} codes in docs/api.md`);
  return codes;
}

const SDK_CODES = ['network_error', 'user_denied', 'not_registered', 'bad_environment', 'throttled'];

test('the README documents every error code, in English and in Chinese', () => {
  const readme = read('../README.md');
  const chinese = readme.indexOf('## 中文说明');
  for (const code of [...serverCodes(), ...SDK_CODES]) {
    const english = readme.slice(0, chinese).includes(`\`${code}\``);
    const zh = readme.slice(chinese).includes(`\`${code}\``);
    assert.ok(english && zh, `${code}: English ${english}, 中文 ${zh}`);
  }
});

test('the typings name every error code', () => {
  const typings = read('../index.d.ts');
  for (const code of [...serverCodes(), ...SDK_CODES]) {
    assert.ok(typings.includes(`'${code}'`), code);
  }
});

test('the README documents every method of the client', () => {
  const readme = read('../README.md');
  const { createWxauth } = require('../src');
  global.wx = { getStorageSync: () => '' };
  const methods = Object.keys(createWxauth({ baseUrl: 'http://localhost' }));
  delete global.wx;
  for (const method of methods) {
    assert.ok(readme.includes(`auth.${method}(`), `auth.${method}`);
    assert.ok(readme.includes(`| \`${method}(`), `中文 ${method}`);
  }
});
