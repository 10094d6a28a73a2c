#!/usr/bin/env node
import { main } from "./Executor.js"
import { runBin } from "../cli/runBin.js"

runBin("heron-executor", (argv) => main(argv.slice(2)))
