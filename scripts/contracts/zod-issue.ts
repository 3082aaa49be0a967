import type { z } from "zod";

/**
 * One zod issue as the project's messages write it: the dotted path of the offending value, then what is
 * wrong with it (`prices.2.currency: an ISO 4217 code ...`); `root` names a value without a path.
 */
export function issueText(issue: z.core.$ZodIssue, root = "(root)"): string {
  return `${issue.path.join(".") || root}: ${issue.message}`;
}
