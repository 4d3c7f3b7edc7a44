import { type MouseEvent, type ReactNode, type SyntheticEvent, useEffect, useId, useRef } from 'react';
import { createPortal } from 'react-dom';
import { BusyButton } from '@/components/feedback';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled])';

interface DialogProps {
  title: string;
  description?: ReactNode;
  onClose: () => void;
  children: ReactNode;
  /** role="alertdialog" for confirmations. */
  alert?: boolean;
}

/**
 * A modal dialog: a native <dialog> opened with showModal(), so the browser makes the rest of the
 * page inert (no Tab, click or screen-reader cursor reaches it) and puts the dialog in the top
 * layer. Focus moves in on open (the element marked data-autofocus, else the first field, else the
 * first control); Escape and a click on the
 * backdrop ask `onClose`; focus returns to whatever opened it (or to #main when that is gone).
 * Mount it to open it; unmount it to close.
 */
export function Dialog({ title, description, onClose, children, alert = false }: DialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  const close = useRef(onClose);
  const unmounting = useRef(false);
  useEffect(() => {
    close.current = onClose;
  });

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const node = dialog.current;
    if (!node) return;
    if (!node.open) node.showModal();
    const first =
      node.querySelector<HTMLElement>('[data-autofocus]') ??
      node.querySelector<HTMLElement>('input, select, textarea') ??
      node.querySelector<HTMLElement>(FOCUSABLE);
    first?.focus();
    document.body.classList.add('has-modal');
    return () => {
      unmounting.current = true;
      document.body.classList.remove('has-modal');
      if (node.open) node.close();
      // The opener may be gone (e.g. the row of a deleted task): fall back to the page's main region.
      const target = opener?.isConnected ? opener : document.getElementById('main');
      target?.focus();
    };
  }, []);

  // Escape: the browser's cancel, refused so that the owner decides (it may ask to keep the changes).
  function onCancel(event: SyntheticEvent) {
    event.preventDefault();
    close.current();
  }

  // The browser closed it anyway (a second Escape may not be cancellable): the owner must know.
  function onNativeClose() {
    if (!unmounting.current) close.current();
  }

  // A click on the dialog element itself, not its content, is a click on the backdrop.
  function onBackdrop(event: MouseEvent<HTMLDialogElement>) {
    if (event.target === event.currentTarget) close.current();
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
          <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
            <span aria-hidden="true">×</span>
          </button>
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
  return (
    <Dialog title={title} description={description} onClose={onCancel} alert>
      <div className="live" role="alert">
        {error ? <div className="alert alert--error">{error}</div> : null}
      </div>
      <div className="dialog__actions">
        {/* The safe choice has the focus first: Enter right away cancels. */}
        <button type="button" className="button button--secondary" onClick={onCancel} data-autofocus="">
          Cancel
        </button>
        <BusyButton className="button button--danger" onClick={onConfirm} busy={pending}>
          {pending ? 'Working…' : confirmLabel}
        </BusyButton>
      </div>
    </Dialog>
  );
}
