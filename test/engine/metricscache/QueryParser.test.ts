import { Either } from "effect"
import { describe, expect, it } from "vitest"
import type { Expr } from "../../../core/engine/metricscache/query/Ast.js"
import { parse, type QueryError } from "../../../core/engine/metricscache/query/Parser.js"

const ok = (q: string): Expr => {
  const r = parse(q)
  if (Either.isLeft(r)) throw new Error(`expected ${q} to parse: ${r.left.message}`)
  return r.right
}
const err = (q: string): QueryError => {
  const r = parse(q)
  if (Either.isRight(r)) throw new Error(`expected ${q} to be refused, got ${JSON.stringify(r.right)}`)
  return r.left
}

/** The tree without positions, for readable expectations. */
const shape = (e: Expr): unknown => {
  switch (e._tag) {
    case "Constant": return e.value
    case "TS": return ["TS", e.component, e.instance ?? "*", e.metric]
    case "Default": return ["DEFAULT", e.value, shape(e.operand)]
    case "Sum": return ["SUM", ...e.operands.map(shape)]
    case "Max": return ["MAX", ...e.operands.map(shape)]
    case "Percentile": return ["PERCENTILE", e.quantile, ...e.operands.map(shape)]
    case "Binary": return [e.op, shape(e.left), shape(e.right)]
    case "Rate": return ["RATE", shape(e.operand)]
  }
}

describe("parsing Heron's metrics queries", () => {
  it("reads TS with its three names as written, * for every instance", () => {
    expect(shape(ok("TS(split, *, __emit-count/default)"))).toEqual(["TS", "split", "*", "__emit-count/default"])
    expect(shape(ok("  TS ( split ,container_1_split_3,  __execute-count/sentence/default )  "))).toEqual(
      ["TS", "split", "container_1_split_3", "__execute-count/sentence/default"])
  })

  it("reads every operator, nested, with numbers and redundant parentheses", () => {
    const q = "DIVIDE(SUM(DEFAULT(0, TS(a,*,m)), 5), MAX(PERCENTILE(99, RATE(TS(b,*,n)), TS(c, i1, x)), 1.5e2))"
    expect(shape(ok(q))).toEqual([
      "DIVIDE",
      ["SUM", ["DEFAULT", 0, ["TS", "a", "*", "m"]], 5],
      ["MAX", ["PERCENTILE", 99, ["RATE", ["TS", "b", "*", "n"]], ["TS", "c", "i1", "x"]], 150]
    ])
    expect(shape(ok("((SUBTRACT(TS(a,*,m), -2.5)))"))).toEqual(["SUBTRACT", ["TS", "a", "*", "m"], -2.5])
    expect(shape(ok("MULTIPLY(.5, TS(a,*,m))"))).toEqual(["MULTIPLY", 0.5, ["TS", "a", "*", "m"]])
  })

  it("records where each node starts", () => {
    const e = ok("SUM(1, TS(a,*,m))")
    expect(e._tag === "Sum" && e.operands.map((o) => o.position)).toEqual([4, 7])
  })

  it.each([
    ["", 0, "empty"],
    ["   ", 0, "empty"],
    ["5", 0, "not a number"],
    ["sum(TS(a,*,m))", 0, "unknown operator 'sum'"],
    ["FOO(TS(a,*,m))", 0, "unknown operator 'FOO'"],
    ["SUM TS(a,*,m)", 4, "expected '(' after SUM"],
    ["SUM(TS(a,*,m)", 13, "missing ')' to close SUM( at position 3"],
    ["SUM(TS(a,*,m) TS(b,*,m))", 14, "expected ',' or ')' in the arguments of SUM"],
    ["SUM(TS(a,*,m)))", 14, "unexpected ')' after the end"],
    ["SUM(TS(a,*,m)) x", 15, "unexpected 'x'"],
    ["SUM(, TS(a,*,m))", 4, "expected a number or an operator"],
    ["SUM()", 0, "SUM expects at least 1 argument, got 0"],
    ["MAX()", 0, "MAX expects at least 1 argument"],
    ["TS(a, *)", 0, "TS expects 3 arguments (component, instance or *, metric), got 2"],
    ["TS(a, *, m, n)", 0, "got 4"],
    ["TS(a, , m)", 5, "argument 2 of TS is empty"],
    ["TS(a, *, SUM(x))", 12, "not expressions"],
    ["TS(a, *, m", 10, "missing ')' to close TS( at position 2"],
    ["DEFAULT(TS(a,*,m), 0)", 8, "the first argument of DEFAULT (the fill value) must be a number"],
    ["DEFAULT(0, 1)", 11, "the second argument of DEFAULT must be a time series"],
    ["DEFAULT(0)", 0, "DEFAULT expects exactly 2 arguments, got 1"],
    ["PERCENTILE(TS(a,*,m), TS(a,*,m))", 11, "the first argument of PERCENTILE (the percentile) must be a number"],
    ["PERCENTILE(101, TS(a,*,m))", 11, "between 0 and 100, got 101"],
    ["PERCENTILE(50)", 0, "PERCENTILE expects at least 2 arguments"],
    ["DIVIDE(TS(a,*,m))", 0, "DIVIDE expects exactly 2 arguments, got 1"],
    ["DIVIDE(TS(a,*,m), 0)", 18, "DIVIDE by the constant 0"],
    ["MULTIPLY(1, 2, 3)", 0, "MULTIPLY expects exactly 2 arguments, got 3"],
    ["SUBTRACT(TS(a,*,m))", 0, "SUBTRACT expects exactly 2 arguments"],
    ["RATE(5)", 5, "the argument of RATE must be a time series"],
    ["RATE(TS(a,*,m), TS(a,*,m))", 0, "RATE expects exactly 1 argument, got 2"],
    ["SUM(TS(a,*,m), 1.2.3)", 18, "expected ',' or ')'"],
    ["(TS(a,*,m)", 10, "expected ')' to close the '(' at position 0"]
  ])("refuses %j at position %i: %s", (query, position, text) => {
    const e = err(query)
    expect(e.position).toBe(position)
    expect(e.message).toContain(`at position ${position}: `)
    expect(e.message).toContain(text)
  })
})
