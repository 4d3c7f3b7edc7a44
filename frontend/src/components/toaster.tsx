import { useId } from 'react';
import { actOnToast, dismissToast, pauseToasts, type Toast, useToasts } from '@/lib/toasts';

/** A toast that had the focus is gone: the focus goes to the page, unless the action put it somewhere. */
function keepFocusInPage() {
  setTimeout(() => {
    const active = document.activeElement;
    if (!active || active === document.body || active.closest('.toaster')) document.getElementById('main')?.focus();
  }, 0);
}

function ToastItem({ toast }: { toast: Toast }) {
  const messageId = useId();
  return (
    <div className={`toast toast--${toast.tone}`}>
      <p className="toast__message" id={messageId}>
        {toast.message}
      </p>
      {toast.action ? (
        <button type="button" className="button button--small toast__action" onClick={() => {
            actOnToast(toast.id);
            keepFocusInPage();
          }} aria-keyshortcuts="u">
          {toast.action.label}
        </button>
      ) : null}
      {/* Named "Dismiss" only, and described by the message: the button is inside the live region, so a name that
          repeated the message would have it read out twice; the description still says which toast it closes. */}
      <button type="button" className="icon-button toast__close" aria-label="Dismiss" aria-describedby={messageId} onClick={() => {
          dismissToast(toast.id);
          keepFocusInPage();
        }}>
        <span aria-hidden="true">×</span>
      </button>
    </div>
  );
}

/**
 * Where toasts appear: two live regions that are always in the page, polite for results and
 * assertive for errors, so each new toast is read out once. Their time stands still while the
 * pointer or the focus is on them (WCAG 2.2.1), so an Undo can be reached calmly.
 */
export function Toaster() {
  const toasts = useToasts();
  const polite = toasts.filter((toast) => toast.tone !== 'error');
  const errors = toasts.filter((toast) => toast.tone === 'error');
  return (
    <section
      className="toaster"
      aria-label="Notifications"
      onMouseEnter={() => pauseToasts(true)}
      onMouseLeave={() => pauseToasts(false)}
      onFocus={() => pauseToasts(true)}
      onBlur={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) pauseToasts(false);
      }}
    >
      <div className="toaster__list" role="status">
        {polite.map((toast) => (
          <ToastItem key={toast.id} toast={toast} />
        ))}
      </div>
      <div className="toaster__list" role="alert">
        {errors.map((toast) => (
          <ToastItem key={toast.id} toast={toast} />
        ))}
      </div>
    </section>
  );
}
