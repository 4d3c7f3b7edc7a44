import type { ButtonHTMLAttributes, MouseEvent, ReactNode } from 'react';
import { ANNOUNCER_ATTRIBUTE } from '@/lib/announce';

/**
 * Errors about the whole form. The live region is always in the page, empty until there is
 * something to say: a region that appears together with its text is often not announced.
 */
export function FormAlert({ messages }: { messages: string[] }) {
  return (
    <div className="live" role="alert">
      {messages.length ? (
        <div className="alert alert--error">
          {messages.length === 1 ? messages[0] : <ul>{messages.map((m) => <li key={m}>{m}</li>)}</ul>}
        </div>
      ) : null}
    </div>
  );
}

/**
 * Where `announce` (lib/announce.ts) puts what it has read out: an assertive live region, unseen, always in the page
 * (both layouts) and in every dialog. React renders it empty and never fills it: only `announce` writes in it.
 */
export function Announcer() {
  return <div className="visually-hidden" aria-live="assertive" aria-atomic="true" {...{ [ANNOUNCER_ATTRIBUTE]: '' }} />;
}

/**
 * A success message in an always-present polite live region; nothing shows while `children` is empty. `id`: for a
 * message the page opens with, which the live region does not get read (the page's heading is described by it).
 */
export function SuccessAlert({ children, id }: { children?: ReactNode; id?: string }) {
  return (
    <div className="live" role="status" id={id}>
      {children ? <div className="alert alert--success">{children}</div> : null}
    </div>
  );
}

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="spinner" role="status">
      <span className="spinner__ring" aria-hidden="true" />
      <span className="visually-hidden">{label}</span>
    </div>
  );
}

export function FullPageSpinner({ label }: { label?: string }) {
  return (
    <div className="fullscreen">
      <Spinner label={label} />
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state">
      <p className="state__title">{title}</p>
      {children}
    </div>
  );
}

export function ErrorState({ message, onRetry, children }: { message: string; onRetry?: () => void; children?: ReactNode }) {
  return (
    <div className="state state--error" role="alert">
      <p className="state__title">{message}</p>
      {children}
      {onRetry ? (
        <button type="button" className="button button--secondary" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

type UnavailableButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & { unavailable: boolean };

/**
 * A button that can be unavailable while it has the focus (busy, or Next on the last page):
 * aria-disabled, not disabled, so it keeps the keyboard focus (a disabled button drops it to
 * <body>). A click, or Enter in its form, does nothing meanwhile: the click is cancelled, and
 * with it the form's submission.
 */
export function UnavailableButton({ unavailable, onClick, type = 'button', ...button }: UnavailableButtonProps) {
  function click(event: MouseEvent<HTMLButtonElement>) {
    if (unavailable) {
      event.preventDefault();
      return;
    }
    onClick?.(event);
  }
  return <button {...button} type={type} aria-disabled={unavailable || undefined} onClick={click} />;
}

type BusyButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & { busy: boolean };

/** A button that is busy while its action runs: unavailable (aria-disabled) meanwhile, keeping the focus. */
export function BusyButton({ busy, ...button }: BusyButtonProps) {
  return <UnavailableButton {...button} unavailable={busy} />;
}

/** A form's submit button: busy (aria-disabled) and relabelled while the request is in flight. */
export function SubmitButton({ pending, pendingLabel, block = false, children }: { pending: boolean; pendingLabel: string; block?: boolean; children: ReactNode }) {
  return (
    <BusyButton type="submit" className={`button button--primary${block ? ' button--block' : ''}`} busy={pending}>
      {pending ? pendingLabel : children}
    </BusyButton>
  );
}

/** Said once a dialog's request has run so long that the dialog lets the user leave (lib/use-stalled.ts). */
export function StillWaiting({ stalled }: { stalled: boolean }) {
  return (
    <p className="hint" role="status">
      {stalled ? 'Still waiting for the server. You can close this; what you asked for may still happen.' : null}
    </p>
  );
}
