import { useCallback, useId, useLayoutEffect, useRef } from 'react';
import { actOnToast, dismissToast, markToastUnheard, pauseToasts, registerToaster, type Toast, useToasts } from '@/lib/toasts';

/** A toast that had the focus is gone: the focus goes to the page, unless the action put it somewhere. */
function keepFocusInPage() {
  setTimeout(() => {
    const active = document.activeElement;
    if (!active || active === document.body || active.closest('.toaster')) document.getElementById('main')?.focus();
  }, 0);
}

/** Their height, with the 16 px gap below them (notices.css) and a little more for a focus ring; none without toasts. */
function keepRoom(height: number) {
  document.documentElement.style.setProperty('--toasts-room', height ? `${height + 24}px` : '');
}

/**
 * One toast. Its own buttons say where the focus goes when they close it (keepFocusInPage); when it leaves any other
 * way with the focus inside (pushed out by a newer one: MAX_TOASTS), `onFocusLost` moves it, so it is not left on <body>.
 */
function ToastItem({ toast, onFocusLost }: { toast: Toast; onFocusLost: () => void }) {
  const messageId = useId();
  const node = useRef<HTMLDivElement>(null);
  const closedByItsButton = useRef(false);
  // Put on screen behind a modal dialog, which hides the toaster from screen readers: shown anew once it closes.
  // Not when its dialog closed in this same commit (a save's "Saved"): that one is gone from the page already.
  useLayoutEffect(() => {
    if (document.querySelector('dialog[open]')) markToastUnheard(toast.id);
  }, [toast.id]);
  // A layout effect's cleanup runs before React takes the node out of the page: the focus is still in it then.
  useLayoutEffect(() => {
    const item = node.current;
    return () => {
      if (!closedByItsButton.current && item?.contains(document.activeElement)) onFocusLost();
    };
  }, [onFocusLost]);
  return (
    <div className={`toast toast--${toast.tone}`} ref={node}>
      <p className="toast__message" id={messageId}>
        {toast.message}
      </p>
      {toast.action ? (
        <button type="button" className="button button--small toast__action" onClick={() => {
            closedByItsButton.current = true;
            actOnToast(toast.id);
            keepFocusInPage();
          }} aria-keyshortcuts="u">
          {toast.action.label}
        </button>
      ) : null}
      {/* Named "Dismiss" only, and described by the message: the button is inside the live region, so a name that
          repeated the message would have it read out twice; the description still says which toast it closes. */}
      <button type="button" className="icon-button toast__close" aria-label="Dismiss" aria-describedby={messageId} onClick={() => {
          closedByItsButton.current = true;
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
 *
 * A toast pushed out by a newer one while the focus was in it (on its Undo, say) leaves the focus on the region
 * itself (tabIndex -1), named "Notifications": the user chose to be among the toasts, and stays there, their time
 * still standing; the next Tab reaches the toasts left. Not on another toast's button: an Enter meant for the Undo
 * that vanished would then undo another task. Not back in the page: the user was going through the toasts, and
 * would have to find their way back to them, their time running meanwhile.
 */
export function Toaster() {
  const toasts = useToasts();
  const region = useRef<HTMLElement>(null);
  // The toasts' time runs only while a toaster shows them (lib/toasts.ts): from before the first paint to the last.
  useLayoutEffect(registerToaster, []);
  // Read when a toast leaves, not before: null once the whole toaster goes (sign-out), when there is nothing to do.
  const focusRegion = useCallback(() => region.current?.focus(), []);
  // While toasts show, the page keeps room for them at its bottom (notices.css): a control the focus moves to
  // scrolls above them, never under (WCAG 2.4.11). Measured whenever they change (their number), and whenever the
  // window is resized while they show: in a narrower one (or zoomed in) they wrap to more lines. Nothing else changes
  // their height, so a resize listener, there only while toasts show, is all it takes.
  useLayoutEffect(() => {
    const measure = () => keepRoom((region.current as HTMLElement).offsetHeight);
    measure();
    if (!toasts.length) return;
    window.addEventListener('resize', measure);
    return () => window.removeEventListener('resize', measure);
  }, [toasts]);
  useLayoutEffect(() => () => keepRoom(0), []);
  const polite = toasts.filter((toast) => toast.tone !== 'error');
  const errors = toasts.filter((toast) => toast.tone === 'error');
  return (
    <section
      ref={region}
      className="toaster"
      aria-label="Notifications"
      tabIndex={-1}
      onMouseEnter={() => pauseToasts(true)}
      onMouseLeave={() => pauseToasts(false)}
      onFocus={() => pauseToasts(true)}
      onBlur={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) pauseToasts(false);
      }}
    >
      {/* Not atomic (role=status and role=alert are, implicitly): a new toast is read alone, not with those still shown. */}
      <div className="toaster__list" role="status" aria-atomic="false" aria-relevant="additions">
        {polite.map((toast) => (
          <ToastItem key={`${toast.id}.${toast.showing}`} toast={toast} onFocusLost={focusRegion} />
        ))}
      </div>
      <div className="toaster__list" role="alert" aria-atomic="false" aria-relevant="additions">
        {errors.map((toast) => (
          <ToastItem key={`${toast.id}.${toast.showing}`} toast={toast} onFocusLost={focusRegion} />
        ))}
      </div>
    </section>
  );
}
