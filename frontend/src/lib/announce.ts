/**
 * Saying something to screen-reader users that no focus move says: the error of a form field that already has the
 * focus (lib/use-form.ts). Focusing the field again does nothing, and a screen reader reads a field's error (its
 * description) only when the focus arrives there.
 *
 * The words go into the assertive live region of the layer the element is in (`Announcer`, components/feedback.tsx):
 * the dialog's, since an open modal dialog hides the page behind it from screen readers, else the page's (both
 * layouts have one).
 */

/** The attribute that marks an announcer region. */
export const ANNOUNCER_ATTRIBUTE = 'data-announcer';

/**
 * The region is emptied first and gets its words this long after: a screen reader sees the emptying and then the
 * words arrive, so it reads them even when they are the same words as last time.
 */
const REFILL_DELAY_MS = 100;

const refills = new WeakMap<Element, ReturnType<typeof setTimeout>>();

function regionFor(element: Element): Element | undefined {
  const dialog = element.closest('dialog');
  const regions = [...(dialog ?? document).querySelectorAll(`[${ANNOUNCER_ATTRIBUTE}]`)];
  // Dialogs are portals at the end of <body>: the page's region is the one in no dialog.
  return dialog ? regions[0] : regions.find((region) => !region.closest('dialog'));
}

/** Has `message` read out at once, from the live region of the layer `near` is in; nothing when there is none. */
export function announce(message: string, near: Element): void {
  const region = regionFor(near);
  if (!region) return;
  clearTimeout(refills.get(region));
  region.replaceChildren();
  refills.set(
    region,
    setTimeout(() => region.replaceChildren(message), REFILL_DELAY_MS),
  );
}
