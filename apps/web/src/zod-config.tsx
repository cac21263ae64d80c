// Imported first by main.tsx, before any schema is built: the page's Content-Security-
// Policy allows no eval, so zod must not compile parsers with `new Function`, nor probe
// whether it may (it probes while building object schemas, and the browser reports the
// probe as a violation even though zod catches it).
import { z } from 'zod';

z.config({ jitless: true });
