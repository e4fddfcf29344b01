import { z } from "zod";
import { bodyChunks, downloadHeaders, encodedTailOf } from "@atrium/core/lib/artifacts/http";
import { segmentsFromPath, segmentsFromUrlTail } from "@atrium/core/lib/artifacts/paths";
import { getArtifactStore } from "@atrium/core/lib/artifacts/runtime";
import { deleteArtifact, downloadArtifact, listArtifacts, pathOrBadRequest, uploadArtifact } from "@atrium/core/lib/artifacts/service";
import { declaredLength } from "@atrium/core/lib/http/body";
import { withUser } from "@atrium/core/lib/http/with-user";
import { downloadTraceFile, isTracePath, listTraceFiles, uploadTraceFile } from "@atrium/core/lib/tracking/traces/trace-files";

// MLflow's proxied artifact API (`mlflow server --serve-artifacts`): the client resolves a run's
// `mlflow-artifacts:/<experiment>/<run>/artifacts` to these URLs. Bodies stream both ways.
// The path is read from the raw URL, not from params, so encoded tricks (%2e%2e, %2f) are judged as sent.
// `<exp>/traces/<trace_id>/artifacts/traces.json` is a trace's span data, kept in Postgres (trace-files.ts).
const params = z.object({ path: z.array(z.string()).optional() });

const tailSegments = (req: Request) => pathOrBadRequest(() => segmentsFromUrlTail(encodedTailOf(req.url)));

/** GET with a path downloads that file; GET without one lists the folder named by `?path=`. */
export const GET = withUser(
  "mlflow",
  async (req, { db, principal }) => {
    const ctx = { db, principal, store: getArtifactStore() };
    const tail = tailSegments(req);
    if (tail.length === 0) {
      const listed = pathOrBadRequest(() => segmentsFromPath(new URL(req.url).searchParams.get("path") ?? ""));
      if (isTracePath(listed)) return listTraceFiles(db, listed);
      return Response.json(await listArtifacts(ctx, listed));
    }
    if (isTracePath(tail)) return downloadTraceFile({ db, principal }, tail);
    const { name, file } = await downloadArtifact(ctx, tail);
    return new Response(file.stream, { headers: downloadHeaders(name, file.size) });
  },
  params,
);

export const PUT = withUser(
  "mlflow",
  async (req, { db, principal }) => {
    const tail = tailSegments(req);
    if (isTracePath(tail)) return uploadTraceFile(db, principal, tail, req);
    await uploadArtifact({ db, principal, store: getArtifactStore() }, tail, bodyChunks(req.body), declaredLength(req));
    return Response.json({});
  },
  params,
  { body: "any" },
);

export const DELETE = withUser(
  "mlflow",
  async (req, { db, principal }) => {
    return Response.json(await deleteArtifact({ db, principal, store: getArtifactStore() }, tailSegments(req)));
  },
  params,
);
