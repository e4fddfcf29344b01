import { DeadEnd } from "@/components/ui/dead-end";

export default function NotFound() {
  return <DeadEnd title="Page not found" reason="There is nothing at this address." />;
}
