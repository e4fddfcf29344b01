const button = "rounded-lg border border-slate-300 bg-white px-3 py-1 disabled:opacity-40";

/** Previous and Next for a list paged by tokens; each is off when there is no page that way. */
export function PageButtons(props: {
  className?: string;
  labels: [previous: string, next: string];
  onPrevious?: () => void;
  onNext?: () => void;
}) {
  return (
    <div className={`flex gap-2 ${props.className ?? ""}`}>
      <button type="button" className={button} disabled={!props.onPrevious} onClick={props.onPrevious}>
        {props.labels[0]}
      </button>
      <button type="button" className={button} disabled={!props.onNext} onClick={props.onNext}>
        {props.labels[1]}
      </button>
    </div>
  );
}
