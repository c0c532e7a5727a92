// A tiny HTTP load generator run inside a pod (`node -e`): CONC loops, each one request after another for
// DURATION ms, a new TCP connection per request (so every request crosses the NAT rules, not only the
// first packet of a kept-alive connection). Prints {requests, errors, rps, p50Ms, p99Ms, maxMs, over200Ms}:
// the last two show a tail (a SYN retransmitted after 1 s) that p99 alone hides.
const http = require('node:http');
const [url, durationMs, conc] = [process.argv[1], Number(process.argv[2] || 5000), Number(process.argv[3] || 4)];
const lat = [];
let errors = 0;
const until = Date.now() + durationMs;
function once() {
  return new Promise((resolve) => {
    const t = process.hrtime.bigint();
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => {
        lat.push(Number(process.hrtime.bigint() - t) / 1e6);
        resolve();
      });
    });
    req.on('error', () => {
      errors++;
      resolve();
    });
  });
}
async function loop() {
  while (Date.now() < until) await once();
}
const started = Date.now();
Promise.all(Array.from({ length: conc }, loop)).then(() => {
  const s = lat.sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const secs = (Date.now() - started) / 1000;
  const over200Ms = s.filter((x) => x > 200).length;
  console.log(
    JSON.stringify({ requests: s.length, errors, rps: s.length / secs, p50Ms: q(0.5), p99Ms: q(0.99), maxMs: s[s.length - 1], over200Ms }),
  );
});
