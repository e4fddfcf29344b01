import { Button } from "@/components/ui/button";

/** The registry forms' submit button: says what it is doing while `pending`, and is off then or while `blocked`. */
export function SubmitButton(props: {
  label: string;
  pendingLabel: string;
  pending: boolean;
  blocked?: boolean;
  tone?: "filled" | "outlined";
}) {
  return (
    <Button type="submit" variant={props.tone === "outlined" ? "secondary" : "primary"} loading={props.pending} disabled={props.blocked}>
      {props.pending ? props.pendingLabel : props.label}
    </Button>
  );
}

export function CancelButton({ onClick }: { onClick: () => void }) {
  return (
    <Button variant="link-quiet" onClick={onClick}>
      Cancel
    </Button>
  );
}
