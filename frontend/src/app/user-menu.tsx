import { type FocusEvent, type KeyboardEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';

/** A modal dialog opened from the panel (the shortcuts help) must not close it: its focus comes back there. */
function inOpenDialog(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('dialog[open]') !== null;
}

/**
 * The top bar's own controls (shortcuts, theme, who is signed in, Sign out): `children`, rendered once.
 *
 * From 1024 px up and on phones (up to 640 px) they sit in the bar, and the Menu button is not shown. Between, they
 * do not fit beside the four navigation links (the bar wrapped onto two rows): the Menu button shows them in a panel
 * below the bar. CSS alone picks the layout (styles.css), so a resize moves no control and drops no focus.
 *
 * A disclosure, not an ARIA menu: the panel holds ordinary controls (a select among them), reached with Tab like
 * everywhere else. Escape closes it and puts the focus back on the button; a click elsewhere, or the focus moving on
 * past it, closes it too, so it never stays over the page the user went back to.
 */
export function UserMenu({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return undefined;
    function onPointerDown(event: PointerEvent) {
      if (!root.current?.contains(event.target as Node) && !inOpenDialog(event.target)) setOpen(false);
    }
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  function onKeyDown(event: KeyboardEvent) {
    if (event.key !== 'Escape' || !open) return;
    event.preventDefault();
    setOpen(false);
    toggle.current?.focus();
  }

  function onBlur(event: FocusEvent) {
    // No relatedTarget: the focus went nowhere (a click on the page's background), which onPointerDown handles.
    const next = event.relatedTarget;
    if (next && !root.current?.contains(next as Node) && !inOpenDialog(next)) setOpen(false);
  }

  return (
    <div className="topbar__user" ref={root} onKeyDown={onKeyDown} onBlur={onBlur}>
      <button
        ref={toggle}
        type="button"
        className="button button--secondary button--small topbar__menu-toggle"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((was) => !was)}
      >
        Menu
        <span className="topbar__menu-caret" aria-hidden="true">
          ▾
        </span>
      </button>
      <div id={panelId} className={`topbar__menu${open ? ' topbar__menu--open' : ''}`}>
        {children}
      </div>
    </div>
  );
}
