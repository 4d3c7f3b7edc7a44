import { type ChangeEvent, type FormEvent, useState } from 'react';
import type { z } from '@/lib/zod';
import type { FieldErrors } from '@/lib/api-error';
import { fieldErrorsOf, formErrors, validate } from '@/lib/forms';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/**
 * Controlled string fields, zod validation before sending, and the API's field errors after:
 * `errors(name)` shows the client's message first, else the server's `{"name": [...]}`.
 */
export function useForm<T extends Record<string, string>, Out>(
  schema: z.ZodType<Out>,
  initial: T,
  submit: (data: Out, helpers: { reset: () => void }) => void,
  serverError: unknown,
) {
  const [values, setValues] = useState<T>(initial);
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const server = fieldErrorsOf(serverError);

  function bind(name: keyof T & string) {
    return {
      name,
      value: values[name],
      onChange: (event: ChangeEvent<Control>) => setValues((current) => ({ ...current, [name]: event.target.value })),
    };
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const result = validate(schema, values);
    setClientErrors(result.errors ?? {});
    if (result.data !== null) submit(result.data, { reset: () => setValues(initial) });
  }

  return {
    values,
    setValues,
    bind,
    onSubmit,
    errors: (name: keyof T & string): string[] | undefined => clientErrors[name] ?? server[name],
    formErrors: formErrors(serverError, Object.keys(initial)),
  };
}
