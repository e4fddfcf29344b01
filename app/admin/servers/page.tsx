import { ServersTable } from "@/components/admin/servers-table";
import { listActiveServers } from "@/lib/admin/servers-table";
import { getDb } from "@/lib/runtime/db";
import { getSpawner } from "@/lib/runtime/spawner";
import { requireAdmin } from "../../_lib/page-auth";

export default async function ServersPage() {
  await requireAdmin();
  // The first render comes from Postgres alone; the table then reads live use from the engine.
  const servers = await listActiveServers(await getDb(), getSpawner(), { live: false });
  return (
    <div className="space-y-5">
      <div>
        <h1 className="text-2xl font-semibold text-slate-900">Servers</h1>
        <p className="mt-1 text-slate-600">Every workspace that is starting, running or stopping, with what it uses now against what it was given.</p>
      </div>
      <ServersTable initial={servers} />
    </div>
  );
}
