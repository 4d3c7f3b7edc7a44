/**
 * Compile-time checks that a hand-written zod schema and the generated OpenAPI types
 * (`@/types/api`, written by `make schema`) agree. Types only: nothing here reaches the bundle.
 *
 *   export type MatchesApi = Expect<Equals<Task, components['schemas']['TaskOutput']>>;
 *
 * `tsc --noEmit` (`make frontend-lint`) then fails on that line when either side changes alone.
 * They compare shapes (fields, optionality, null, literal values), not zod's refinements such as
 * `.min(1)`, which have no type. `MatchesApi` is exported only because `noUnusedLocals` refuses an
 * unused local type.
 */

/** Compiles only when T is `true`: the line that uses it is where a mismatch is reported. */
export type Expect<T extends true> = T;

/**
 * True only when A and B are the same type, not merely assignable one to the other: a field that is
 * missing, extra, optional on one side, nullable on one side or has other literal values all count.
 */
export type Equals<A, B> = Same<Normalize<A>, Normalize<B>> extends true ? true : Mismatch<Normalize<A>, Normalize<B>>;

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;

/**
 * What `tsc` prints when two object types differ, instead of a bare "'false' does not satisfy the constraint
 * 'true'": the fields only the first has, only the second has, and those both have with different types.
 */
type Mismatch<A, B> = [A, B] extends [object, object]
  ? {
      types_differ: 'first = your schema or form, second = the generated API type';
      only_in_first: Exclude<keyof A, keyof B>;
      only_in_second: Exclude<keyof B, keyof A>;
      differ_in_type: { [K in keyof A & keyof B]: Same<A[K], B[K]> extends true ? never : K }[keyof A & keyof B];
    }
  : false;

/**
 * The generated types mark the API's read-only fields `readonly`, which zod's output never is, and
 * zod's output may be an intersection where the generated type is one object: both sides are
 * compared as plain mutable objects, at every depth.
 */
type Normalize<T> = T extends readonly (infer Item)[]
  ? Normalize<Item>[]
  : T extends object
    ? { -readonly [K in keyof T]: Normalize<T[K]> }
    : T;

/**
 * A form's values fit a request body: every value the form can produce is a body the API accepts,
 * and it names exactly the body's fields (assignability alone would let a misspelt or removed field
 * through). The API may accept more (fields it defaults are optional there, always sent here).
 */
export type FitsRequest<Values, Body> = [Normalize<Values>] extends [Normalize<Body>] ? Equals<keyof Values, keyof Body> : false;
