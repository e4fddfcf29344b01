import type { FormEvent } from "react";

/** A form's onSubmit that stays on the page and runs `act` instead. */
export const submitWith = (act: () => void) => (e: FormEvent) => {
  e.preventDefault();
  act();
};
