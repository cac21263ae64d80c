// Records (string-keyed maps) with a cap on their size that is checked before any entry
// is: zod checks a record's own refinements only after parsing every key and value, so a
// 1 MB socket payload of 60,000 labels held the event loop for 50-90 ms before being refused.
import { z } from 'zod';

export function boundedRecord<K extends z.core.$ZodRecordKey, V extends z.ZodType>(
  key: K,
  value: V,
  max: number,
  what: string,
): z.ZodType<z.output<z.ZodRecord<K, V>>, z.input<z.ZodRecord<K, V>>> {
  const record = z.record(key, value);
  const bounded = z.preprocess((input, ctx) => {
    if (typeof input === 'object' && input !== null && !Array.isArray(input) && Object.keys(input).length > max) {
      ctx.issues.push({ code: 'custom', message: `at most ${max} ${what}`, input });
    }
    return input;
  }, record);
  // A preprocess takes any input; typed as the record's, so it composes (`.pipe(Labels)`) as the record did.
  return bounded as unknown as z.ZodType<z.output<typeof record>, z.input<typeof record>>;
}
