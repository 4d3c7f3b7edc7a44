/**
 * zod, configured for the CSP: import `z` from here, never from 'zod' (eslint enforces it).
 *
 * zod 4 compiles object schemas with `new Function` when it may, deciding when each schema is
 * built. The CSP (script-src 'self', no 'unsafe-eval') forbids that, and even zod's probe for it
 * is reported as a violation, so jitless must be set before any schema exists.
 */
import { z } from 'zod';

z.config({ jitless: true });

export { z };
