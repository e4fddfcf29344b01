/**
 * npm run bench:spawn — start→ready through Atrium's lifecycle (quota transaction, spawner, readiness
 * poll) against a raw `docker run` → Jupyter answers, same image, same run. One at a time, then 20 at once.
 * Prints p50/p95 and the ratio; target ≤ 1.10 × raw and 20/20 ready.
 */
import { randomBytes } from "node:crypto";
import { insertUser, updateUser } from "../../db/queries/users";
import { findServer } from "../../db/queries/servers";
import { openTestDatabase } from "../../db/testing";
import { DockerSpawner } from "../../lib/spawner";
import { TEST_IMAGE } from "../../lib/spawner/testing";
import { waitForJupyter } from "../../lib/workspaces/readiness";
import { startServer } from "../../lib/workspaces/start";
import { stopServer } from "../../lib/workspaces/stop";

const SERIAL = Number(process.env.BENCH_SERIAL ?? 5);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 20);
const spawner = new DockerSpawner();
const docker = spawner.docker;
const run = Date.now().toString(36);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function rawStart(i: number): Promise<number> {
  const name = `bench-raw-${run}-${i}`;
  const token = randomBytes(16).toString("hex");
  const t0 = performance.now();
  const c = await docker.createContainer({
    name,
    Image: TEST_IMAGE,
    Env: [`JUPYTER_TOKEN=${token}`, "JUPYTER_BASE_URL=/b/"],
    HostConfig: { PortBindings: { "8888/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] }, NanoCpus: 1e9, Memory: 1024 ** 3, Init: true },
    ExposedPorts: { "8888/tcp": {} },
  });
  await c.start();
  const port = (await c.inspect()).NetworkSettings.Ports["8888/tcp"]?.[0]?.HostPort;
  const ok = await waitForJupyter(`http://127.0.0.1:${port}`, "/b/", token, Date.now() + 120_000);
  const ms = performance.now() - t0;
  await c.remove({ force: true });
  if (!ok) throw new Error("raw container never answered");
  return ms;
}

async function main() {
  if (!(await spawner.ping())) throw new Error("the Docker engine is not reachable (scripts/ensure-docker.sh)");
  const handle = await openTestDatabase("pglite");
  const db = handle.db;
  const user = `bench-${run}`;
  await insertUser(db, { name: user, role: "admin", roleSource: "admin" });
  await updateUser(db, user, { limits: { maxServers: 100, maxTotalCpu: 500, maxTotalMemGb: 500 } });
  const me = { name: user, role: "admin", admin: true, via: "token" as const };

  async function atriumStart(i: number): Promise<number> {
    const server = `b${i}`;
    const t0 = performance.now();
    await startServer(db, spawner, me, user, server, { environment: "python", cpu: 1, memGb: 1 });
    for (;;) {
      const row = await findServer(db, user, server);
      if (row?.status === "running") break;
      if (row?.status === "failed") throw new Error(`failed: ${row.reason}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const ms = performance.now() - t0;
    await stopServer(db, spawner, me, user, server, { wait: true });
    return ms;
  }

  await rawStart(-1); // warm the image's page cache
  const raw: number[] = [];
  const atrium: number[] = [];
  for (let i = 0; i < SERIAL; i++) {
    raw.push(await rawStart(i));
    atrium.push(await atriumStart(i));
  }
  const line = (label: string, a: number[], r: number[]) =>
    console.log(
      `${label}: atrium p50 ${pct(a, 50).toFixed(0)} ms p95 ${pct(a, 95).toFixed(0)} ms | raw p50 ${pct(r, 50).toFixed(0)} ms p95 ${pct(r, 95).toFixed(0)} ms | ratio p50 ${(pct(a, 50) / pct(r, 50)).toFixed(2)} p95 ${(pct(a, 95) / pct(r, 95)).toFixed(2)}`,
    );
  line(`one at a time (n=${SERIAL})`, atrium, raw);

  const rawPar = await Promise.allSettled(Array.from({ length: PARALLEL }, (_, i) => rawStart(100 + i)));
  const atrPar = await Promise.allSettled(Array.from({ length: PARALLEL }, (_, i) => atriumStart(100 + i)));
  const ok = <T,>(xs: PromiseSettledResult<T>[]) => xs.flatMap((x) => (x.status === "fulfilled" ? [x.value] : []));
  line(`${PARALLEL} at once`, ok(atrPar), ok(rawPar));
  console.log(`${PARALLEL} at once ready: atrium ${ok(atrPar).length}/${PARALLEL}, raw ${ok(rawPar).length}/${PARALLEL}`);
  await spawner.removeVolume?.(user);
  await handle.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
