import { type ChangeEvent, type FormEvent, useEffectEvent, useLayoutEffect, useState } from 'react';
import type { z } from '@/lib/zod';
import type { FieldErrors } from '@/lib/api-error';
import { announce } from '@/lib/announce';
import { fieldErrorsOf, formErrors, validate } from '@/lib/forms';
import { OFFLINE_MESSAGE } from '@/lib/api-error';
import { isOffline } from '@/lib/online';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/**
 * The first field marked invalid, in the order of the form, gets the focus; nothing when every field is valid. When
 * it has the focus already (Enter in a one-field form, e.g. a code), focus() does nothing, and a screen reader reads
 * a field's error only when the focus arrives: the error (`errorsOf` its name) is read out instead. Only then: a
 * field the focus moves to is read with its error, and would otherwise be read twice.
 */
function focusFirstInvalid(form: HTMLFormElement | null, errorsOf: (name: string) => string[] | undefined): void {
  const field = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
  if (!field) return;
  if (field !== document.activeElement) {
    field.focus();
    return;
  }
  const messages = errorsOf(field.getAttribute('name') ?? '');
  if (messages?.length) announce(messages.join(' '), field);
}

/**
 * Controlled string fields, zod validation before sending, and the API's field errors after:
 * `errors(name)` shows the client's message first, else the server's `{"name": [...]}`. After a
 * failed attempt, whichever side found it, focus goes to the first invalid field, so a keyboard
 * or screen-reader user lands on what to fix (and hears it, when the focus was there already). A field edited since
 * the server's answer no longer shows that answer's error.
 */
export function useForm<T extends Record<string, string>, Out>(
  schema: z.ZodType<Out>,
  initial: T,
  submit: (data: Out, helpers: { reset: () => void }) => void,
  serverError: unknown,
) {
  const [values, setValues] = useState<T>(initial);
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const [refused, setRefused] = useState(0);
  // Submitted while offline: nothing was sent (and nothing will be, later).
  const [offlineAttempt, setOfflineAttempt] = useState(false);
  // The <form> last submitted, for the focus moves (taken from the submit event: no ref to pass).
  const [formNode, setFormNode] = useState<HTMLFormElement | null>(null);
  // The fields the user changed since the server's answer came: its errors about them are for a value no longer there
  // (a field still marked invalid, "already in use", while the user types another address). Kept per answer: the next
  // one's errors show whatever was typed before it.
  const [edited, setEdited] = useState<{ since: unknown; names: ReadonlySet<string> }>({ since: serverError, names: new Set() });
  let editedNames = edited.names;
  if (edited.since !== serverError) {
    editedNames = new Set();
    setEdited({ since: serverError, names: editedNames });
  }
  const server = fieldErrorsOf(serverError);
  const errors = (name: string): string[] | undefined => clientErrors[name] ?? (editedNames.has(name) ? undefined : server[name]);
  // An effect event: it reads the errors of the commit that shows them, which are not what the effects wait for.
  const showInvalid = useEffectEvent((form: HTMLFormElement | null) => focusFirstInvalid(form, errors));

  // In the commit that shows the errors, as every focus move here (components/page-heading.tsx): a field the user
  // clicked into once they were painted keeps the focus, and the keys typed into it.
  useLayoutEffect(() => {
    if (refused) showInvalid(formNode);
  }, [refused, formNode]);
  useLayoutEffect(() => {
    if (serverError) showInvalid(formNode);
  }, [serverError, formNode]);

  function bind(name: keyof T & string) {
    return {
      name,
      value: values[name],
      onChange: (event: ChangeEvent<Control>) => {
        setValues((current) => ({ ...current, [name]: event.target.value }));
        if (server[name] && !editedNames.has(name)) setEdited({ since: serverError, names: new Set(editedNames).add(name) });
      },
    };
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (event.currentTarget instanceof HTMLFormElement) setFormNode(event.currentTarget);
    const result = validate(schema, values);
    setClientErrors(result.errors ?? {});
    setOfflineAttempt(false);
    if (result.data === null) setRefused((count) => count + 1);
    else if (isOffline()) setOfflineAttempt(true);
    else submit(result.data, { reset: () => setValues(initial) });
  }

  return {
    values,
    setValues,
    bind,
    onSubmit,
    errors: (name: keyof T & string): string[] | undefined => errors(name),
    formErrors: offlineAttempt ? [OFFLINE_MESSAGE] : formErrors(serverError, Object.keys(initial)),
  };
}
