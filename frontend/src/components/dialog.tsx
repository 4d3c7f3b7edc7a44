import { type FocusEvent, type MouseEvent, type ReactNode, type SyntheticEvent, useEffect, useId, useRef } from 'react';
import { createPortal } from 'react-dom';
import { Announcer, BusyButton, StillWaiting } from '@/components/feedback';
import { holdToasts } from '@/lib/toasts';
import { useStalled } from '@/lib/use-stalled';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled])';

/** The element marked data-autofocus, else the first field, else the first control. */
function focusFirst(node: HTMLElement) {
  const first =
    node.querySelector<HTMLElement>('[data-autofocus]') ??
    node.querySelector<HTMLElement>('input, select, textarea') ??
    node.querySelector<HTMLElement>(FOCUSABLE);
  first?.focus();
}

interface BaseDialogProps {
  /** Text from the user in it (a task's title) goes in a <bdi>, as in a toast (lib/toasts.ts). */
  title: ReactNode;
  description?: ReactNode;
  children: ReactNode;
  /** role="alertdialog" for confirmations. */
  alert?: boolean;
}

/**
 * Dismissible (the default): Escape, × and a click on the backdrop ask `onClose`. Not dismissible: none of
 * them exists or does anything, so only the dialog's own buttons close it (e.g. codes shown only once,
 * which a stray Escape must not throw away): there is then no `onClose` to call.
 */
type DialogProps = BaseDialogProps & ({ dismissible?: true; onClose: () => void } | { dismissible: false; onClose?: never });

/**
 * A modal dialog: a native <dialog> opened with showModal(), so the browser makes the rest of the
 * page inert (no Tab, click or screen-reader cursor reaches it) and puts the dialog in the top
 * layer. Focus moves in on open (the element marked data-autofocus, else the first field, else the
 * first control); Escape and a click on the backdrop ask `onClose` (unless not `dismissible`); focus
 * returns to whatever opened it (or to #main when that is gone, or was <body>, unless the focus is already
 * somewhere else outside the dialog).
 * Mount it to open it; unmount it to close.
 */
export function Dialog({ title, description, onClose, children, alert = false, dismissible = true }: DialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  const close = useRef(onClose);
  const canDismiss = useRef(dismissible);
  const unmounting = useRef(false);
  // What had the focus in the dialog last, for a dialog the browser closed and this opens again.
  const lastFocused = useRef<HTMLElement | null>(null);
  useEffect(() => {
    close.current = onClose;
    canDismiss.current = dismissible;
  });

  useEffect(() => {
    // The opener, unless the focus was nowhere (<body>): e.g. the control that led here was unmounted.
    const opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
    const node = dialog.current;
    if (!node) return;
    if (!node.open) node.showModal();
    focusFirst(node);
    document.body.classList.add('has-modal');
    // The page behind is inert, its toasts with it: their time stands still until the last dialog closes, and those
    // raised meanwhile are then shown anew, to be read out (lib/toasts.ts).
    const releaseToasts = holdToasts();
    return () => {
      unmounting.current = true;
      // Only for the last one: a dialog under this one ("Discard your changes?" closing over the form) keeps it.
      if (![...document.querySelectorAll('dialog[open]')].some((other) => other !== node)) document.body.classList.remove('has-modal');
      if (node.open) node.close();
      releaseToasts();
      if (opener?.isConnected) {
        opener.focus();
        return;
      }
      // The opener may be gone (e.g. the row of a deleted task), or never known: the page's main region,
      // never <body>, where a keyboard or screen-reader user would have to start from the top again. Only while
      // the focus is lost (on <body>, or still in this dialog): focus already placed elsewhere stays, e.g. on the
      // Edit button a dialog under this one gave it back to when both closed at once (a confirmed "Discard").
      const current = document.activeElement;
      if (!current || current === document.body || node.contains(current)) document.getElementById('main')?.focus();
    };
  }, []);

  // Escape: the browser's cancel, refused so that the owner decides (it may ask to keep the changes), or
  // just refused when the dialog is not dismissible.
  function onCancel(event: SyntheticEvent) {
    event.preventDefault();
    if (canDismiss.current) close.current?.();
  }

  /** Open again, still mounted, as its owner believes it is; the focus back where it was in it. */
  function reopen(node: HTMLDialogElement) {
    if (unmounting.current || !node.isConnected || node.open) return;
    // A dialog the owner opened instead of closing this one ("Discard your changes?") stays on top: showModal() would
    // put this one over it. This one opens again once that one has closed (and given the focus back: a timer later).
    const above = [...document.querySelectorAll('dialog[open]')].find((other) => other !== node);
    if (above) {
      above.addEventListener('close', () => setTimeout(() => reopen(node), 0), { once: true });
      return;
    }
    // Read first: showModal() focuses the dialog's first control, which then counts as the last focused.
    const last = lastFocused.current;
    node.showModal();
    document.body.classList.add('has-modal');
    if (last?.isConnected && node.contains(last)) last.focus();
    else focusFirst(node);
  }

  // The browser closed it anyway (Chromium lets a second or third Escape close it without a cancel that can be
  // refused): a dialog that is not dismissible opens again at once; else the owner is asked, and may refuse (its
  // request runs). Refused, nothing unmounts the dialog: it would stay in the page closed, unseen, while the page
  // behind it stays inert (has-modal) and its opener does nothing. So once the owner's answer has been rendered (the
  // close event's updates are committed before a timer runs), a dialog still mounted opens again.
  function onNativeClose() {
    const node = dialog.current;
    if (unmounting.current || !node) return;
    if (!canDismiss.current) {
      reopen(node);
      return;
    }
    close.current?.();
    setTimeout(() => reopen(node), 0);
  }

  function onFocus(event: FocusEvent<HTMLDialogElement>) {
    if (event.target instanceof HTMLElement) lastFocused.current = event.target;
  }

  // A click on the dialog element itself, not its content, is a click on the backdrop.
  function onBackdrop(event: MouseEvent<HTMLDialogElement>) {
    if (event.target === event.currentTarget && canDismiss.current) close.current?.();
  }

  return createPortal(
    <dialog
      ref={dialog}
      className="dialog"
      role={alert ? 'alertdialog' : undefined}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      onCancel={onCancel}
      onClose={onNativeClose}
      onClick={onBackdrop}
      onFocus={onFocus}
    >
      <div className="dialog__panel">
        <div className="dialog__header">
          <h2 id={titleId} className="dialog__title">
            {title}
          </h2>
          {dismissible ? (
            <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
              <span aria-hidden="true">×</span>
            </button>
          ) : null}
        </div>
        {description ? (
          <p id={descriptionId} className="dialog__description">
            {description}
          </p>
        ) : null}
        {children}
        {/* The page's announcer is hidden from screen readers behind the modal dialog: the dialog has its own. */}
        <Announcer />
      </div>
    </dialog>,
    document.body,
  );
}

interface ConfirmDialogProps {
  title: string;
  description: ReactNode;
  confirmLabel: string;
  pending?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}

/** "Are you sure?" with a destructive confirm button. */
export function ConfirmDialog({ title, description, confirmLabel, pending = false, error, onConfirm, onCancel }: ConfirmDialogProps) {
  // While the action runs it cannot be called back: closing then would only hide its outcome (unless it hangs).
  const stalled = useStalled(pending);
  const cancel = () => {
    if (!pending || stalled) onCancel();
  };
  return (
    <Dialog title={title} description={description} onClose={cancel} alert>
      <div className="live" role="alert">
        {error ? <div className="alert alert--error">{error}</div> : null}
      </div>
      <StillWaiting stalled={stalled} />
      <div className="dialog__actions">
        {/* The safe choice has the focus first: Enter right away cancels. */}
        <BusyButton className="button button--secondary" onClick={cancel} busy={pending && !stalled} data-autofocus="">
          Cancel
        </BusyButton>
        <BusyButton className="button button--danger" onClick={onConfirm} busy={pending}>
          {pending ? 'Working…' : confirmLabel}
        </BusyButton>
      </div>
    </Dialog>
  );
}
