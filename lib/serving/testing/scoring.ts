/**
 * Test-only: a real scoring server in a hardened container of the real environment image, serving a real
 * scikit-learn model (serve_iris.py), reachable at its bridge address. The proxy tests and bench:serving use it
 * as a replica the reconciler would have started.
 */
import path from "node:path";
import type Dockerode from "dockerode";
import { SCORING_PORT } from "../container-runtime";
import { addressOf, logsOf, startContainer } from "./containers";

export const IRIS_COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
export const IRIS_ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.2, 2.9, 4.3, 1.3],
  [7.7, 3.0, 6.1, 2.3],
];

export interface ScoringContainer {
  container: Dockerode.Container;
  /** http://<bridge ip>:8080 */
  url: string;
  remove(): Promise<void>;
}

export async function startScoringContainer(name: string, image: string, timeoutMs = 180_000): Promise<ScoringContainer> {
  const servingDir = path.resolve(import.meta.dirname, "..");
  const container = await startContainer({
    name,
    image,
    cmd: ["python3", "/src/testing/serve_iris.py"],
    binds: [`${servingDir}:/src:ro`],
  });
  const remove = () =>
    container.remove({ force: true }).then(
      () => undefined,
      () => undefined,
    );
  try {
    const url = `http://${await addressOf(container)}:${SCORING_PORT}`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ok = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(5000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return { container, url, remove };
      const state = await container.inspect();
      if (!state.State.Running || Date.now() > deadline)
        throw new Error(`the scoring server did not answer /ping: ${JSON.stringify(await logsOf(container))}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } catch (err) {
    await remove();
    throw err;
  }
}
