/**
 * Parses Heron's metrics query language (see `Ast.ts`) with the checks Heron makes when it builds
 * its operators (argument counts, which arguments must be numbers), so that a bad query is refused
 * before anything is read. Every error names the 0-based position in the query where it is, and
 * what was expected there.
 */
import { Data, Either } from "effect"
import { type BinaryOperator, type Expr, type Operator, operators } from "./Ast.js"

/** The query is not valid; `position` is the 0-based offset of the problem in the query text. */
export class QueryError extends Data.TaggedError("QueryError")<{
  readonly message: string
  readonly position: number
}> {}

const NUMBER = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y
const operatorNames: ReadonlyArray<string> = operators
const isOperator = (s: string): s is Operator => operatorNames.includes(s)

/** Thrown inside the parser only; `parse` turns it into a `QueryError` value. */
class Failure {
  constructor(readonly position: number, readonly text: string) {}
}

class Parser {
  private pos = 0
  constructor(private readonly src: string) {}

  private fail(position: number, text: string): never {
    throw new Failure(position, text)
  }

  private skip(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos] ?? "")) this.pos++
  }

  /** What is at the cursor, quoted, for messages. */
  private found(): string {
    if (this.pos >= this.src.length) return "the end of the query"
    return `'${this.src.slice(this.pos, this.pos + 12).split(/[\s,()]/)[0] || this.src[this.pos]}'`
  }

  query(): Expr {
    this.skip()
    if (this.pos >= this.src.length) this.fail(0, "the query is empty; expected an operator such as TS(component, *, metric)")
    const e = this.expr()
    this.skip()
    if (this.pos < this.src.length) this.fail(this.pos, `unexpected ${this.found()} after the end of the expression`)
    if (e._tag === "Constant") this.fail(e.position, "a query must be an operator such as TS(...) or SUM(...), not a number")
    return e
  }

  private expr(): Expr {
    this.skip()
    const start = this.pos
    const c = this.src[this.pos]
    if (c === "(") {
      this.pos++
      const inner = this.expr()
      this.skip()
      if (this.src[this.pos] !== ")") this.fail(this.pos, `expected ')' to close the '(' at position ${start}, found ${this.found()}`)
      this.pos++
      return inner
    }
    NUMBER.lastIndex = this.pos
    const num = NUMBER.exec(this.src)
    if (num !== null) {
      this.pos += num[0].length
      return { _tag: "Constant", value: Number(num[0]), position: start }
    }
    IDENT.lastIndex = this.pos
    const id = IDENT.exec(this.src)
    if (id === null) this.fail(start, `expected a number or an operator (${operators.join(", ")}), found ${this.found()}`)
    const name = id[0]
    if (!isOperator(name)) {
      this.fail(start, `unknown operator '${name}'; the operators are ${operators.join(", ")} (upper case)`)
    }
    this.pos += name.length
    this.skip()
    if (this.src[this.pos] !== "(") this.fail(this.pos, `expected '(' after ${name}, found ${this.found()}`)
    const open = this.pos
    this.pos++
    return name === "TS" ? this.ts(start, open) : this.operator(name, start, this.args(name, open))
  }

  /** `TS(component, instance | *, metric)`: three names, as written (trimmed). */
  private ts(start: number, open: number): Expr {
    const args: Array<{ readonly text: string; readonly position: number }> = []
    for (;;) {
      const argStart = this.pos
      while (this.pos < this.src.length && !",()".includes(this.src[this.pos] ?? "")) this.pos++
      const raw = this.src.slice(argStart, this.pos)
      const lead = raw.length - raw.trimStart().length
      const text = raw.trim()
      const c = this.src[this.pos]
      if (c === "(") this.fail(this.pos, "TS takes names (component, instance or *, metric), not expressions: unexpected '('")
      if (text === "") this.fail(argStart, `argument ${args.length + 1} of TS is empty; expected TS(component, instance or *, metric)`)
      args.push({ text, position: argStart + lead })
      if (c === ",") {
        this.pos++
        continue
      }
      if (c === ")") {
        this.pos++
        break
      }
      this.fail(this.pos, `missing ')' to close TS( at position ${open}`)
    }
    const [component, instance, metric] = args
    if (args.length !== 3 || component === undefined || instance === undefined || metric === undefined) {
      this.fail(start, `TS expects 3 arguments (component, instance or *, metric), got ${args.length}`)
    }
    return { _tag: "TS", component: component.text, instance: instance.text === "*" ? undefined : instance.text, metric: metric.text, position: start }
  }

  /** The comma-separated operands of a non-TS operator, up to its ')'. */
  private args(name: string, open: number): Array<Expr> {
    const out: Array<Expr> = []
    this.skip()
    if (this.src[this.pos] === ")") {
      this.pos++
      return out
    }
    for (;;) {
      out.push(this.expr())
      this.skip()
      const c = this.src[this.pos]
      if (c === ",") {
        this.pos++
        continue
      }
      if (c === ")") {
        this.pos++
        return out
      }
      if (this.pos >= this.src.length) this.fail(this.pos, `missing ')' to close ${name}( at position ${open}`)
      this.fail(this.pos, `expected ',' or ')' in the arguments of ${name} (opened at position ${open}), found ${this.found()}`)
    }
  }

  private constant(e: Expr | undefined, what: string, at: number): number {
    if (e === undefined) return this.fail(at, `${what} is missing`)
    if (e._tag !== "Constant") return this.fail(e.position, `${what} must be a number`)
    return e.value
  }

  private series(e: Expr, what: string): Expr {
    if (e._tag === "Constant") this.fail(e.position, `${what} must be a time series (an operator such as TS(...)), not a number`)
    return e
  }

  private operator(name: Exclude<Operator, "TS">, start: number, args: ReadonlyArray<Expr>): Expr {
    const count = (n: number) => {
      if (args.length !== n) this.fail(start, `${name} expects exactly ${n} argument${n === 1 ? "" : "s"}, got ${args.length}`)
    }
    const atLeast = (n: number) => {
      if (args.length < n) this.fail(start, `${name} expects at least ${n} argument${n === 1 ? "" : "s"}, got ${args.length}`)
    }
    switch (name) {
      case "DEFAULT": {
        count(2)
        const value = this.constant(args[0], "the first argument of DEFAULT (the fill value)", start)
        return { _tag: "Default", value, operand: this.series(args[1] ?? this.fail(start, "DEFAULT needs a series"), "the second argument of DEFAULT"), position: start }
      }
      case "SUM":
        atLeast(1)
        return { _tag: "Sum", operands: args, position: start }
      case "MAX":
        atLeast(1)
        return { _tag: "Max", operands: args, position: start }
      case "PERCENTILE": {
        atLeast(2)
        const quantile = this.constant(args[0], "the first argument of PERCENTILE (the percentile)", start)
        if (!(quantile >= 0 && quantile <= 100)) this.fail(args[0]?.position ?? start, `the percentile must be between 0 and 100, got ${quantile}`)
        return { _tag: "Percentile", quantile, operands: args.slice(1), position: start }
      }
      case "RATE":
        count(1)
        return { _tag: "Rate", operand: this.series(args[0] ?? this.fail(start, "RATE needs a series"), "the argument of RATE"), position: start }
      case "DIVIDE":
      case "MULTIPLY":
      case "SUBTRACT": {
        count(2)
        const [left, right] = args
        if (left === undefined || right === undefined) return this.fail(start, `${name} expects exactly 2 arguments`)
        if (name === "DIVIDE" && right._tag === "Constant" && right.value === 0) this.fail(right.position, "DIVIDE by the constant 0")
        const op: BinaryOperator = name
        return { _tag: "Binary", op, left, right, position: start }
      }
    }
  }
}

/** Parses a query; fails with a {@link QueryError} naming the position of the first problem. */
export const parse = (query: string): Either.Either<Expr, QueryError> => {
  try {
    return Either.right(new Parser(query).query())
  } catch (e) {
    if (e instanceof Failure) return Either.left(new QueryError({ message: `at position ${e.position}: ${e.text}`, position: e.position }))
    throw e
  }
}
