/**
 * ListLoggedModelArtifacts (`GET logged-models/<id>/artifacts/directories?artifact_directory_path=`): the
 * files of a logged model, with paths relative to its artifact root, as runs/list-artifacts answers for runs.
 */
import type { LoggedModelRow } from "@/db/queries/logged-models";
import { segmentsFromPath, UnsafeArtifactPath } from "@/lib/artifacts/paths";
import { getArtifactStore } from "@/lib/artifacts/runtime";
import type { ArtifactStore } from "@/lib/artifacts/store";
import { invalidParam } from "../errors";
import type { Body, TrackingContext } from "../context";
import type { Input, loggedModels } from "../http/schemas";

const PROXIED = "mlflow-artifacts:/";

/**
 * The files under `dir` of an artifact root the portal serves (`mlflow-artifacts:/…`), as MLflow's ListArtifacts
 * answers (mlflow/server/handlers.py `_list_artifacts`): `{ root_uri, files: [{ path, is_dir, file_size }] }`,
 * paths relative to the root, `files` omitted when empty.
 */
export async function listFilesUnder(
  ctx: TrackingContext & { store?: ArtifactStore },
  root: string,
  dir: string,
  owner: string,
): Promise<Body> {
  if (!root.startsWith(PROXIED)) throw invalidParam(`The files of ${owner} are stored at ${root}, outside Atrium; list them there.`);
  let inside: string[];
  let key: string;
  try {
    inside = segmentsFromPath(dir);
    // The root too: an experiment made before its artifact_location was checked may hold '..'.
    key = [...segmentsFromPath(root.slice(PROXIED.length)), ...inside].join("/");
  } catch (err) {
    if (err instanceof UnsafeArtifactPath) throw invalidParam(err.message);
    throw err;
  }
  const store = ctx.store ?? getArtifactStore();
  const entries = await store.list(key);
  const body: Body = { root_uri: root };
  if (entries.length > 0) {
    body.files = entries.map((e) => {
      const rel = [...inside, e.name].join("/");
      return e.isDir ? { path: rel, is_dir: true } : { path: rel, is_dir: false, file_size: e.size ?? 0 };
    });
  }
  return body;
}

/** The model is the operation's target (lib/tracking/http/targets.ts): one the caller may not read is a 404. */
export async function listLoggedModelArtifacts(
  ctx: TrackingContext & { store?: ArtifactStore },
  input: Input<typeof loggedModels.listArtifacts>,
  model: LoggedModelRow,
): Promise<Body> {
  return listFilesUnder(ctx, model.artifactLocation, input.artifact_directory_path ?? "", `logged model ${model.modelId}`);
}
