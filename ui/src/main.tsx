/** The Heron UI's entry: styles, then the app into `#app`. */
import "uplot/dist/uPlot.min.css"
import "./styles.css"
import { render } from "preact"
import { App } from "./app/App.js"

performance.mark("heron:script")
const root = document.getElementById("app")
if (root !== null) {
  root.replaceChildren()
  render(<App />, root)
}
