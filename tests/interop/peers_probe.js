'use strict';
// Prints what each OpenTelemetry peer (Go, Java, Python, JS) does with edge
// cases of W3C Trace Context received over gRPC — the facts behind
// "Where the peers depart from W3C" in README.md. Not a test: it asserts
// nothing about the peers (peers.test.js checks our side against the spec).
// Each case is sent by relay_client to the peer, which forwards to a C++
// relay; the C++ hop reports what the peer sent on.
//
//   PROBE=1 scripts/test_peers.sh      # starts the relays, runs this

const { execFile } = require('node:child_process');
const { startNodeRelay } = require('./node_relay');

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const P = '00f067aa0ba902b7';
const TP = `00-${T}-${P}-01`;
const many = Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',');
const CASES = [
  ['two traceparent values', [TP, `00-${'a'.repeat(32)}-b7ad6b7169203331-01`]],
  ['uppercase hex', [TP.toUpperCase()]],
  ['version 00 + extra field', [`${TP}-x`]],
  ['version cc + extra field, flags 09', [`cc-${T}-${P}-09-x`]],
  ['version ff', [`ff-${T}-${P}-01`]],
  ['all-zero trace id', [`00-${'0'.repeat(32)}-${P}-01`]],
  ['all-zero parent id', [`00-${T}-${'0'.repeat(16)}-01`]],
  ['flags 03 (Level 2 random)', [`00-${T}-${P}-03`]],
  ['flags ff', [`00-${T}-${P}-ff`]],
  ['leading space', [` ${TP}`]],
  ['tracestate with an invalid member', [TP], 'a=1,Bad Key=2,b=3'],
  ['tracestate with a duplicate key', [TP], 'a=1,b=2,a=3'],
  ['tracestate with 33 members', [TP], many],
  ['tracestate with an invalid traceparent', [TP.toUpperCase()], 'a=1'],
];

function relay(client, route, tps, ts) {
  const args = ['--json', '--route', route.join(','), '--traceparent', tps.join(',')];
  if (ts) args.push('--tracestate', ts);
  return new Promise((resolve) => {
    execFile(client, args, { timeout: 30000 }, (err, stdout, stderr) =>
      resolve(err ? { error: (stderr || err.message).trim().split('\n').pop() } :
        JSON.parse(stdout)));
  });
}

(async () => {
  const client = process.env.TRACEPROP_RELAY_CLIENT;
  const cpp = process.env.TRACEPROP_CPP_SYNC;
  const js = await startNodeRelay('js');
  const peers = { Go: process.env.TRACEPROP_GO, Java: process.env.TRACEPROP_JAVA,
    Python: process.env.TRACEPROP_PYTHON, JavaScript: js.address };
  for (const [what, tps, ts] of CASES) {
    console.log(`${what}: traceparent ${JSON.stringify(tps.join(','))}` +
      `${ts ? ` tracestate ${JSON.stringify(ts.length > 40 ? `${ts.slice(0, 37)}...` : ts)}` : ''}`);
    for (const [lang, addr] of Object.entries(peers)) {
      const out = await relay(client, [addr, cpp], tps, ts);
      if (out.error) {
        console.log(`  ${lang.padEnd(10)} call failed: ${out.error}`);
        continue;
      }
      const [p, c] = out.hops;
      const got = p.parent_span_id ? `continued ${p.trace_id.slice(0, 8)}…/${p.parent_span_id}` :
        'restarted';
      console.log(`  ${lang.padEnd(10)} ${got}; sent ${c.traceparent}` +
        `${c.tracestate ? ` tracestate ${JSON.stringify(c.tracestate.length > 40 ?
          `${c.tracestate.slice(0, 37)}...` : c.tracestate)}` : ''}`);
    }
  }
  await js.close();
})();
