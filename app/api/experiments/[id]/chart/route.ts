import { readQuery } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { chartRuns } from "@atrium/core/lib/tracking/overview/run-chart";
import { chartLabels, chartQuerySchema, experimentParams } from "@atrium/core/lib/tracking/overview/schemas";

/** The experiment page's charts across runs: the runs table's filter and order, capped (lib/tracking/overview/run-chart.ts). */
export const GET = withUser(
  "mlflow",
  async (req, { db, principal, params }) => {
    const q = readQuery(req, chartQuerySchema, chartLabels);
    const orderBy = q.sort ? [`${q.sort} ${q.desc === "1" ? "DESC" : "ASC"}`] : [];
    return Response.json(
      await chartRuns(db, principal, Number(params.id), { filter: q.filter, orderBy, metrics: q.metrics, params: q.params }),
    );
  },
  experimentParams,
);
