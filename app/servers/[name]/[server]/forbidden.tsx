import { DeadEnd } from "@/components/ui/dead-end";

export default function ServerForbidden() {
  return (
    <DeadEnd
      title="Not your workspace"
      reason="Only the person who owns this workspace, or a platform admin, can see and start it."
      back="Go to your own workspaces"
    />
  );
}
