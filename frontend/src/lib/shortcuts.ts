/**
 * Single-key shortcuts (`/`, `n`, `j`, …). They never fire while the user types in a field, with
 * Ctrl, Alt or Meta held, or while a modal dialog is open; and they can be turned off on this device
 * (WCAG 2.1.4: a speech-input user's words must not trigger them), from the `?` help dialog.
 */
import { useEffect, useRef } from 'react';
import { readPreference, usePreference, writePreference } from '@/lib/preferences';

const NOT_TYPING = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file', 'image']);

/** Where a key press is text for a field: inputs that take text, textareas, selects (type-ahead), editable content. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement) return !NOT_TYPING.has(target.type);
  return target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || target.isContentEditable;
}

export function shortcutsEnabled(): boolean {
  return readPreference('shortcuts') !== 'off';
}

export function setShortcutsEnabled(on: boolean): void {
  writePreference('shortcuts', on ? null : 'off');
}

export function useShortcutsEnabled(): boolean {
  return usePreference('shortcuts') !== 'off';
}

export type ShortcutHandlers = Partial<Record<string, () => void>>;

/** Runs `handlers[event.key]` for a shortcut key pressed anywhere on the page, when shortcuts apply. */
export function useShortcuts(handlers: ShortcutHandlers): void {
  const latest = useRef(handlers);
  useEffect(() => {
    latest.current = handlers;
  });
  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
      if (!shortcutsEnabled() || isTypingTarget(event.target) || document.querySelector('dialog[open]')) return;
      const handler = latest.current[event.key];
      if (!handler) return;
      event.preventDefault();
      handler();
    }
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);
}
