#!/usr/bin/env node
import { Command } from "@effect/cli"
import { VERSION } from "../version.js"
import { command } from "./HeronMain.js"
import { runBin } from "./runBin.js"

runBin("heron", Command.run(command, { name: "heron", version: VERSION }))
