// What every interop test file needs: its settings from the environment
// (set by the script that runs it) and the W3C id shapes.
'use strict';
const assert = require('node:assert/strict');

// env returns the variable `name`, failing the test with the script that
// sets it when it is unset.
function env(name, script = 'scripts/test_interop.sh') {
  const v = process.env[name];
  assert.ok(v, `${name} must be set (run ${script})`);
  return v;
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

module.exports = { env, HEX32, HEX16, TRACEPARENT };
