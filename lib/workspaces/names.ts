import type { ServerRef } from "@/lib/spawner";

export const baseUrlOf = (ref: ServerRef) => `/user/${ref.user}/${ref.server}/`;
export const labelOf = (ref: ServerRef) => `${ref.user}/${ref.server}`;
