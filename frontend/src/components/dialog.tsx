import { type MouseEvent, type ReactNode, type SyntheticEvent, useEffect, useId, useRef } from 'react';
import { createPortal } from 'react-dom';
import { BusyButton, StillWaiting } from '@/components/feedback';
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
  title: string;
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
    return () => {
      unmounting.current = true;
      document.body.classList.remove('has-modal');
      if (node.open) node.close();
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

  // The browser closed it anyway (a second Escape may not be cancellable): the owner must know; a dialog
  // that is not dismissible opens again instead, still mounted, as its owner believes it is.
  function onNativeClose() {
    if (unmounting.current) return;
    const node = dialog.current;
    if (!canDismiss.current && node) {
      if (node.isConnected && !node.open) node.showModal();
      focusFirst(node);
      return;
    }
    close.current?.();
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
