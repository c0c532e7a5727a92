// A tiny HTTP load generator run inside the client pod (`node -e SCRIPT CONFIG`), CONFIG a JSON object:
//   {paths: [{name, url}], rounds, sliceMs, conc, keepAlive}
// Each round runs every path for one slice of sliceMs, the order rotated every round (A B C, B C A, C A B),
// so a machine whose load changes from second to second weighs on all paths alike. In a slice, conc loops
// send one request after another: with keepAlive false a new TCP connection per request (every request
// crosses the NAT rules, not only the first packet of a kept-alive connection), else one kept-alive
// connection per loop. Prints one JSON object: per path {requests, errors, secs, rps, p50Ms, p99Ms, maxMs,
// over200Ms, synRetrans, machineBusy} and per round each path's requests/s. over200Ms and synRetrans show a
// tail (a SYN retransmitted after 1 s) that p99 alone hides; synRetrans is this pod's TcpExt counter over
// the path's slices; machineBusy the share of the machine's CPU time (all cores, /proc/stat is not per
// container) that was not idle during them.
const http = require('node:http');
const { readFileSync } = require('node:fs');
const config = JSON.parse(process.argv[1]);
const { paths, rounds, sliceMs, conc, keepAlive } = config;

/** TcpExt TCPSynRetrans of this network namespace. */
function synRetrans() {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const names = lines.find((l) => l.startsWith('TcpExt:')).split(/\s+/);
  const values = lines.filter((l) => l.startsWith('TcpExt:'))[1].split(/\s+/);
  return Number(values[names.indexOf('TCPSynRetrans')]);
}
/** Busy and total jiffies of the whole machine. */
function cpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total };
}

function slice(url, ms, agents) {
  const lat = [];
  let errors = 0;
  const until = Date.now() + ms;
  const once = (agent) =>
    new Promise((resolve) => {
      const t = process.hrtime.bigint();
      const req = http.get(url, { agent }, (res) => {
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
  const loop = async (agent) => {
    while (Date.now() < until) await once(agent);
  };
  const started = process.hrtime.bigint();
  return Promise.all(agents.map(loop)).then(() => ({ lat, errors, secs: Number(process.hrtime.bigint() - started) / 1e9 }));
}

async function main() {
  const total = Object.fromEntries(paths.map((p) => [p.name, { lat: [], errors: 0, secs: 0, synRetrans: 0, busy: 0, jiffies: 0 }]));
  const perRound = [];
  // keepAlive: one agent (one connection) per loop and path, kept over the rounds; else a new one per request.
  const agents = Object.fromEntries(
    paths.map((p) => [
      p.name,
      Array.from({ length: conc }, () => (keepAlive ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : false)),
    ]),
  );
  for (let r = 0; r < rounds; r++) {
    const order = paths.map((_, i) => paths[(i + r) % paths.length]);
    const row = {};
    for (const p of order) {
      const s0 = synRetrans();
      const c0 = cpu();
      const s = await slice(p.url, sliceMs, agents[p.name]);
      const c1 = cpu();
      const t = total[p.name];
      t.lat.push(...s.lat);
      t.errors += s.errors;
      t.secs += s.secs;
      t.synRetrans += synRetrans() - s0;
      t.busy += c1.busy - c0.busy;
      t.jiffies += c1.total - c0.total;
      row[p.name] = Math.round(s.lat.length / s.secs);
    }
    perRound.push(row);
  }
  for (const list of Object.values(agents)) for (const a of list) if (a) a.destroy();
  const out = { paths: {}, rounds: perRound };
  for (const [name, t] of Object.entries(total)) {
    const s = t.lat.sort((a, b) => a - b);
    const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
    out.paths[name] = {
      requests: s.length,
      errors: t.errors,
      secs: t.secs,
      rps: s.length / t.secs,
      p50Ms: q(0.5),
      p99Ms: q(0.99),
      maxMs: s[s.length - 1],
      over200Ms: s.filter((x) => x > 200).length,
      synRetrans: t.synRetrans,
      machineBusy: t.jiffies ? t.busy / t.jiffies : 0,
    };
  }
  console.log(JSON.stringify(out));
}
main();
