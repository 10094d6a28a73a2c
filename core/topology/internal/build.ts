/**
 * `TopologyBuilder.build`: validate the declarations and the options, then freeze them into a
 * `BuiltTopology` (spouts first, then bolts, each in declaration order).
 */
import {
  BuiltTopologyTypeId,
  type BoltSpec,
  type BuiltTopology,
  type ComponentDef,
  type InputDef,
  type SpoutSpec,
  type TopologyOptions
} from "../Api.js"
import { TopologyValidationError } from "../TopologyValidationError.js"
import { toConfig } from "./config.js"
import { isValidName, validateComponents } from "./validate.js"

/** A component as declared, before validation. */
export interface Declaration {
  readonly kind: "spout" | "bolt"
  readonly name: string
  readonly spec: SpoutSpec | BoltSpec
  readonly parallelism: number
  readonly inputs: Array<InputDef>
  readonly config: Record<string, string>
}

const yes: true = true

export const buildTopology = (
  name: string,
  declarations: ReadonlyArray<Declaration>,
  options: TopologyOptions
): BuiltTopology => {
  if (!isValidName(name)) {
    throw new TopologyValidationError(
      name,
      undefined,
      `invalid topology name: use letters, digits, '.', '_' and '-', starting with a letter or digit`
    )
  }
  validateComponents(name, declarations)
  const ordered = [...declarations.filter((d) => d.kind === "spout"), ...declarations.filter((d) => d.kind === "bolt")]
  const { config, userConfig } = toConfig(name, ordered.map((d) => d.name), options)
  const components = ordered.map((d): ComponentDef =>
    Object.freeze({
      name: d.name,
      kind: d.kind,
      parallelism: d.parallelism,
      outputs: d.spec.outputs,
      inputs: Object.freeze([...d.inputs]),
      config: Object.freeze({ ...d.config }),
      spec: d.spec
    })
  )
  return Object.freeze({
    [BuiltTopologyTypeId]: yes,
    name,
    config: Object.freeze(config),
    userConfig: Object.freeze(userConfig),
    components: Object.freeze(components)
  })
}
