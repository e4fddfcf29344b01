import { handlers } from "@/lib/auth/next-auth";
import { withSameOrigin } from "@/lib/http/with-user";

export const GET = handlers.GET;
export const POST = withSameOrigin(handlers.POST);
