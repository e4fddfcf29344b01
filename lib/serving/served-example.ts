/**
 * The endpoint page's example body (example-body.ts) from the files of the model version the endpoint serves: its
 * `MLmodel` and, when it names one, its logged input example, each read from the artifact store up to a few KiB.
 * Only for a caller who may read that registered model (an input example may be a real row of training data);
 * anything that cannot be read gives the placeholder with a sentence, never an error on the page.
 */
import type { Db } from "@/db/client";
import { findModelVersion, findRegisteredModel } from "@/db/queries/registry";
import { findConfigs, findEndpoint } from "@/db/queries/serving";
import type { ServedEntityRecord } from "@/db/schema";
import type { ArtifactStore } from "@/lib/artifacts/store";
import { can, registeredModelResource, type Caller } from "@/lib/auth/access";
import { modelVersionLocation } from "@/lib/tracking/registry/operations";
import { modelKeyOf } from "./bundle";
import { exampleBodyOf, inputExampleFiles, placeholderBody, type ExampleBody } from "./example-body";

/** The most bytes read of an MLmodel file or an input example; a larger one is not used. */
export const MAX_MODEL_FILE_BYTES = 64 * 1024;

/** The file's text when it is at most `maxBytes`, else undefined; reads no further than that. */
export async function readSmallFile(store: ArtifactStore, key: string, maxBytes = MAX_MODEL_FILE_BYTES): Promise<string | undefined> {
  const file = await store.open(key);
  if (!file) return undefined;
  if (file.size > maxBytes) {
    await file.stream.cancel();
    return undefined;
  }
  const reader = file.stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) return undefined;
      chunks.push(value);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The entity a caller most likely reaches: the serving config's (else the pending one's) with the most traffic. */
function mainEntity(config: { servedEntities: ServedEntityRecord[]; routes: { servedEntityName: string; trafficPercentage: number }[] }) {
  const top = [...config.routes].sort((a, b) => b.trafficPercentage - a.trafficPercentage)[0];
  return config.servedEntities.find((e) => e.name === top?.servedEntityName) ?? config.servedEntities[0];
}

export async function servedExample(db: Db, store: ArtifactStore, caller: Caller, endpointName: string): Promise<ExampleBody> {
  try {
    const endpoint = await findEndpoint(db, endpointName);
    const configId = endpoint?.activeConfigId ?? endpoint?.pendingConfigId;
    const [config] = configId ? await findConfigs(db, [configId]) : [];
    const entity = config && mainEntity(config);
    const model = entity && (await findRegisteredModel(db, entity.entityName));
    if (!entity || !model) return placeholderBody();
    if (!can(caller, "read", registeredModelResource(model)))
      return placeholderBody(
        `You may not read the registered model "${model.name}", so its columns are not shown: these are placeholders; ask its owner for the columns it takes.`,
      );
    const version = await findModelVersion(db, model.name, entity.entityVersion);
    if (!version) return placeholderBody();
    const root = modelKeyOf(await modelVersionLocation(db, version));
    const mlmodel = await readSmallFile(store, `${root}/MLmodel`);
    if (mlmodel === undefined) return placeholderBody();
    const examples: string[] = [];
    for (const path of inputExampleFiles(mlmodel).paths) {
      const text = await readSmallFile(store, `${root}/${path}`);
      if (text !== undefined) examples.push(text);
    }
    return exampleBodyOf(mlmodel, examples);
  } catch (err) {
    // A model outside the store, a store that fails: the page still opens, with the placeholder.
    console.warn(`[atrium] serving: the example body of endpoint ${endpointName} could not be read:`, err);
    return placeholderBody();
  }
}
