import { Button } from "./button";

/** Previous and Next for a list paged by tokens; each is off when there is no page that way. */
export function PageButtons(props: {
  className?: string;
  labels: [previous: string, next: string];
  onPrevious?: () => void;
  onNext?: () => void;
}) {
  return (
    <div className={`flex gap-2 ${props.className ?? ""}`}>
      <Button variant="secondary" disabled={!props.onPrevious} onClick={props.onPrevious}>
        {props.labels[0]}
      </Button>
      <Button variant="secondary" disabled={!props.onNext} onClick={props.onNext}>
        {props.labels[1]}
      </Button>
    </div>
  );
}
