"use client";

import { Card } from "@/components/ui/card";
import { Meter } from "@/components/ui/meter";
import type { Me } from "@/lib/users/me";
import type { ServerView } from "@/lib/workspaces/view";
import { cpus, gib } from "./format";
import { EngineBanner } from "./engine-banner";
import { useEnvironments, useHealth, useHome } from "./queries";
import { ServerList } from "./server-list";
import { StartForm } from "./start-form";

/** The home page's live part: the person's servers, the start form and their limits, all polled. */
export function WorkspacesHome({
  initialMe,
  initialServers,
  defaultName,
  machineCpu,
}: {
  /** The engine's CPUs, when it said (lib/usage/capacity.ts). */
  machineCpu?: number;
  initialMe: Me;
  initialServers: ServerView[];
  defaultName?: string;
}) {
  const home = useHome({ me: initialMe, servers: initialServers });
  const { me, servers } = home.data;
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
        <ServerList me={me} servers={servers} environments={environments.data} engineDown={engineDown} />
        {home.error && <p className="mt-3 text-xs text-amber-700">Could not refresh the list: {home.error.message}</p>}
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
            existing={servers}
            defaultName={defaultName}
            machineCpu={machineCpu}
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
