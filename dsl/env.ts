/**
 * `env("NAME")`: a secret read from the environment when the cluster file is loaded. It stands in
 * for a string wherever the cluster file takes one; its value is redacted in every log, error and
 * API answer.
 */
const PREFIX = "\u0000heron-env:"
const SUFFIX = "\u0000"

/** A placeholder for the value of environment variable `name`, resolved at load time. */
export const env = (name: string): string => `${PREFIX}${name}${SUFFIX}`

/** The variable a placeholder names, if `value` is one. */
export const envName = (value: string): string | undefined =>
  value.startsWith(PREFIX) && value.endsWith(SUFFIX) ? value.slice(PREFIX.length, -SUFFIX.length) : undefined
