'use strict';

// Starts the real local server (wxauth-dev) for a test file: its own port
// (--port 0) and a fresh data directory, so files run in parallel.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const BIN = process.env.WXAUTH_DEV_BIN || path.resolve(__dirname, '../../../target/debug/wxauth-dev');
const READY = /wxauth-dev listening on (http:\/\/\S+)/;

/**
 * Resolves with { url, wechat, dataDir, stop() } once the server prints its
 * URL; `wechat` is where it serves its WeChat simulator.
 * `env`: settings for this server (e.g. { REGISTRATION: 'phone_required' }).
 */
function startServer(env = {}) {
  if (!fs.existsSync(BIN)) {
    throw new Error(`wxauth-dev not found at ${BIN}: build it (cargo build -p wxauth-dev) or set WXAUTH_DEV_BIN`);
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxauth-sdk-'));
  // Only the basics of our environment: a WECHAT_SECRET from the shell
  // would point the server at the real WeChat instead of its simulator.
  const base = { PATH: process.env.PATH, HOME: process.env.HOME, RUST_LOG: 'warn' };
  const child = spawn(BIN, ['--port', '0', '--data-dir', dataDir], {
    env: Object.assign(base, env),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`wxauth-dev did not start within 20 s:\n${log}`));
    }, 20000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const ready = READY.exec(log);
      if (ready && timer) {
        clearTimeout(timer);
        resolve({
          url: ready[1],
          wechat: `${ready[1]}/wechat-sim`,
          dataDir,
          log: () => log,
          stop: () => stop(child, dataDir),
        });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`wxauth-dev exited with ${code}:\n${log}`));
    });
  });
}

function stop(child, dataDir) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
  }).then(() => fs.rmSync(dataDir, { recursive: true, force: true }));
}

module.exports = { startServer };
