/**
 * For routes a browser reaches by navigation (a redirect from a workspace origin): a 401 from
 * withUser becomes a redirect to the sign-in page, instead of JSON the person cannot act on.
 * API clients (no text/html in Accept) still get the 401.
 */
type RouteHandler<C> = (req: Request, ctx: C) => Promise<Response>;

export function signInWhenUnauthorized<C>(handler: RouteHandler<C>): RouteHandler<C> {
  return async (req, ctx) => {
    const res = await handler(req, ctx);
    if (res.status !== 401 || !(req.headers.get("accept") ?? "").includes("text/html")) return res;
    return new Response(null, { status: 302, headers: { location: "/signin", "cache-control": "no-store" } });
  };
}
