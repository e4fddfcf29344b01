import { openTestDatabase } from "../../db/testing";
import { findServer, listServersIn, updateServer } from "../../db/queries/servers";
const h = await openTestDatabase("pglite");
for (const n of [200, 1000]) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < n; i++) await listServersIn(h.db, ["running", "failed"]);
  const c = process.cpuUsage(c0);
  console.log("listServersIn", n, ((performance.now() - t0) / n).toFixed(3), "ms/q wall", ((c.user + c.system) / 1000 / n).toFixed(3), "ms/q cpu");
}
const c0 = process.cpuUsage(); const t0 = performance.now();
for (let i = 0; i < 500; i++) await findServer(h.db, "x", "y");
const c = process.cpuUsage(c0);
console.log("findServer", ((performance.now() - t0) / 500).toFixed(3), ((c.user + c.system) / 1000 / 500).toFixed(3));
await h.close();
