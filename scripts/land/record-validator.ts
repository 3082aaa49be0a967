import { z } from "zod";
import { isRecord, type SchemaField } from "../contracts/source-schema.ts";

/**
 * Wraps every bare JSON number in quotes so JSON.parse keeps its exact digits: NUMERIC money must never
 * pass through a float. Strings, keys and literals are left as they are.
 */
export function quoteJsonNumbers(text: string): string {
  return text.replace(JSON_STRING_OR_NUMBER, (token, number: string | undefined) => (number === undefined ? token : `"${number}"`));
}

/** A JSON string literal (kept as it is) or a bare number (captured). */
const JSON_STRING_OR_NUMBER = /"(?:[^"\\]|\\.)*"|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;

const NUMERIC_TEXT = /^[+-]?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** Canonical exact decimal text for BigQuery NUMERIC (at most 29 integer and 9 fraction digits). */
export function toNumericText(value: string): string | undefined {
  const m = NUMERIC_TEXT.exec(value.trim());
  if (!m) return undefined;
  const negative = value.trim().startsWith("-");
  let digits = m[1] + (m[2] ?? "");
  let scale = (m[2] ?? "").length - Number(m[3] ?? 0);
  if (scale < 0) {
    digits += "0".repeat(-scale);
    scale = 0;
  }
  digits = digits.padStart(scale + 1, "0");
  let intPart = digits.slice(0, digits.length - scale).replace(/^0+(?=\d)/, "");
  let frac = digits.slice(digits.length - scale).replace(/0+$/, "");
  if (frac.length > 9 || intPart.length > 29) return undefined;
  if (intPart === "") intPart = "0";
  const text = frac ? `${intPart}.${frac}` : intPart;
  return negative && /[1-9]/.test(text) ? `-${text}` : text;
}

const BQ_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d{1,6})?\s*(UTC|Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** BigQuery extract timestamps (`2024-01-01 10:00:00.123 UTC`) and ISO-8601 -> ISO UTC text. */
export function toTimestampText(value: string): string | undefined {
  const m = BQ_TIMESTAMP.exec(value.trim());
  if (!m) return undefined;
  const offset = m[4] ?? "Z";
  const zone = offset === "UTC" || offset === "Z" ? "Z" : `${offset.slice(0, 3)}:${offset.slice(3).replace(":", "") || "00"}`;
  const date = new Date(`${m[1]}T${m[2]}${zone}`);
  if (Number.isNaN(date.getTime())) return undefined;
  const micros = (m[3] ?? ".").slice(1).padEnd(6, "0");
  return `${date.toISOString().slice(0, 19)}.${micros}Z`;
}

function scalar(field: SchemaField): z.ZodType<unknown> {
  const text = z.union([z.string(), z.number()]).transform(String);
  switch (field.type) {
    case "NUMERIC":
    case "BIGNUMERIC":
      return text.transform((v, ctx) => {
        const exact = toNumericText(v);
        if (exact === undefined) ctx.addIssue({ code: "custom", message: `"${v}" is not a NUMERIC (at most 29 integer and 9 decimal digits)` });
        return exact;
      });
    case "FLOAT":
    case "FLOAT64":
      return text.transform((v, ctx) => {
        const n = Number(v);
        if (v.trim() === "" || Number.isNaN(n)) ctx.addIssue({ code: "custom", message: `"${v}" is not a number` });
        return n;
      });
    case "INTEGER":
    case "INT64":
      return text.refine((v) => /^[+-]?\d+$/.test(v), { message: "not an integer" });
    case "BOOLEAN":
    case "BOOL":
      return z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]);
    case "TIMESTAMP":
      return z.string().transform((v, ctx) => {
        const ts = toTimestampText(v);
        if (ts === undefined) ctx.addIssue({ code: "custom", message: `"${v}" is not a timestamp (YYYY-MM-DD HH:MM:SS[.ffffff] UTC or ISO-8601)` });
        return ts;
      });
    case "DATE":
      return z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "not a date (YYYY-MM-DD)");
    default:
      return text;
  }
}

function fieldValidator(field: SchemaField): z.ZodType<unknown> {
  const base = isRecord(field) ? recordValidator(field.fields ?? []) : scalar(field);
  // A repeated field delivered as a single value (one object instead of a list) is read as a list of one.
  if (field.mode === "REPEATED") {
    return z.preprocess((v) => (v === undefined || v === null || Array.isArray(v) ? v : [v]), z.array(base).nullish()).transform((v) => v ?? []);
  }
  if (field.mode === "REQUIRED") return base;
  return base.nullish().transform((v) => v ?? null);
}

/** A zod validator for one record of a BigQuery schema; unknown fields pass through untouched. */
export function recordValidator(fields: SchemaField[]): z.ZodType<Record<string, unknown>> {
  return z.looseObject(Object.fromEntries(fields.map((f) => [f.name, fieldValidator(f)]))) as z.ZodType<Record<string, unknown>>;
}

export interface RowProblem {
  field: string;
  reason: string;
}

/** The first problem of a failed parse, with a dotted field path (`credits[0].amount`). */
export function firstProblem(error: z.ZodError, input: unknown): RowProblem {
  const issue = error.issues[0];
  const field = issue.path.reduce<string>((acc, part) => (typeof part === "number" ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), "");
  const value = issue.path.reduce<unknown>((node, part) => (node && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[part as PropertyKey] : undefined), input);
  if (value === undefined || value === null) return { field, reason: `required field ${field} is missing` };
  return { field, reason: `${field}: ${issue.message}` };
}
