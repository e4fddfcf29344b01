import { PageHeader } from "@/components/ui/page-header";
import { ModelsList } from "@/components/tracking/models-list";
import { requireUser } from "../_lib/page-auth";

export default async function ModelsPage() {
  await requireUser();
  return (
    <div className="space-y-6">
      <PageHeader title="Models">
        The model registry: named models, their versions, which run produced each, and aliases such as @champion that code loads by.
      </PageHeader>
      <ModelsList />
    </div>
  );
}
