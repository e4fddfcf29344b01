import { ModelsList } from "@/components/tracking/models-list";
import { requireUser } from "../_lib/page-auth";

export default async function ModelsPage() {
  await requireUser();
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold text-slate-900">Models</h1>
        <p className="mt-1 text-slate-600">
          The model registry: named models, their versions, which run produced each, and aliases such as @champion that code loads by.
        </p>
      </div>
      <ModelsList />
    </div>
  );
}
