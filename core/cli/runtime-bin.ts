#!/usr/bin/env node
import { Command } from "@effect/cli"
import { VERSION } from "../version.js"
import { command } from "./RuntimeMain.js"
import { runBin } from "./runBin.js"

runBin("heron-runtime", Command.run(command, { name: "heron-runtime", version: VERSION }))
