/**
 * The syntax tree of Heron's metrics query language (the Tracker's `/topologies/metricsquery`):
 *
 * ```
 * TS(component, instance | *, metric)   a time series per instance (minute → value)
 * DEFAULT(value, expr)                  fills the minutes a series lacks with `value`
 * SUM(expr | number, ...)               one series: the sum per minute (numbers add to every minute)
 * MAX(expr | number, ...)               one series: the maximum per minute
 * PERCENTILE(p, expr, ...)              one series: the p-th percentile (0..100) per minute
 * DIVIDE(a, b)  MULTIPLY(a, b)  SUBTRACT(a, b)
 * RATE(expr)                            per series: the change from the previous minute
 * ```
 *
 * Every node carries the offset in the query text where it starts, for error messages.
 */

/** The operators, as written (upper case, as Heron requires). */
export const operators = ["TS", "DEFAULT", "SUM", "MAX", "PERCENTILE", "DIVIDE", "MULTIPLY", "SUBTRACT", "RATE"] as const
export type Operator = (typeof operators)[number]

/** DIVIDE, MULTIPLY and SUBTRACT: two operands, each univariate or multivariate. */
export type BinaryOperator = "DIVIDE" | "MULTIPLY" | "SUBTRACT"

export type Expr =
  | { readonly _tag: "Constant"; readonly value: number; readonly position: number }
  | {
    readonly _tag: "TS"
    readonly component: string
    /** `undefined` for `*`: every instance. */
    readonly instance: string | undefined
    readonly metric: string
    readonly position: number
  }
  | { readonly _tag: "Default"; readonly value: number; readonly operand: Expr; readonly position: number }
  | { readonly _tag: "Sum"; readonly operands: ReadonlyArray<Expr>; readonly position: number }
  | { readonly _tag: "Max"; readonly operands: ReadonlyArray<Expr>; readonly position: number }
  | { readonly _tag: "Percentile"; readonly quantile: number; readonly operands: ReadonlyArray<Expr>; readonly position: number }
  | { readonly _tag: "Binary"; readonly op: BinaryOperator; readonly left: Expr; readonly right: Expr; readonly position: number }
  | { readonly _tag: "Rate"; readonly operand: Expr; readonly position: number }
