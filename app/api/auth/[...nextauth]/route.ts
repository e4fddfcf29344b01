import { handlers } from "@/app/_lib/next-auth";
import { withSameOrigin } from "@atrium/core/lib/http/with-user";

export const GET = handlers.GET;
export const POST = withSameOrigin(handlers.POST);
