/** What the serving pages read from the portal's API (types only: nothing of lib/ is bundled). */
export type { EndpointPage, RevisionView } from "@/lib/serving/overview";
export type { EndpointView } from "@/lib/serving/view";
export type { RequestView, VersionSeries } from "@/lib/serving/request-log";
export type { DriftReport, ColumnDrift, Bin } from "@/lib/serving/drift";
