"use client";

import { Card } from "@/components/ui/card";
import { Meter } from "@/components/ui/meter";
import type { Me } from "@/lib/users/me";
import type { ServerView } from "@/lib/workspaces/view";
import { cpus, gib } from "./format";
import { EngineBanner } from "./engine-banner";
import { useEnvironments, useHealth, useMe, useServers } from "./queries";
import { ServerList } from "./server-list";
import { StartForm } from "./start-form";

/** The home page's live part: the person's servers, the start form and their limits, all polled. */
export function WorkspacesHome({
  initialMe,
  initialServers,
  defaultName,
}: {
  initialMe: Me;
  initialServers: ServerView[];
  defaultName?: string;
}) {
  const me = useMe(initialMe).data ?? initialMe;
  const servers = useServers(initialMe.name, initialServers);
  const environments = useEnvironments();
  const engineDown = useHealth().data?.engine === "down";
  const { limits, usage } = me;
  return (
    <>
      <EngineBanner />
      <Card
        title="Your workspaces"
        description="Each workspace is a Jupyter server of your own. Your home folder is kept when you stop one."
      >
        {servers.data ? (
          <ServerList me={me} servers={servers.data} environments={environments.data} engineDown={engineDown} />
        ) : servers.error ? (
          <p className="text-sm text-red-600">{servers.error.message}</p>
        ) : (
          <p className="text-sm text-slate-500">Loading your workspaces…</p>
        )}
        {servers.error && servers.data && (
          <p className="mt-3 text-xs text-amber-700">Could not refresh the list: {servers.error.message}</p>
        )}
      </Card>
      <div id="start">
        <Card
          title="Start a workspace"
          description="Pick an environment and how much CPU and memory it gets. The sliders stop at what you may still use."
        >
          <StartForm
            me={me}
            environments={environments.data}
            environmentsError={environments.error?.message}
            engineDown={engineDown}
            existing={servers.data}
            defaultName={defaultName}
          />
        </Card>
      </div>
      <Card title="Your limits" description={`What the ${me.role} role lets you run at once. An admin can raise them.`}>
        <div className="grid gap-6 sm:grid-cols-3">
          <Meter label="Servers" used={usage.servers} max={limits.maxServers} unit="running" />
          <Meter label="CPU in use" used={usage.cpu} max={limits.maxTotalCpu} unit="cores" />
          <Meter label="Memory in use" used={usage.memGb} max={limits.maxTotalMemGb} unit="GiB" />
        </div>
        <p className="mt-4 text-sm text-slate-500">
          Each workspace may have up to <strong>{cpus(limits.maxCpu)}</strong> and <strong>{gib(limits.maxMemGb)}</strong> of memory.
        </p>
      </Card>
    </>
  );
}
