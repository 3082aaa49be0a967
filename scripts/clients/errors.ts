/**
 * Errors shared by the vendor API clients. Messages never carry credentials: clients redact secrets
 * (tokens, passwords, signed URLs) before building one.
 */

/** A vendor API refused a request or could not be reached. */
export class VendorApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "VendorApiError";
  }
}

/** The vendor refused the credentials (a bad secret, an expired or revoked token). */
export class AuthenticationError extends VendorApiError {
  constructor(message: string, status?: number) {
    super(message, status);
    this.name = "AuthenticationError";
  }
}

/** A command-line or environment input is wrong before anything is sent (a bad month, a missing variable). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Replaces every occurrence of each secret in `text` with `***` (secrets shorter than 4 characters are left: too noisy). */
export function redact(text: string, secrets: (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join("***");
  }
  return out;
}
