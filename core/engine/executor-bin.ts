#!/usr/bin/env node
import { Command } from "@effect/cli"
import { VERSION } from "../version.js"
import { command } from "./Executor.js"
import { runBin } from "../cli/runBin.js"

runBin("heron-executor", Command.run(command, { name: "heron-executor", version: VERSION }))
