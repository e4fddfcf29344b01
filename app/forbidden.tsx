import { DeadEnd } from "@/components/ui/dead-end";

export default function Forbidden() {
  return (
    <DeadEnd title="Admins only" reason="This page is for platform admins. If you need access, ask an admin to give you the admin role." />
  );
}
