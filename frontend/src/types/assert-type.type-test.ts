/**
 * Compile-time tests of assert-type.ts, checked by `tsc` in `make frontend-lint`: a mismatch must fail and must
 * name the fields that differ, a match must pass.
 */
import type { Equals, Expect, FitsRequest } from '@/types/assert-type';

type Schema = { id: string; estimate_minutes: number; title: string | null };
type Api = { readonly id: string; title: string; done: boolean };

// @ts-expect-error a mismatch does not satisfy Expect
export type MismatchFails = Expect<Equals<Schema, Api>>;

export type MismatchNamesTheFields = Expect<
  Equals<
    Equals<Schema, Api>,
    {
      types_differ: 'first = your schema or form, second = the generated API type';
      only_in_first: 'estimate_minutes';
      only_in_second: 'done';
      differ_in_type: 'title';
    }
  >
>;

export type ReadonlyIsNotADifference = Expect<Equals<{ id: string }, { readonly id: string }>>;

// @ts-expect-error a form value the body does not name is refused
export type ExtraFormValueFails = Expect<FitsRequest<{ title: string; extra: string }, { title: string }>>;

export type FittingFormPasses = Expect<FitsRequest<{ title: string; note: string }, { title: string; note?: string }>>;
