/**
 * What `TopologyBuilder.build` throws for a topology that cannot run.
 *
 * A plain `Error` (user code needs no Effect). The CLI imports a bundled copy of this class, so it
 * recognises the error by `name === "TopologyValidationError"`, not by `instanceof`.
 */
export class TopologyValidationError extends Error {
  override readonly name = "TopologyValidationError"
  readonly _tag = "TopologyValidationError"
  /**
   * @param topology the topology's name as given to `build`
   * @param component the offending component; undefined when the topology itself is wrong
   *   (its name or its options)
   * @param reason what is wrong, e.g. `input from unknown component "spliter"`
   */
  constructor(
    readonly topology: string,
    readonly component: string | undefined,
    readonly reason: string
  ) {
    super(
      component === undefined
        ? `topology "${topology}": ${reason}`
        : `topology "${topology}": component "${component}": ${reason}`
    )
  }
}
