import Link from "next/link";
import { buttonClass } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import type { ShareView } from "@atrium/core/lib/sharing/view";
import { StatusBadge } from "./status-badge";

/** "Shared with me" on the home page: other people's servers shared with her, by name or through a group (docs/sharing.md). */
export function SharedWithMe({ shares }: { shares: ShareView[] }) {
  if (shares.length === 0) return null;
  return (
    <Card title="Shared with me" description="Other people's workspaces you may open while they run.">
      <ul className="divide-y divide-slate-100" data-testid="shared-with-me">
        {shares.map(({ server, group }) => {
          const label = `${server.user.name}/${server.name}`;
          return (
            <li key={label} className="flex flex-wrap items-center justify-between gap-2 py-2">
              <div className="min-w-0">
                <Link href={`/servers/${server.user.name}/${server.name}`} className="font-mono text-sm text-slate-900 hover:underline">
                  {label}
                </Link>
                <p className="text-xs text-slate-500">{group ? `through the group ${group.name}` : `shared by ${server.user.name}`}</p>
              </div>
              <div className="flex items-center gap-3">
                {server.status && <StatusBadge status={server.status} />}
                {server.ready && (
                  <a href={server.url} className={buttonClass("primary", "sm")} aria-label={`Open ${label}`}>
                    Open
                  </a>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </Card>
  );
}
